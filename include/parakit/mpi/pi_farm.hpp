#pragma once
/// @file
/// @brief `parakit map pi` as a library call: Monte Carlo tasks, each with its own random stream, run
/// over every thread of every rank by the task farm, whole or cut into pieces.

#include <cstdint>
#include <vector>

#include <boost/mpi/communicator.hpp>

#include "parakit/kernels/partition.hpp"
#include "parakit/kernels/schedule.hpp"
#include "parakit/report/farm_record.hpp"
#include "parakit/report/piece_tally.hpp"

namespace parakit::mpi {

/// @brief The tasks and how to run them.
struct PiTasksOptions {
  std::vector<std::uint64_t> samples;  ///< task t draws samples[t] points of its own stream
  std::uint64_t seed = 0;              ///< task t's stream is kernels::task_stream_seed(seed, t)
  kernels::Schedule schedule = kernels::Schedule::kDynamic;
  /// kDynamic: tasks per request; kSplit: samples per piece (kernels::schedule_pieces); >= 1 for both.
  std::uint64_t chunk = 1;
  int threads = 1;  ///< worker threads per rank
};

/// @brief What came back.
struct PiTasksResult {
  report::FarmResult farm;               ///< one record per piece, value = points inside (rank 0 only)
  std::vector<kernels::Chunk> pieces;    ///< piece p of the farm: samples [first, last) of task `task`
  std::vector<report::TaskTally> tasks;  ///< per task: points inside, busy seconds, pieces (rank 0 only)
};

/// @brief Counts, for every task, its points inside the quarter disc (kernels::count_inside of its own
/// stream), the pieces spread over the threads of every rank of @p comm under options.schedule. A task's
/// count depends on (seed, task, samples) alone, not on the schedule, the chunk or the layout.
/// @note Collective over @p comm: every rank passes the same options (the farm checks its part).
/// @throws parakit::WrongAnswer on rank 0 unless every piece came back exactly once (report::tally_pieces).
PiTasksResult run_pi_tasks(const boost::mpi::communicator& comm, const PiTasksOptions& options);

}  // namespace parakit::mpi
