// Where every thread of every rank runs (mpi::placements) and the bare start of a hybrid run
// (mpi::start_teams), under mpiexec at 1 to 4 ranks.
#include <cstddef>
#include <functional>
#include <set>
#include <vector>

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/communicator.hpp>
#include <gtest/gtest.h>

#include "parakit/mpi/placements.hpp"
#include "parakit/mpi/team.hpp"
#include "parakit/sys.hpp"

using namespace parakit;

TEST(Placements, rank_0_gets_every_ranks_threads_in_rank_and_thread_order) {
  const boost::mpi::communicator world;
  constexpr int kThreads = 2;
  const std::vector<sys::Placement> all = mpi::placements(world, kThreads);
  if (world.rank() != 0) {
    EXPECT_TRUE(all.empty()) << "complete on rank 0 only";
    return;
  }
  ASSERT_EQ(all.size(), static_cast<std::size_t>(world.size() * kThreads));
  std::set<long> pids;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const sys::Placement& p = all[i];
    EXPECT_EQ(p.rank, static_cast<int>(i) / kThreads);
    EXPECT_EQ(p.thread, static_cast<int>(i) % kThreads);
    EXPECT_EQ(p.host, sys::hostname()) << "all ranks of a test share this host";
    EXPECT_EQ(p.pid, all[i - i % kThreads].pid) << "one process per rank";
    EXPECT_FALSE(p.cpus.empty());
    pids.insert(p.pid);
  }
  EXPECT_EQ(pids.size(), static_cast<std::size_t>(world.size())) << "a process of its own per rank";
}

TEST(Placements, a_rank_may_ask_for_its_own_thread_count) {
  const boost::mpi::communicator world;
  // Rank r runs r + 1 threads: rank 0 receives 1 + 2 + ... + p = p(p+1)/2 entries.
  const std::vector<sys::Placement> all = mpi::placements(world, world.rank() + 1);
  if (world.rank() == 0) {
    EXPECT_EQ(all.size(), static_cast<std::size_t>(world.size() * (world.size() + 1) / 2));
    EXPECT_EQ(all.back().rank, world.size() - 1);
    EXPECT_EQ(all.back().thread, world.size() - 1);
  }
}

TEST(StartTeams, every_rank_starts_its_team_and_all_meet) {
  const boost::mpi::communicator world;
  const int team = mpi::start_teams(world, 3);
  EXPECT_EQ(team, 3) << "no OMP_THREAD_LIMIT in the test environment";
  // Every rank got past the barrier with its team: the sum over ranks is 3p.
  EXPECT_EQ(boost::mpi::all_reduce(world, team, std::plus<int>()), 3 * world.size());
}
