#pragma once
/// @file
/// @brief Running one external program or shell command with a time limit, its output captured or sent
/// to files. Used by `parakit map exec` for every task and to call gnuplot. No MPI.

#include <string>
#include <string_view>
#include <vector>

namespace parakit::exec {

/// @brief How a child ended.
enum class Status : int {
  kOk = 0,         ///< exit code 0
  kFailed = 1,     ///< a non-zero exit code or killed by a signal
  kTimedOut = 2,   ///< still running at the time limit: killed
  kNotStarted = 3  ///< could not be started (for example no /bin/sh)
};

/// @brief The name used in joblogs and reports: "ok", "failed", "timeout", "not-started".
std::string_view status_name(Status status);

/// @brief A line that the command's supervisor writes to @p fd, with one write(2), the moment it has
/// reaped the command: before run_process can return, and also if the calling process dies after the
/// command ended (its supervisor then writes the line before it goes). A joblog line that must not be
/// lost when the process keeping the log is killed. The line is @p head, the command's duration in
/// seconds with 3 decimals (measured by the supervisor), a tab, the exit code, a tab, the signal (both
/// as ProcessOutcome has them), a tab, @p middle, the status name (status_name: ok, failed or timeout),
/// and @p tail (which ends with the newline).
struct EndLine {
  int fd = -1;  ///< where the line goes (shared with the caller); -1: no line
  std::string head, middle, tail;
};

/// @brief Where the child's output goes and how long it may run.
struct ProcessOptions {
  double timeout_s = 0.0;   ///< 0: no limit. At the limit the child's process group gets SIGTERM,
                            ///< then SIGKILL one second later.
  std::string stdout_path;  ///< empty: capture into ProcessOutcome::out
  std::string stderr_path;  ///< empty: capture into ProcessOutcome::err
  std::vector<std::string> environment;  ///< NAME=value entries added to (or replacing) ours
};

/// @brief What happened.
struct ProcessOutcome {
  Status status = Status::kNotStarted;
  int exit_code = -1;  ///< the exit code, or 128 + signal when a signal ended it (as a shell reports it)
  int signal = 0;      ///< the signal that ended it, else 0
  std::string out;     ///< captured standard output (when not sent to a file)
  std::string err;     ///< captured standard error, or why it could not start
  /// The supervisor wrote the end line (EndLine). False when there was none, the command never
  /// started, its supervisor was killed before, or the write failed: then the caller logs the end.
  bool line_written = false;
};

/// @brief Runs @p argv (argv[0] a path, or a name looked up in PATH) with standard input from
/// /dev/null, in a process group of its own, and waits for it. A small supervisor process leads the
/// group: if the calling thread's process dies (a rank killed by mpirun, or by hand, even with
/// SIGKILL), it kills the whole group, so no process of the command lives on. If the supervisor itself
/// is killed, the command's process dies with it and run_process kills the rest of the group; so it
/// does whenever the command ends by a signal. A process of the command that leaves the group
/// (setsid) is not followed. Thread-safe. The parent-death signal that tells the supervisor of our
/// death fires when the *thread* that started it ends, not only the process: run_process blocks its
/// caller until the supervisor has ended, so that thread outlives it (do not cancel it meanwhile).
/// With an @p end_line (fd >= 0), the supervisor writes it when the command ends (EndLine).
ProcessOutcome run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {},
                           const EndLine& end_line = {});

/// @brief Kills (SIGKILL) the process groups of every command run_process is running now, in every
/// thread: run_process then returns their outcome at once; from then on it starts nothing (kNotStarted).
/// For a farm that must stop.
void kill_running_processes();

/// @brief Runs @p command with `/bin/sh -c`.
ProcessOutcome run_shell(const std::string& command, const ProcessOptions& options = {},
                         const EndLine& end_line = {});

/// @brief @p text quoted for a POSIX shell: as is when it holds only safe characters, else in single
/// quotes (a ' inside becomes '\'').
std::string shell_quote(std::string_view text);

/// @brief The command of one task, as GNU parallel builds it: each `{}` in @p words is replaced by
/// the task, quoted for the shell; without `{}` the quoted task is appended as a last word. The words
/// themselves are joined with spaces as given (so that `sh -c` sees what the user typed).
std::string expand_command(const std::vector<std::string>& words, std::string_view task);

/// @brief True when @p name is an executable file, or a name found as one in PATH.
bool find_executable(const std::string& name);

/// @brief The path of the executable @p name (as given when it holds a '/', else the first match in
/// PATH), or "" when find_executable() is false.
std::string resolve_executable(const std::string& name);

}  // namespace parakit::exec
