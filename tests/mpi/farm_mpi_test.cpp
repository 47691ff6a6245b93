// The task farm under mpiexec at 1 to 4 ranks: every piece runs exactly once under every schedule,
// records reach rank 0 intact, and the per-piece results do not depend on the schedule or layout.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/communicator.hpp>
#include <gtest/gtest.h>

#include "parakit/error.hpp"
#include "parakit/kernels/monte_carlo_pi.hpp"
#include "parakit/mpi/farm.hpp"

using namespace parakit;
using kernels::Schedule;

namespace {

constexpr Schedule kSchedules[] = {Schedule::kStatic, Schedule::kCyclic, Schedule::kDynamic,
                                   Schedule::kSplit};

// Uneven pieces: piece p costs (p mod 7) * 100 us of sleep, so dynamic and static hand out differently.
std::uint64_t piece_value(std::uint64_t p) {
  return kernels::count_inside(kernels::task_stream_seed(7, p), 0, 1000 + p);
}

// A farm whose pieces do nothing but report: after an earlier farm, it shows whether anything of that
// one (a message, a flag) is left over.
mpi::FarmResult reporting_farm(const boost::mpi::communicator& world, std::uint64_t pieces,
                               const mpi::FarmOptions& options) {
  return mpi::run_farm(
      world, pieces, options,
      [](std::uint64_t p, const mpi::FarmWorker& w) {
        mpi::FarmRecord r;
        r.piece = p;
        w.emit(r);
      },
      [](const mpi::FarmRecord&, const mpi::FarmResult&) {});
}

}  // namespace

TEST(Farm, every_piece_runs_exactly_once_under_every_schedule_and_layout) {
  const boost::mpi::communicator world;
  for (const Schedule schedule : kSchedules) {
    for (const int threads : {1, 3}) {
      for (const std::uint64_t pieces : {0U, 1U, 5U, 97U}) {
        for (const std::uint64_t chunk : {1U, 4U}) {
          std::atomic<std::uint64_t> local_runs{0};
          std::vector<std::uint64_t> sink_order;
          const auto work = [&](std::uint64_t p, const mpi::FarmWorker& w) {
            mpi::FarmRecord r;
            r.piece = p;
            r.start_s = w.now();
            std::this_thread::sleep_for(std::chrono::microseconds(100 * (p % 7)));
            r.value = piece_value(p);
            r.end_s = w.now();
            ++local_runs;
            w.emit(r);
          };
          const auto sink = [&](const mpi::FarmRecord& r, const mpi::FarmResult&) {
            sink_order.push_back(r.piece);
          };
          const auto result = mpi::run_farm(
              world, pieces,
              {.schedule = schedule, .chunk = chunk, .threads = threads, .interrupt = {}, .drain = {}}, work,
              sink);
          const std::uint64_t runs =
              boost::mpi::all_reduce(world, local_runs.load(), std::plus<std::uint64_t>());
          EXPECT_EQ(runs, pieces) << "pieces run on all ranks together";
          if (world.rank() != 0) {
            EXPECT_TRUE(result.records.empty());
            continue;
          }
          ASSERT_EQ(result.records.size(), pieces);
          ASSERT_EQ(sink_order.size(), pieces) << "the sink sees every record once";
          ASSERT_EQ(result.per_rank.size(), static_cast<std::size_t>(world.size()));
          std::vector<int> seen(pieces, 0);
          for (std::size_t i = 0; i < result.records.size(); ++i) {
            const auto& r = result.records[i];
            ASSERT_LT(r.piece, pieces);
            ++seen[r.piece];
            EXPECT_EQ(sink_order[i], r.piece);
            EXPECT_EQ(r.value, piece_value(r.piece));
            EXPECT_GE(r.rank, 0);
            EXPECT_LT(r.rank, world.size());
            EXPECT_GE(r.thread, 0);
            EXPECT_LT(r.thread, threads);
            EXPECT_LE(r.start_s, r.end_s);
            EXPECT_LE(r.end_s, result.elapsed_s);
            if (schedule == Schedule::kStatic || schedule == Schedule::kCyclic) {
              const auto w = static_cast<std::uint64_t>(r.rank * threads + r.thread);
              const auto mine = kernels::assigned_pieces(schedule, pieces, w,
                                                         static_cast<std::uint64_t>(world.size() * threads));
              EXPECT_TRUE(std::find(mine.begin(), mine.end(), r.piece) != mine.end())
                  << "piece " << r.piece << " ran on worker " << w << " against the static plan";
            }
          }
          EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }))
              << "schedule " << static_cast<int>(schedule) << ", " << threads << " threads, " << pieces
              << " pieces, chunk " << chunk;
        }
      }
    }
  }
}

TEST(Farm, dynamic_keeps_every_rank_busy_when_pieces_are_plenty) {
  const boost::mpi::communicator world;
  const std::uint64_t pieces = 200;
  const auto work = [](std::uint64_t p, const mpi::FarmWorker& w) {
    mpi::FarmRecord r;
    r.piece = p;
    r.start_s = w.now();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    r.end_s = w.now();
    w.emit(r);
  };
  const auto result = mpi::run_farm(
      world, pieces, {.schedule = Schedule::kDynamic, .chunk = 1, .threads = 1, .interrupt = {}, .drain = {}},
      work, [](const mpi::FarmRecord&, const mpi::FarmResult&) {});
  if (world.rank() != 0) return;
  std::vector<int> per_rank(static_cast<std::size_t>(world.size()), 0);
  for (const auto& r : result.records)
    ++per_rank[static_cast<std::size_t>(r.rank)];
  for (std::size_t rank = 0; rank < per_rank.size(); ++rank) {
    EXPECT_GT(per_rank[rank], 0) << "rank " << rank << " got no piece: the coordinator starved it";
  }
}

TEST(Farm, multiple_attempts_are_all_recorded) {
  const boost::mpi::communicator world;
  const auto work = [](std::uint64_t p, const mpi::FarmWorker& w) {
    for (int attempt = 1; attempt <= 3; ++attempt) {
      mpi::FarmRecord r;
      r.piece = p;
      r.attempt = attempt;
      r.status = attempt < 3 ? 1 : 0;
      w.emit(r);
    }
  };
  const auto result = mpi::run_farm(
      world, 10, {.schedule = Schedule::kDynamic, .chunk = 2, .threads = 2, .interrupt = {}, .drain = {}},
      work, [](const mpi::FarmRecord&, const mpi::FarmResult&) {});
  if (world.rank() == 0) {
    EXPECT_EQ(result.records.size(), 30U);
  }
}

TEST(Farm, ranks_that_disagree_are_refused_on_every_rank) {
  const boost::mpi::communicator world;
  if (world.size() == 1) GTEST_SKIP() << "needs two ranks to disagree";
  const auto work = [](std::uint64_t, const mpi::FarmWorker&) {};
  EXPECT_THROW(mpi::run_farm(world, world.rank() == 0 ? 5 : 6, {}, work,
                             [](const mpi::FarmRecord&, const mpi::FarmResult&) {}),
               Error);
  EXPECT_THROW(
      mpi::run_farm(world, 5,
                    {.schedule = Schedule::kDynamic, .chunk = 1, .threads = 0, .interrupt = {}, .drain = {}},
                    work, [](const mpi::FarmRecord&, const mpi::FarmResult&) {}),
      Error);
}

TEST(Farm, a_failing_worker_stops_its_rank_interrupts_the_running_pieces_and_is_rethrown) {
  const boost::mpi::communicator world;
  std::atomic<bool> interrupted{false};
  const int threads = 2;
  // Static: every worker has exactly one piece, and every worker fails on it, so every rank throws.
  const auto work = [](std::uint64_t p, const mpi::FarmWorker&) {
    throw std::runtime_error("piece " + std::to_string(p) + " failed");
  };
  EXPECT_THROW(mpi::run_farm(world, static_cast<std::uint64_t>(world.size() * threads),
                             {.schedule = Schedule::kStatic,
                              .chunk = 1,
                              .threads = threads,
                              .interrupt = [&] { interrupted = true; },
                              .drain = {}},
                             work, [](const mpi::FarmRecord&, const mpi::FarmResult&) {}),
               std::runtime_error);
  EXPECT_TRUE(interrupted);
  // The farm talks on a communicator of its own: a new one runs cleanly after the failed one.
  world.barrier();
  const auto result = reporting_farm(
      world, 7, {.schedule = Schedule::kDynamic, .chunk = 1, .threads = 1, .interrupt = {}, .drain = {}});
  if (world.rank() == 0) {
    EXPECT_EQ(result.records.size(), 7U);
  }
}

TEST(Farm, a_drain_lets_running_pieces_finish_starts_no_more_and_the_next_farm_runs_cleanly) {
  const boost::mpi::communicator world;
  for (const Schedule schedule : {Schedule::kStatic, Schedule::kCyclic, Schedule::kDynamic}) {
    // chunk 4: pieces handed out but not started when the drain comes are dropped, not lost.
    for (const std::uint64_t chunk : {1U, 4U}) {
      constexpr std::uint64_t kPieces = 400;
      std::atomic<std::uint64_t> started{0}, finished{0};
      std::vector<std::uint64_t> recorded;
      const auto work = [&](std::uint64_t p, const mpi::FarmWorker& w) {
        ++started;
        mpi::FarmRecord r;
        r.piece = p;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        ++finished;
        w.emit(r);
      };
      const auto sink = [&](const mpi::FarmRecord& r, const mpi::FarmResult&) {
        recorded.push_back(r.piece);
      };
      // Rank 0 drains once 20 pieces have been recorded, well before the 400 x 10 ms are done.
      const auto result = mpi::run_farm(world, kPieces,
                                        {.schedule = schedule,
                                         .chunk = chunk,
                                         .threads = 2,
                                         .interrupt = {},
                                         .drain = [&] { return recorded.size() >= 20; }},
                                        work, sink);
      const std::uint64_t all_started =
          boost::mpi::all_reduce(world, started.load(), std::plus<std::uint64_t>());
      const std::uint64_t all_finished =
          boost::mpi::all_reduce(world, finished.load(), std::plus<std::uint64_t>());
      EXPECT_EQ(all_started, all_finished) << "every piece that started finished";
      if (world.rank() == 0) {
        EXPECT_TRUE(result.drained);
        EXPECT_EQ(result.records.size(), all_finished) << "and was recorded";
        EXPECT_GE(all_finished, 20U);
        EXPECT_LT(all_finished, kPieces / 2) << "no new pieces after the drain";
        std::sort(recorded.begin(), recorded.end());
        EXPECT_EQ(std::adjacent_find(recorded.begin(), recorded.end()), recorded.end()) << "none twice";
      }
      // No message of the drained farm is left over: the next farm runs every piece once.
      const auto again = reporting_farm(
          world, 9, {.schedule = schedule, .chunk = chunk, .threads = 1, .interrupt = {}, .drain = [] {
                       return false;
                     }});
      if (world.rank() == 0) {
        EXPECT_EQ(again.records.size(), 9U);
        EXPECT_FALSE(again.drained);
      }
    }
  }
}

TEST(Farm, a_drain_before_the_start_runs_nothing_and_one_at_the_end_loses_nothing) {
  const boost::mpi::communicator world;
  std::atomic<std::uint64_t> runs{0};
  const auto work = [&](std::uint64_t p, const mpi::FarmWorker& w) {
    ++runs;
    mpi::FarmRecord r;
    r.piece = p;
    w.emit(r);
  };
  const auto none = [](const mpi::FarmRecord&, const mpi::FarmResult&) {};
  const auto before = mpi::run_farm(world, 50,
                                    {.schedule = Schedule::kDynamic,
                                     .chunk = 1,
                                     .threads = 2,
                                     .interrupt = {},
                                     .drain = [] { return true; }},
                                    work, none);
  EXPECT_EQ(boost::mpi::all_reduce(world, runs.load(), std::plus<std::uint64_t>()), 0U);
  if (world.rank() == 0) {
    EXPECT_TRUE(before.drained);
    EXPECT_TRUE(before.records.empty());
  }
  // A drain that fires only once every piece has been recorded (some ranks finished long before):
  // every piece ran once, and no drain message is left behind for the next farm.
  runs = 0;
  std::uint64_t seen = 0;
  const auto late = mpi::run_farm(world, 30,
                                  {.schedule = Schedule::kCyclic,
                                   .chunk = 1,
                                   .threads = 1,
                                   .interrupt = {},
                                   .drain = [&] { return seen >= 30; }},
                                  work, [&](const mpi::FarmRecord&, const mpi::FarmResult&) { ++seen; });
  EXPECT_EQ(boost::mpi::all_reduce(world, runs.load(), std::plus<std::uint64_t>()), 30U);
  if (world.rank() == 0) {
    EXPECT_EQ(late.records.size(), 30U);
  }
  runs = 0;
  mpi::run_farm(world, 8,
                {.schedule = Schedule::kDynamic, .chunk = 2, .threads = 1, .interrupt = {}, .drain = {}},
                work, none);
  EXPECT_EQ(boost::mpi::all_reduce(world, runs.load(), std::plus<std::uint64_t>()), 8U);
}
