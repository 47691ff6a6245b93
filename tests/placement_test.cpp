#include "parakit/placement.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"
#include "parakit/sys.hpp"

using parakit::sys::Placement;

TEST(ThreadPlacements, one_entry_per_thread_each_on_a_cpu_it_may_use) {
  const std::vector<Placement> mine = parakit::sys::thread_placements(7, 3);
  ASSERT_EQ(mine.size(), 3U) << "no OMP_THREAD_LIMIT in the test environment";
  for (int t = 0; t < 3; ++t) {
    const Placement& p = mine[static_cast<std::size_t>(t)];
    EXPECT_EQ(p.rank, 7) << "recorded as given";
    EXPECT_EQ(p.thread, t) << "by thread number";
    EXPECT_EQ(p.host, parakit::sys::hostname());
    EXPECT_EQ(p.pid, parakit::sys::pid());
    EXPECT_EQ(p.host_cpus, parakit::sys::online_cpus());
    ASSERT_FALSE(p.cpus.empty());
    EXPECT_TRUE(std::is_sorted(p.cpus.begin(), p.cpus.end()));
    EXPECT_NE(std::find(p.cpus.begin(), p.cpus.end(), p.cpu), p.cpus.end())
        << "cpu " << p.cpu << " is one of its allowed CPUs";
  }
}

TEST(ThreadPlacements, refuses_an_empty_team) {
  EXPECT_THROW(parakit::sys::thread_placements(0, 0), parakit::Error);
}

TEST(PlacementHosts, each_host_once_in_order_of_first_appearance) {
  std::vector<Placement> all(5);
  const char* hosts[] = {"b", "a", "b", "c", "a"};
  for (std::size_t i = 0; i < all.size(); ++i)
    all[i].host = hosts[i];
  EXPECT_EQ(parakit::sys::placement_hosts(all), (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_TRUE(parakit::sys::placement_hosts({}).empty());
}
