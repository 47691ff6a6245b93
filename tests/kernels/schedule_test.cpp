#include "parakit/kernels/schedule.hpp"

#include <cstdint>
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"
#include "parakit/kernels/partition.hpp"
#include "parakit/kernels/splitmix64.hpp"

using namespace parakit::kernels;

namespace {

// Which worker ran each piece, as (task, first, last) -> worker.
std::vector<std::size_t> workers_of(const ScheduleResult& r) {
  std::vector<std::size_t> out;
  for (const auto& p : r.pieces)
    out.push_back(p.worker);
  return out;
}

}  // namespace

TEST(Schedule, static_on_the_seeds_workload_waits_for_the_big_task) {
  // The seed's Pool.map(sample, [10**5, 20**5]) on 2 workers: one task each, 1:32.
  const std::vector<std::uint64_t> sizes = {100'000, 3'200'000};
  const auto r = simulate_schedule(sizes, 2, Schedule::kStatic);
  EXPECT_EQ(workers_of(r), (std::vector<std::size_t>{0, 1}));
  EXPECT_DOUBLE_EQ(r.makespan, 3.2e6);
  EXPECT_DOUBLE_EQ(r.lower_bound, 3.2e6);  // the big task alone
  EXPECT_DOUBLE_EQ(r.busy[0], 1e5);
  EXPECT_DOUBLE_EQ(r.idle[0], 3.1e6);
  EXPECT_DOUBLE_EQ(r.imbalance, 3.2e6 / 1.65e6);
}

TEST(Schedule, split_cuts_the_big_task_and_reaches_the_ideal) {
  const std::vector<std::uint64_t> sizes = {100'000, 3'200'000};
  const auto r = simulate_schedule(sizes, 2, Schedule::kSplit, 100'000);
  EXPECT_EQ(r.pieces.size(), 33U);
  EXPECT_DOUBLE_EQ(r.makespan, 1.7e6);  // 33 pieces of 1e5 over 2 workers: 17 on one
  EXPECT_DOUBLE_EQ(r.lower_bound, 1.65e6);
  EXPECT_GE(r.lower_bound / r.makespan, 0.9) << "the >= 90 % efficiency the issue asks of split";
}

TEST(Schedule, static_blocks_are_contiguous_and_equal_in_count) {
  const std::vector<std::uint64_t> sizes = {1, 1, 1, 1, 1};
  EXPECT_EQ(workers_of(simulate_schedule(sizes, 2, Schedule::kStatic)),
            (std::vector<std::size_t>{0, 0, 0, 1, 1}));
}

TEST(Schedule, cyclic_deals_tasks_round_robin) {
  const std::vector<std::uint64_t> sizes = {1, 2, 3, 4, 5};
  const auto r = simulate_schedule(sizes, 2, Schedule::kCyclic);
  EXPECT_EQ(workers_of(r), (std::vector<std::size_t>{0, 1, 0, 1, 0}));
  EXPECT_DOUBLE_EQ(r.busy[0], 9.0);  // 1 + 3 + 5
  EXPECT_DOUBLE_EQ(r.busy[1], 6.0);  // 2 + 4
  EXPECT_DOUBLE_EQ(r.makespan, 9.0);
}

TEST(Schedule, dynamic_gives_work_to_whoever_is_free_first) {
  const std::vector<std::uint64_t> sizes = {5, 1, 1, 1, 1, 1};
  const auto one = simulate_schedule(sizes, 2, Schedule::kDynamic, 1);
  EXPECT_EQ(workers_of(one), (std::vector<std::size_t>{0, 1, 1, 1, 1, 1}));
  EXPECT_DOUBLE_EQ(one.makespan, 5.0);
  const auto two = simulate_schedule(sizes, 2, Schedule::kDynamic, 2);  // requests of 2 tasks
  EXPECT_EQ(workers_of(two), (std::vector<std::size_t>{0, 0, 1, 1, 1, 1}));
  EXPECT_DOUBLE_EQ(two.makespan, 6.0);
  EXPECT_DOUBLE_EQ(two.pieces[4].start, 2.0);
}

TEST(Schedule, costs_scale_with_the_unit_cost) {
  const std::vector<std::uint64_t> sizes = {4, 4};
  const auto r = simulate_schedule(sizes, 2, Schedule::kCyclic, 1, 0.5e-3);
  EXPECT_DOUBLE_EQ(r.makespan, 2e-3);
  EXPECT_DOUBLE_EQ(r.pieces[1].end, 2e-3);
}

TEST(Schedule, every_unit_runs_exactly_once_and_busy_plus_idle_is_the_makespan) {
  for (const Schedule s : {Schedule::kStatic, Schedule::kCyclic, Schedule::kDynamic, Schedule::kSplit}) {
    for (std::size_t workers = 1; workers <= 5; ++workers) {
      for (std::uint64_t chunk : {1U, 3U, 50U}) {
        std::vector<std::uint64_t> sizes;
        for (std::uint64_t i = 0; i < 23; ++i)
          sizes.push_back(splitmix64(7, i) % 40);  // includes empty tasks
        const auto r = simulate_schedule(sizes, workers, s, chunk);
        std::map<std::uint64_t, std::uint64_t> next;  // per task: the next unit expected
        for (const auto& p : r.pieces) {
          ASSERT_LT(p.worker, workers);
          ASSERT_EQ(p.first, next[p.task]) << "pieces of a task are contiguous and in order";
          next[p.task] = p.last;
        }
        for (std::uint64_t t = 0; t < sizes.size(); ++t)
          EXPECT_EQ(next[t], sizes[t]) << "task " << t;
        // On one worker, pieces never overlap in time.
        std::vector<double> last_end(workers, 0.0);
        for (const auto& p : r.pieces) {
          EXPECT_GE(p.start, last_end[p.worker]);
          last_end[p.worker] = p.end;
        }
        for (std::size_t w = 0; w < workers; ++w)
          EXPECT_DOUBLE_EQ(r.busy[w] + r.idle[w], r.makespan);
        EXPECT_GE(r.makespan + 1e-9, r.lower_bound) << "nothing beats the lower bound";
      }
    }
  }
}

TEST(Schedule, rejects_no_workers_and_a_zero_chunk) {
  const std::vector<std::uint64_t> sizes = {1};
  EXPECT_THROW(simulate_schedule(sizes, 0, Schedule::kStatic), parakit::Error);
  EXPECT_THROW(simulate_schedule(sizes, 1, Schedule::kDynamic, 0), parakit::Error);
  EXPECT_THROW(simulate_schedule(sizes, 1, Schedule::kSplit, 0), parakit::Error);
  EXPECT_NO_THROW(simulate_schedule(sizes, 1, Schedule::kStatic, 0));
  EXPECT_EQ(parse_schedule("split"), Schedule::kSplit);
  EXPECT_THROW(parse_schedule("guided"), parakit::UsageError);
}

TEST(Schedule, names_round_trip_through_the_parser) {
  using parakit::kernels::Schedule;
  for (const Schedule s : {Schedule::kStatic, Schedule::kCyclic, Schedule::kDynamic, Schedule::kSplit})
    EXPECT_EQ(parakit::kernels::parse_schedule(parakit::kernels::schedule_name(s)), s);
}

TEST(SchedulePieces, split_cuts_each_task_into_pieces_of_at_most_chunk_units_in_order) {
  const std::vector<std::uint64_t> sizes = {7, 0, 3, 6};
  const std::vector<Chunk> expected = {{0, 0, 3}, {0, 3, 6}, {0, 6, 7}, {2, 0, 3}, {3, 0, 3}, {3, 3, 6}};
  EXPECT_EQ(schedule_pieces(sizes, Schedule::kSplit, 3), expected) << "an empty task has no piece";
  EXPECT_EQ(schedule_piece_count(sizes, Schedule::kSplit, 3), 6U);
  EXPECT_EQ(schedule_piece_count(sizes, Schedule::kSplit, 1), 16U);
  EXPECT_EQ(schedule_pieces(sizes, Schedule::kSplit, 100).size(), 3U);
}

TEST(SchedulePieces, other_schedules_hand_out_whole_tasks_empty_ones_included) {
  const std::vector<std::uint64_t> sizes = {7, 0, 3};
  const std::vector<Chunk> expected = {{0, 0, 7}, {1, 0, 0}, {2, 0, 3}};
  for (const Schedule s : {Schedule::kStatic, Schedule::kCyclic, Schedule::kDynamic}) {
    EXPECT_EQ(schedule_pieces(sizes, s, 2), expected);
    EXPECT_EQ(schedule_piece_count(sizes, s, 0), 3U) << "the chunk does not matter";
  }
}

TEST(SchedulePieces, huge_tasks_and_chunks_do_not_overflow_and_a_zero_chunk_is_refused) {
  const std::uint64_t big = (std::uint64_t{1} << 63) - 1;
  const std::vector<std::uint64_t> sizes = {big};
  EXPECT_EQ(schedule_piece_count(sizes, Schedule::kSplit, big), 1U);
  EXPECT_EQ(schedule_piece_count(sizes, Schedule::kSplit, big - 1), 2U);
  EXPECT_EQ(schedule_pieces(sizes, Schedule::kSplit, big - 1).back(), (Chunk{0, big - 1, big}));
  EXPECT_THROW(schedule_pieces(sizes, Schedule::kSplit, 0), parakit::Error);
  EXPECT_THROW(schedule_piece_count(sizes, Schedule::kSplit, 0), parakit::Error);
}

TEST(SchedulePieces, the_default_split_chunk_makes_32_pieces_per_worker_rounded_up) {
  EXPECT_EQ(default_split_chunk(200'100'000, 2), (200'100'000U + 63) / 64);
  EXPECT_EQ(default_split_chunk(6400, 2), 100U);
  EXPECT_EQ(default_split_chunk(6401, 2), 101U);
  EXPECT_EQ(default_split_chunk(10, 4), 1U) << "at least 1";
  EXPECT_EQ(default_split_chunk(0, 4), 1U);
  const std::uint64_t big = (std::uint64_t{1} << 63) - 1;
  EXPECT_EQ(default_split_chunk(big, 1), big / 32 + 1);
  EXPECT_THROW(default_split_chunk(10, 0), parakit::Error);
}

TEST(AssignedPieces, static_gives_contiguous_blocks_and_cyclic_deals_round_robin) {
  EXPECT_EQ(assigned_pieces(Schedule::kStatic, 7, 0, 3), (std::vector<std::uint64_t>{0, 1, 2}));
  EXPECT_EQ(assigned_pieces(Schedule::kStatic, 7, 1, 3), (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(assigned_pieces(Schedule::kStatic, 7, 2, 3), (std::vector<std::uint64_t>{5, 6}));
  EXPECT_EQ(assigned_pieces(Schedule::kCyclic, 7, 1, 3), (std::vector<std::uint64_t>{1, 4}));
  EXPECT_TRUE(assigned_pieces(Schedule::kCyclic, 2, 3, 4).empty());
}

TEST(AssignedPieces, every_piece_goes_to_exactly_one_worker) {
  for (const Schedule s : {Schedule::kStatic, Schedule::kCyclic}) {
    for (const std::uint64_t pieces : {0U, 1U, 5U, 64U, 1001U}) {
      for (const std::uint64_t workers : {1U, 2U, 3U, 7U, 16U}) {
        std::vector<int> seen(pieces, 0);
        for (std::uint64_t w = 0; w < workers; ++w) {
          for (const std::uint64_t p : assigned_pieces(s, pieces, w, workers))
            ++seen[p];
        }
        EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }))
            << pieces << " pieces, " << workers << " workers";
      }
    }
  }
}
