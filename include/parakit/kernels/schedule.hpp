#pragma once
/// @file
/// @brief Task-farm schedules on a simulated clock: which worker runs which piece of which task, and
/// when. Pure: no MPI, no threads, no real time. The basis of `parakit map` (issue #6), testable here
/// without launching anything.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "parakit/kernels/partition.hpp"

namespace parakit::kernels {

/// @brief How tasks are handed to workers.
enum class Schedule {
  kStatic,   ///< contiguous blocks of tasks, equal in count (block_range over the task list)
  kCyclic,   ///< task i to worker i mod W
  kDynamic,  ///< `chunk` whole tasks at a time to whichever worker is free first
  kSplit,    ///< tasks cut into pieces of at most `chunk` units, one piece at a time to the first free worker
};

/// @brief Parses "static", "cyclic", "dynamic" or "split". @throws parakit::UsageError otherwise.
Schedule parse_schedule(std::string_view name);

/// @brief The name parse_schedule accepts for @p schedule.
std::string_view schedule_name(Schedule schedule);

/// @brief The pieces a schedule hands out, in order: under kSplit each task of @p sizes units cut into
/// consecutive pieces of at most @p chunk units (a task of 0 units has none); under the other schedules
/// one whole piece per task (empty tasks included). The one cutting of tasks into pieces: the simulated
/// schedules and `parakit map pi` both use it.
/// @throws parakit::Error if chunk == 0 under kSplit.
std::vector<Chunk> schedule_pieces(std::span<const std::uint64_t> sizes, Schedule schedule,
                                   std::uint64_t chunk);

/// @brief How many pieces schedule_pieces makes, without making them (so that a caller can refuse too
/// many before it allocates them).
/// @throws parakit::Error if chunk == 0 under kSplit.
std::uint64_t schedule_piece_count(std::span<const std::uint64_t> sizes, Schedule schedule,
                                   std::uint64_t chunk);

/// @brief The chunk kSplit uses when none is given: @p total units over 32 pieces per worker, rounded
/// up, at least 1. @throws parakit::Error if workers == 0.
std::uint64_t default_split_chunk(std::uint64_t total, std::uint64_t workers);

/// @brief One piece of work as scheduled: units [first, last) of task `task` on `worker`, from
/// `start` to `end` on the simulated clock.
struct ScheduledPiece {
  std::size_t worker = 0;
  std::uint64_t task = 0;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  double start = 0.0;
  double end = 0.0;
};

/// @brief A simulated schedule and its figures, in the clock's unit (seconds when @p unit_cost is
/// seconds per unit).
struct ScheduleResult {
  std::vector<ScheduledPiece> pieces;  ///< in the order they were handed out
  double makespan = 0.0;               ///< when the last worker finishes
  /// max(total / workers, largest indivisible piece): no schedule of these pieces can be faster. The
  /// indivisible piece is a whole task, except under kSplit, where it is the largest piece.
  double lower_bound = 0.0;
  std::vector<double> busy;  ///< per worker: time spent computing
  std::vector<double> idle;  ///< per worker: makespan - busy
  double imbalance = 1.0;    ///< max busy / mean busy (1 when nothing ran)
};

/// @brief Simulates running tasks of @p sizes units, each unit costing @p unit_cost, on @p workers
/// workers under @p schedule. Ties go to the lowest-numbered free worker, so the result is
/// deterministic. Every unit of every task appears in exactly one piece.
/// @param chunk kDynamic: tasks per request; kSplit: units per piece; ignored otherwise.
/// @throws parakit::Error if workers == 0, unit_cost < 0, or chunk == 0 for kDynamic or kSplit.
ScheduleResult simulate_schedule(std::span<const std::uint64_t> sizes, std::size_t workers, Schedule schedule,
                                 std::uint64_t chunk = 1, double unit_cost = 1.0);

/// @brief The pieces worker @p worker of @p workers runs under kStatic (a contiguous block) or
/// kCyclic (every workers-th piece), in order: what a task farm's workers know from their number alone.
/// @throws parakit::Error unless worker < workers and @p schedule is kStatic or kCyclic.
std::vector<std::uint64_t> assigned_pieces(Schedule schedule, std::uint64_t pieces, std::uint64_t worker,
                                           std::uint64_t workers);

}  // namespace parakit::kernels
