#include "parakit/report/placement_warnings.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

using parakit::report::placement_warnings;
using parakit::sys::Placement;

namespace {

// 4 cores of 2 hardware threads: a thread allowed on at most 2 CPUs counts as bound.
parakit::sys::Topology two_way_smt() {
  parakit::sys::Topology t;
  t.cores = 4;
  t.hardware_threads = 8;
  return t;
}

Placement at(int rank, int thread, std::vector<int> cpus, std::string host = "h") {
  const int cpu = cpus.empty() ? -1 : cpus.front();
  return {rank, thread, std::move(host), 100 + rank, cpu, std::move(cpus), 8};
}

using Environment = std::vector<std::pair<std::string, std::string>>;

}  // namespace

TEST(PlacementWarnings, none_for_one_thread_per_cpu) {
  const std::vector<Placement> all = {at(0, 0, {0}), at(0, 1, {1}), at(1, 0, {2}), at(1, 1, {3})};
  EXPECT_TRUE(placement_warnings(all, two_way_smt(), 2, {}).empty());
}

TEST(PlacementWarnings, oversubscribed_and_overlapping_when_two_ranks_share_one_cpu_each) {
  // Two ranks bound to one CPU each (Open MPI's default for 2 ranks), two threads each.
  const std::vector<Placement> all = {at(0, 0, {0}), at(0, 1, {0}), at(1, 0, {1}), at(1, 1, {1})};
  const auto warnings = placement_warnings(all, two_way_smt(), 2, {});
  ASSERT_EQ(warnings.size(), 3U);
  EXPECT_EQ(warnings[0],
            "oversubscribed: 4 threads on h may use 2 CPUs (0-1) together; they take turns, so timings "
            "measure sharing, not scaling");
  EXPECT_EQ(warnings[1], "overlapping: 2 threads on h are bound to the same CPU 0");
  EXPECT_EQ(warnings[2], "overlapping: 2 threads on h are bound to the same CPU 1");
}

TEST(PlacementWarnings, unbound_counts_threads_allowed_on_more_cpus_than_one_core_has) {
  // Thread 0 may use one core's 2 hardware threads (bound); threads 1 and 2 may use 4 CPUs (unbound).
  const std::vector<Placement> all = {at(0, 0, {0, 1}), at(0, 1, {0, 1, 2, 3}), at(0, 2, {0, 1, 2, 3})};
  const auto warnings = placement_warnings(all, two_way_smt(), 3, {});
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0],
            "unbound: 2 of 3 threads on h may run on several CPUs and can migrate; bind them "
            "(OMP_PROC_BIND=close OMP_PLACES=cores, or mpirun --bind-to core for one thread per rank)");
  EXPECT_TRUE(placement_warnings({at(0, 0, {0, 1, 2, 3})}, two_way_smt(), 1, {}).empty())
      << "one thread alone on its host cannot migrate away from another";
}

TEST(PlacementWarnings, judges_each_host_by_its_own_cpus) {
  // On host a two threads share CPU 0; on host b the same CPU number is used once: only a is named.
  const std::vector<Placement> all = {at(0, 0, {0}, "a"), at(1, 0, {0}, "a"), at(2, 0, {0}, "b")};
  const auto warnings = placement_warnings(all, two_way_smt(), 1, {});
  ASSERT_EQ(warnings.size(), 2U);
  EXPECT_EQ(warnings[0],
            "oversubscribed: 2 threads on a may use 1 CPU (0) together; they take turns, so timings measure "
            "sharing, not scaling");
  EXPECT_EQ(warnings[1], "overlapping: 2 threads on a are bound to the same CPU 0");
}

TEST(PlacementWarnings, omp_proc_bind_that_puts_a_ranks_whole_team_on_its_one_cpu) {
  const std::vector<Placement> all = {at(0, 0, {3}), at(0, 1, {3}), at(1, 0, {4}), at(1, 1, {5})};
  const auto warnings = placement_warnings(all, two_way_smt(), 2, Environment{{"OMP_PROC_BIND", "close"}});
  ASSERT_FALSE(warnings.empty());
  EXPECT_EQ(warnings.back(),
            "OMP_PROC_BIND=close binds the 2 threads of rank 0 to its only CPU 3: give the rank more CPUs "
            "(mpirun --map-by slot:PE=2)");
  EXPECT_EQ(std::count_if(warnings.begin(), warnings.end(),
                          [](const std::string& w) { return w.starts_with("OMP_PROC_BIND="); }),
            1)
      << "rank 1's threads have a CPU each";
  for (const auto& w : placement_warnings(all, two_way_smt(), 2, {}))
    EXPECT_FALSE(w.starts_with("OMP_PROC_BIND=")) << "not set, not blamed: " << w;
}

TEST(PlacementWarnings, omp_num_threads_that_differs_from_the_threads_run) {
  const std::vector<Placement> all = {at(0, 0, {0}), at(0, 1, {1})};
  const auto warnings = placement_warnings(all, two_way_smt(), 2, Environment{{"OMP_NUM_THREADS", "8"}});
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0], "OMP_NUM_THREADS=8 but the ranks run 2 threads (--threads wins)");
  EXPECT_TRUE(placement_warnings(all, two_way_smt(), 2, Environment{{"OMP_NUM_THREADS", "2"}}).empty());
}

TEST(PlacementWarnings, a_rank_that_ran_fewer_threads_than_asked) {
  const std::vector<Placement> all = {at(0, 0, {0}), at(0, 1, {1}), at(0, 2, {2}), at(1, 0, {4})};
  const auto warnings = placement_warnings(all, two_way_smt(), 3, {});
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0],
            "rank 1 ran 1 OpenMP threads, not the 3 asked for (OMP_THREAD_LIMIT or OMP_DYNAMIC?)");
}
