#pragma once
/// @file
/// @brief What became of the tasks of `parakit map exec`, from the farm's records: each task's outcome
/// is its last attempt. The counts, the failures, the exit code, the joblog line and the trace box of
/// each attempt. No MPI.

#include <cstdint>
#include <string>
#include <vector>

#include "parakit/exec/joblog.hpp"
#include "parakit/exec/process.hpp"
#include "parakit/kernels/task_graph.hpp"
#include "parakit/report/farm_record.hpp"
#include "parakit/report/trace.hpp"

namespace parakit::exec {

/// @brief A task whose last attempt did not succeed.
struct FailedTask {
  std::uint64_t task = 0;
  Status status = Status::kFailed;  ///< of the last attempt
  int exit_code = 0;                ///< of the last attempt
  int attempts = 0;                 ///< the last attempt's number
  std::string command;
};

/// @brief The outcomes of a farm's tasks.
struct CommandOutcomes {
  std::uint64_t failed = 0;          ///< tasks whose last attempt did not succeed (timed out included)
  std::uint64_t timed_out = 0;       ///< of those, the ones whose last attempt hit the time limit
  std::uint64_t attempts = 0;        ///< every attempt of every task
  std::uint64_t not_run = 0;         ///< tasks never started because the farm drained (`--stop-file`)
  std::uint64_t skipped = 0;         ///< `--graph`: tasks not run because a task they wait for failed
  std::uint64_t halted = 0;          ///< `--graph --halt-on-failure`: tasks not started after a failure
  std::vector<FailedTask> failures;  ///< in task order
  std::vector<std::uint64_t> skipped_tasks;  ///< `--graph`: the skipped tasks, ascending

  /// @brief The exit code of `map exec`: kExitStopped when tasks were not run (continue with --resume),
  /// else kExitTasksFailed when a task failed, was skipped or was not started after a failure, else
  /// kExitOk.
  [[nodiscard]] int exit_code() const;
};

/// @brief The outcomes of the tasks @p todo (piece p of the farm ran task todo[p], whose command is
/// commands[todo[p]]), from the farm's @p records (every attempt). A task without a record was not run
/// when @p drained.
/// @throws parakit::WrongAnswer for a task without a record when the farm did not drain (a bug of the
/// farm, not a task's failure).
CommandOutcomes summarize_attempts(const std::vector<report::FarmRecord>& records,
                                   const std::vector<std::uint64_t>& todo,
                                   const std::vector<std::string>& commands, bool drained);

/// @brief The outcomes of a graph's run (`map exec --graph`): piece t of the run is task t, whose
/// command is commands[t]; @p states are the tasks' end states (mpi::run_graph); @p done_before the
/// tasks done in an earlier run (empty, or one flag per task), which count as nothing. Tasks that were
/// never started count as not_run when @p drained (`--stop-file`), else as halted (the run stopped at
/// a failure).
/// @throws parakit::WrongAnswer for a task that ended without a record (a bug of the scheduler).
CommandOutcomes summarize_graph_attempts(const std::vector<report::FarmRecord>& records,
                                         const std::vector<kernels::TaskState>& states,
                                         const std::vector<bool>& done_before,
                                         const std::vector<std::string>& commands, bool drained);

/// @brief The joblog entry of a task of a graph run skipped because a task it waits for failed:
/// status `skipped`, rank and thread -1, host `-`, attempt 0, start @p when_unix_s, no duration.
JoblogEntry skipped_entry(std::uint64_t task, double when_unix_s, const std::string& command);

/// @brief The joblog entry of the attempt @p record at task @p task of @p farm, whose command was
/// @p command: its host from the farm's ranks, its start as Unix time.
JoblogEntry joblog_entry(const report::FarmRecord& record, const report::FarmResult& farm, std::uint64_t task,
                         const std::string& command);

/// @brief The same entry made where the attempt ran: its start from the farm's common start
/// @p start_unix_s (FarmResult::start_unix_s, which every rank knows) and its rank's host @p host: from
/// the same record, both give the same entry.
JoblogEntry joblog_entry(const report::FarmRecord& record, double start_unix_s, const std::string& host,
                         std::uint64_t task, const std::string& command);

/// @brief One trace box per attempt in @p records (piece p being task todo[p]): named `task T`, with
/// ` (attempt A)` after the first; failed when it did not succeed; its args are task, attempt, status,
/// exit and command.
std::vector<report::TraceBox> command_trace_boxes(const std::vector<report::FarmRecord>& records,
                                                  const std::vector<std::uint64_t>& todo,
                                                  const std::vector<std::string>& commands);

}  // namespace parakit::exec
