#pragma once
/// @file
/// @brief One task of `parakit map exec` on one worker: its shell command run with a time limit, again
/// after a failure up to a number of retries, its output prefixed with the task or sent to a results
/// directory, one FarmRecord per attempt. No MPI: the farm (mpi/command_farm.hpp) calls it on its workers.

#include <cstdint>
#include <functional>
#include <string>

#include "parakit/report/farm_record.hpp"

namespace parakit::exec {

class JoblogWriter;

/// @brief Where run_task_attempts logs each attempt (`map exec --joblog`): one joblog line per attempt.
struct TaskLog {
  JoblogWriter* writer = nullptr;  ///< the joblog, or a rank's journal; nullptr: no log
  double start_unix_s = 0.0;       ///< Unix time of the farm's start, from which record times count
  std::string host;                ///< the host column
};

/// @brief How every task runs.
struct TaskRunOptions {
  int retries = 0;          ///< further attempts after a failure (a command that cannot start gets none)
  double timeout_s = 0.0;   ///< seconds an attempt may run before it is killed; 0: no limit
  std::string results_dir;  ///< empty: output to our streams, prefixed; else DIR/<task>.out and .err
  int output_fd = 1;        ///< where the tasks' standard output goes when results_dir is empty
};

/// @brief Where a task runs: the farm's piece, the task it stands for, and the worker.
struct TaskSlot {
  std::uint64_t piece = 0;  ///< the farm's piece (FarmRecord::piece)
  std::uint64_t task = 0;   ///< the task's number in the task file, from 0 (PARAKIT_TASK)
  int rank = 0;             ///< PARAKIT_RANK
  int thread = 0;           ///< PARAKIT_THREAD
};

/// @brief Creates @p dir (and its parents) if needed, for the tasks' output files.
/// @throws parakit::UsageError `--results DIR: ...` when it is not a directory afterwards or not writable.
void prepare_results_dir(const std::string& dir);

/// @brief Runs @p command with /bin/sh -c for @p slot until an attempt succeeds, cannot be started, or
/// 1 + options.retries attempts have been made. Each attempt gets PARAKIT_TASK, PARAKIT_RANK and
/// PARAKIT_THREAD in its environment; its record (piece, attempt, start_s and end_s from @p now, status as
/// exec::Status, exit_code, signal) goes to @p emit as soon as it ends. Its output goes to options.output_fd
/// and our stderr, prefixed (write_prefixed), or to the results directory (then only the reason a command
/// could not start is printed, on stderr). Thread-safe.
/// With a @p log, each attempt's joblog line is written before its record goes to @p emit, so that
/// nothing counts an attempt that is not logged: by the command's supervisor the moment the command
/// has ended (exec::EndLine: the line is then written even if this process dies right after), else
/// (the command did not start, its supervisor was killed) here.
/// @param now Seconds since the farm's common start.
void run_task_attempts(const TaskSlot& slot, const std::string& command, const TaskRunOptions& options,
                       const std::function<double()>& now,
                       const std::function<void(const report::FarmRecord&)>& emit, const TaskLog& log = {});

/// @brief Writes @p text to @p fd with every line prefixed `[task] `, as one block, so that the lines of
/// tasks running at the same time never interleave (the writes are serialised). A missing last newline
/// is added; empty text writes nothing. Write errors are ignored: if our own stdout is gone, the joblog
/// still has the task.
void write_prefixed(int fd, std::uint64_t task, const std::string& text);

}  // namespace parakit::exec
