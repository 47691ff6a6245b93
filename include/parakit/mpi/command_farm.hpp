#pragma once
/// @file
/// @brief `parakit map exec` as a library call: one shell command per task, run over every thread of
/// every rank by the task farm (or, with a task graph, by mpi::run_graph: a task starts once every task
/// it waits for succeeded), with a joblog that a later run can resume, retries, time limits, a results
/// directory and a stop file that drains the farm.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/mpi/communicator.hpp>

#include "parakit/exec/command_outcomes.hpp"
#include "parakit/exec/resume.hpp"
#include "parakit/exec/task_attempts.hpp"
#include "parakit/kernels/schedule.hpp"
#include "parakit/kernels/task_graph.hpp"
#include "parakit/report/farm_record.hpp"
#include "parakit/report/graph_record.hpp"

namespace parakit::mpi {

/// @brief What to run and how.
struct CommandFarmOptions {
  std::vector<std::string> commands;  ///< task i runs commands[i] (exec::expand_command); one line each
  std::string task_file;              ///< where the tasks came from, for messages
  std::string joblog;                 ///< the joblog to write (empty: none)
  bool resume = false;                ///< continue the run @p joblog shows: run only its tasks not done
  std::string stop_file;  ///< once this file exists (or if it does at the start) the farm drains; empty: none
  exec::TaskRunOptions run;  ///< retries, time limit, results directory, where output goes
  kernels::Schedule schedule = kernels::Schedule::kDynamic;  ///< kStatic, kCyclic or kDynamic
  std::uint64_t chunk = 1;                                   ///< tasks per request under kDynamic (>= 1)
  int threads = 1;                                           ///< worker threads per rank
  /// `--graph`: which tasks wait for which (task i runs commands[i]; same size), kept alive by the
  /// caller; null: a task list, run by the farm under schedule and chunk. A graph run hands out ready
  /// tasks in @p order, skips (and logs as `skipped`) the tasks that wait for a failed one, and records
  /// @p graph_fingerprint in the joblog's header.
  const kernels::TaskGraph* graph = nullptr;
  std::string graph_fingerprint;  ///< format::fingerprint_hex of the graph file (graph runs)
  kernels::GraphOrder order = kernels::GraphOrder::kCriticalPath;
  bool halt_on_failure = false;  ///< graph runs: no task starts after the first failure
  /// Called on rank 0 once the joblog has been read and before any task starts, with what is left to run:
  /// the caller warns about a torn joblog here (the library never prints).
  std::function<void(const exec::ResumePlan& plan)> planned;
};

/// @brief What ran.
struct CommandFarmResult {
  report::FarmResult farm;  ///< every attempt's record (complete on rank 0 only)
  /// The tasks to run, ascending; every rank. Task list: piece p of the farm is task todo[p]. Graph:
  /// piece t is task t, and todo the tasks the joblog did not show done.
  std::vector<std::uint64_t> todo;
  std::uint64_t skipped_done = 0;  ///< tasks the joblog showed done, not run again; every rank
  /// The tasks' outcomes: complete on rank 0; on the other ranks only `failed` and `not_run`, so that
  /// exit_code() is the same everywhere.
  exec::CommandOutcomes outcomes;
  /// Graph runs: what mpi::run_graph returned (its farm is a copy of @p farm); empty for a task list.
  std::optional<report::GraphResult> graph;
};

/// @brief Runs the tasks of options.commands the joblog does not show done, over every thread of every rank
/// of @p comm (mpi::run_farm), each with exec::run_task_attempts. Rank 0 first checks the joblog and the
/// journals a killed run left (exec::plan_resume) and only then creates the results directory, opens the
/// joblog and adds to it the journals' lines it lacks. The line of each attempt is written, as soon as
/// the attempt ends and before it is reported, by the rank that ran it: rank 0 to the joblog, the others
/// to their journals (exec::journal_path), whose lines rank 0 copies into the joblog as the reports
/// arrive. So an attempt that ended is never counted unlogged, and survives the death of rank 0. The
/// journals are removed and the joblog synced to disk when the run ends normally. Once
/// options.stop_file exists no task starts; the running ones finish and are logged (outcomes.not_run
/// counts the rest). With options.graph the tasks run as mpi::run_graph orders them, the ones the joblog
/// shows done counting as done before (their dependents may start); rank 0 logs the skipped tasks once
/// the run has ended.
/// @note Collective over @p comm: every rank passes the same options (the farm checks its part). A bad
/// joblog, journal or results directory (or a joblog of another graph, or of a task list resumed as a
/// graph or the other way round) throws parakit::UsageError on every rank before any task runs.
/// @throws parakit::WrongAnswer on rank 0 when a task never reported though the farm did not drain.
CommandFarmResult run_commands(const boost::mpi::communicator& comm, const CommandFarmOptions& options);

}  // namespace parakit::mpi
