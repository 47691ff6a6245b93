#include "parakit/topology.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "parakit/sys.hpp"

TEST(Topology, hwloc_sees_this_machine) {
  const auto t = parakit::sys::read_topology();
  EXPECT_GE(t.packages, 1);
  EXPECT_GE(t.cores, t.packages);
  EXPECT_GE(t.hardware_threads, t.cores);
  EXPECT_GE(t.allowed_cores, 1);
  EXPECT_LE(t.allowed_cores, t.cores);
  EXPECT_LE(static_cast<std::size_t>(t.allowed_cores), parakit::sys::allowed_cpus().size())
      << "a core per allowed CPU at most";
  EXPECT_GE(t.hardware_threads, static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)));
  EXPECT_GE(t.numa_nodes, 1);
  ASSERT_FALSE(t.caches.empty());
  for (const auto& c : t.caches) {
    EXPECT_GE(c.level, 1);
    EXPECT_GT(c.size_bytes, 0U);
    EXPECT_GE(c.count, 1);
  }
  EXPECT_EQ(t.hwloc_api_version.front(), '2');
}
