#pragma once
/// @file
/// @brief What a task graph's run (mpi::run_graph) did: plain data, no MPI, so that the MPI-free code
/// that reports on it (report/graph_report.hpp) reads it without the MPI layer.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "parakit/kernels/task_graph.hpp"
#include "parakit/report/farm_record.hpp"

namespace parakit::report {

/// @brief What ran. Counts and states are the same on every rank; the rest is complete on rank 0.
struct GraphResult {
  FarmResult farm;                           ///< every attempt's record; piece = task (rank 0)
  std::vector<kernels::TaskState> states;    ///< every task's end state (kWaiting / kReady: not run)
  std::vector<kernels::TaskId> released_by;  ///< rank 0: the predecessor whose end made each task ready
  std::vector<double> ready_s;               ///< rank 0: when each became ready, since the start (< 0: never)
  std::vector<int> ran_on;                   ///< rank 0: the rank that ran each task (-1: none)
  std::map<kernels::TaskId, std::string> errors;  ///< rank 0: the message of each failed task
  std::map<kernels::TaskId, std::string> values;  ///< rank 0: the values kept (GraphOptions::keep and exits)
  std::uint64_t done = 0, failed = 0, skipped = 0, not_run = 0;  ///< not_run: halted or drained
  std::uint64_t bytes_moved =
      0;  ///< values sent between ranks, bytes (the final gather to rank 0 not included)
  std::uint64_t transfers = 0;  ///< values sent between ranks
};

}  // namespace parakit::report
