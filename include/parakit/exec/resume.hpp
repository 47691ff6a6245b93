#pragma once
/// @file
/// @brief `map exec --joblog FILE [--resume]`: what is left to run, decided from the joblog of an earlier
/// run of the same commands and the journals its ranks left (exec::journal_path). Reads only; changes
/// nothing. No MPI.

#include <cstdint>
#include <string>
#include <vector>

namespace parakit::exec {

/// @brief What to run, and how to continue the joblog.
struct ResumePlan {
  std::vector<std::uint64_t> todo;  ///< the tasks to run, ascending: those the joblog does not show "ok"
  std::uint64_t keep_bytes = 0;     ///< the bytes of the joblog to keep (its complete lines); 0 for a new one
  bool fresh = true;                ///< a new (or empty) joblog: the header is to be written
  /// The joblog's last line was cut short by the end of the previous run: it is dropped (its task runs
  /// again). The caller warns about it.
  bool torn_tail = false;
  /// Lines of the journals that the joblog lacks: attempts that ended on other ranks while rank 0 was
  /// dying (an attempt is told by its task, rank, thread, host, start and attempt number; the
  /// durations of its two lines may differ). Their tasks count as done or not like the joblog's; the
  /// caller appends the lines to the joblog before anything runs.
  std::vector<std::string> journal_lines;
  /// The journals found, to remove once their lines are in the joblog. With a new joblog they are
  /// left from a run whose joblog is gone: removed unread.
  std::vector<std::string> journals;
};

/// @brief Decides what of @p commands (task i runs commands[i]) is left to run under the joblog
/// @p joblog_path (empty: none, so every task runs) and, when it is continued, its journals: a task
/// that either shows done (status ok) is not run again.
/// @param resume     --resume was given: an existing, non-empty joblog is continued.
/// @param task_file  The task file (or graph file), for messages.
/// @param graph      A graph run (`--graph`): the graph file's fingerprint (format::fingerprint_hex), which
///                   the joblog's header must carry; empty: a task-list run, whose joblog carries none.
/// @throws parakit::UsageError (nothing changed) when the joblog is a directory; when it exists with
/// content and @p resume is false; when it or a journal is not a parakit joblog (read_joblog); when it
/// is a graph run's and this run is not, or the other way round; when its graph fingerprint is not
/// @p graph (the graph file changed since the joblog was written); or when an entry is of another run
/// (its task is not in @p commands, or its command differs).
ResumePlan plan_resume(const std::string& joblog_path, bool resume, const std::vector<std::string>& commands,
                       const std::string& task_file, const std::string& graph = "");

}  // namespace parakit::exec
