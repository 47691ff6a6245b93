#include "parakit/report/farm_report.hpp"

#include <cstdint>

#include <gtest/gtest.h>

#include "parakit/error.hpp"

using namespace parakit::report;

namespace {

FarmRecord record(std::uint64_t piece, int rank, int thread, double start_s, double end_s) {
  FarmRecord r;
  r.piece = piece;
  r.rank = rank;
  r.thread = thread;
  r.start_s = start_s;
  r.end_s = end_s;
  return r;
}

// 2 ranks x 2 threads; worker (0,0) runs pieces 0 and 1 (3 s), (0,1) piece 2 (1 s), (1,0) piece 3 twice
// (two attempts, 1 + 2 s), (1,1) nothing. The farm took 5 s, the last record ended at 4 s.
FarmResult four_workers() {
  FarmResult farm;
  farm.per_rank.resize(2);
  farm.per_rank[0].host = "a";
  farm.per_rank[1].host = "b";
  farm.records = {record(0, 0, 0, 0.0, 1.0), record(1, 0, 0, 1.0, 3.0), record(2, 0, 1, 0.0, 1.0),
                  record(3, 1, 0, 0.0, 1.0), record(3, 1, 0, 2.0, 4.0)};
  farm.elapsed_s = 5.0;
  return farm;
}

}  // namespace

TEST(ScheduleFigures, are_measured_from_the_records_per_worker_and_per_piece) {
  const ScheduleFigures f = schedule_figures(four_workers(), 2, 4);
  EXPECT_DOUBLE_EQ(f.makespan_s, 4.0);
  EXPECT_DOUBLE_EQ(f.busy_total_s, 7.0);
  // max(mean busy 7/4, the longest piece: piece 3's two attempts, 3 s)
  EXPECT_DOUBLE_EQ(f.lower_bound_s, 3.0);
  EXPECT_DOUBLE_EQ(f.efficiency, 7.0 / (4 * 4.0));
  EXPECT_DOUBLE_EQ(f.imbalance, 3.0 / 1.75);
  ASSERT_EQ(f.workers.size(), 4U);
  EXPECT_EQ(f.workers[0]["runs"], 2);
  EXPECT_EQ(f.workers[2]["rank"], 1);
  EXPECT_EQ(f.workers[2]["thread"], 0);
  EXPECT_EQ(f.workers[2]["host"], "b");
  EXPECT_EQ(f.workers[2]["runs"], 2);
  EXPECT_DOUBLE_EQ(f.workers[1]["busy_s"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(f.workers[1]["idle_s"].get<double>(), 3.0);
  EXPECT_EQ(f.workers[3]["runs"], 0);
  EXPECT_DOUBLE_EQ(f.workers[3]["idle_s"].get<double>(), 4.0);
}

TEST(ScheduleFigures, an_empty_farm_is_perfectly_efficient_and_balanced) {
  FarmResult farm;
  farm.per_rank.resize(3);
  const ScheduleFigures f = schedule_figures(farm, 2, 0);
  EXPECT_DOUBLE_EQ(f.makespan_s, 0.0);
  EXPECT_DOUBLE_EQ(f.lower_bound_s, 0.0);
  EXPECT_DOUBLE_EQ(f.efficiency, 1.0);
  EXPECT_DOUBLE_EQ(f.imbalance, 1.0);
  EXPECT_EQ(f.workers.size(), 6U);
}

TEST(ScheduleFigures, a_record_outside_the_farm_is_refused) {
  FarmResult farm = four_workers();
  EXPECT_THROW(schedule_figures(farm, 2, 3), parakit::Error) << "piece 3 of 3";
  EXPECT_THROW(schedule_figures(farm, 1, 4), parakit::Error) << "thread 1 of 1";
  EXPECT_THROW(schedule_figures(farm, 0, 4), parakit::Error);
}

TEST(ScheduleFigures, are_added_to_the_result_under_their_names) {
  const ScheduleFigures f = schedule_figures(four_workers(), 2, 4);
  Record result = {{"tasks", 4}};
  add_schedule_figures(result, f);
  EXPECT_EQ(result.size(), 6U);
  EXPECT_DOUBLE_EQ(result["makespan_s"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(result["lower_bound_s"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(result["efficiency"].get<double>(), 0.4375);
  EXPECT_EQ(result["workers"], f.workers);
  EXPECT_EQ(result.begin().key(), "tasks") << "the figures come after the kernel's fields";
}

TEST(FarmRunStats, one_run_whose_compute_phase_is_the_makespan) {
  const FarmResult farm = four_workers();
  const RunStats stats = farm_run_stats(farm, schedule_figures(farm, 2, 4), 2);
  EXPECT_EQ(stats.ranks, 2);
  EXPECT_EQ(stats.threads_per_rank, 2);
  ASSERT_EQ(stats.times_s.size(), 1U);
  EXPECT_DOUBLE_EQ(stats.times_s[0], 5.0);
  ASSERT_EQ(stats.phases.size(), 1U);
  EXPECT_DOUBLE_EQ(stats.phases[0].compute_s, 4.0);
  EXPECT_DOUBLE_EQ(stats.phases[0].reduce_s, 1.0);
  EXPECT_DOUBLE_EQ(stats.phases[0].total_s, 5.0);
  EXPECT_DOUBLE_EQ(stats.phases[0].partition_s + stats.phases[0].scatter_s, 0.0);
  ASSERT_EQ(stats.per_rank.size(), 2U);
  EXPECT_DOUBLE_EQ(stats.per_rank[0].compute_s, 4.0 / 2) << "rank 0's busy time over its threads";
  EXPECT_DOUBLE_EQ(stats.per_rank[1].compute_s, 3.0 / 2);
  EXPECT_EQ(stats.per_rank[1].host, "b");
  ASSERT_EQ(stats.imbalance.size(), 1U);
  EXPECT_DOUBLE_EQ(stats.imbalance[0], 4.0 / 3.5);
}

TEST(FarmRunStats, reduce_is_never_negative) {
  FarmResult farm = four_workers();
  farm.elapsed_s = 3.0;  // rank 0's clock ended before a record of another host's ended
  const RunStats stats = farm_run_stats(farm, schedule_figures(farm, 2, 4), 2);
  EXPECT_DOUBLE_EQ(stats.phases[0].reduce_s, 0.0);
}
