#pragma once
/// @file
/// @brief The task-graph scheduler behind `parakit map exec --graph` and mpi::Graph: tasks that wait
/// for other tasks, run over every thread of every rank, their results moved between ranks only when
/// a task that needs one runs elsewhere.
///
/// Like the task farm (mpi/farm.hpp), each rank runs `threads` worker threads and talks MPI from its
/// main thread; rank 0's main thread coordinates. It keeps the graph's bookkeeping
/// (kernels::GraphScheduler): ready tasks are handed out in the chosen order (the longest remaining
/// path first by default) to rank 0's own workers directly and to the other ranks on request. A
/// task's value (bytes) stays on the rank that made it. When a task is given to a rank that lacks a
/// value it needs, rank 0 has the value's holder send it there (rank 0 sends its own); the task
/// starts once all its inputs are in. A failed task's dependents are skipped; the rest go on, unless
/// options.stop_on_failure.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <boost/mpi/communicator.hpp>

#include "parakit/kernels/task_graph.hpp"
#include "parakit/mpi/farm.hpp"
#include "parakit/report/graph_record.hpp"

namespace parakit::mpi {

/// @brief How a task ended: well or not, with its value (any bytes; empty for none) or, for a task that
/// failed, a message.
struct GraphTaskOutcome {
  bool ok = true;
  std::string value;  ///< ok: the task's result, serialised; not ok: what went wrong (one line)
};

/// @brief Runs task @p task on a worker; @p inputs[i] is the value of its i-th predecessor
/// (graph.predecessors(task)[i]). It emits at least one record (FarmWorker::emit, piece = task) and
/// returns how the task ended. An exception is not a task's failure but the run's: it stops the run on
/// that rank and is rethrown there (mpi::Graph turns a C++ task's exception into a failure itself).
using GraphWork = std::function<GraphTaskOutcome(
    kernels::TaskId task, const std::vector<const std::string*>& inputs, const FarmWorker& worker)>;

/// @brief How the graph runs.
struct GraphOptions {
  int threads = 1;  ///< worker threads per rank
  kernels::GraphOrder order = kernels::GraphOrder::kCriticalPath;
  /// Per task, when order is kCriticalPath: larger first (kernels::remaining_path); empty: computed
  /// from the graph's cost estimates (kernels::scheduling_costs).
  std::vector<double> priority;
  bool stop_on_failure = false;  ///< no task starts after the first failure (running ones finish)
  /// Tasks done in an earlier run (empty, or one flag per task): not run; a task that needs the value
  /// of one gets an empty string.
  std::vector<bool> done_before;
  /// Values brought to rank 0 at the end: these tasks' and every task's without successors.
  std::vector<kernels::TaskId> keep;
  bool keep_exits = true;  ///< also bring the values of the tasks without successors
  /// Called when the run stops early (a worker or the sink threw) before the workers are joined.
  std::function<void()> interrupt;
  /// Asked on rank 0 every 50 ms: once true no task starts (as FarmOptions::drain).
  std::function<bool()> drain;
};

/// @brief What ran (plain data, in report/graph_record.hpp).
using GraphResult = report::GraphResult;

/// @brief Runs @p graph over all ranks and threads of @p comm: every task not done before runs once,
/// on one worker, after all of its predecessors ended well.
/// @note Collective: every rank passes the same graph and options (checked by size). The scheduler
/// talks on a duplicate of @p comm. An exception in the sink or in the MPI layer stops the run and is
/// rethrown (the caller's guarded_main aborts the job).
/// @throws parakit::Error for invalid options or ranks that disagree.
GraphResult run_graph(const boost::mpi::communicator& comm, const kernels::TaskGraph& graph,
                      const GraphOptions& options, const GraphWork& work, const FarmSink& sink);

}  // namespace parakit::mpi
