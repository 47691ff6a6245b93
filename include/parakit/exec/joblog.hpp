#pragma once
/// @file
/// @brief The joblog of `parakit map exec`: one tab-separated line per attempt at a task, written as
/// each attempt ends, and read back by `--resume`. No MPI.
///
/// Layout: a first line `# parakit joblog 1`, a header line, then one line per attempt with the
/// columns of kJoblogColumns. The command is the last column, so tabs inside it do not matter.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parakit::exec {

/// @brief The first line of every joblog.
inline constexpr std::string_view kJoblogMagic = "# parakit joblog 1";

/// @brief The columns, in order.
inline constexpr std::array<std::string_view, 11> kJoblogColumns = {
    "task", "rank",   "thread",  "host",   "start",  "duration_s",
    "exit", "signal", "attempt", "status", "command"};

/// @brief One attempt at one task.
struct JoblogEntry {
  std::uint64_t task = 0;  ///< 0-based index in the task list
  int rank = 0;
  int thread = 0;
  std::string host;
  double start = 0.0;  ///< Unix time, seconds
  double duration_s = 0.0;
  int exit_code = 0;
  int signal = 0;
  int attempt = 1;
  std::string status;  ///< "ok", "failed", "timeout", "not-started"
  std::string command;
};

/// @brief The first two lines of a new joblog.
std::string joblog_header();

/// @brief One line (with its newline) for @p entry.
std::string format_joblog_line(const JoblogEntry& entry);

/// @brief A joblog read back.
struct Joblog {
  std::vector<JoblogEntry> entries;
  /// Bytes up to the end of the last complete line. A run killed in the middle of writing a line
  /// leaves a last line without its newline; it is not an entry (the attempt is run again) and is
  /// cut off before new lines are appended.
  std::uint64_t complete_bytes = 0;
  bool torn_tail = false;
};

/// @brief Reads and checks a joblog.
/// @throws parakit::UsageError naming the file and line for anything that is not a parakit joblog or
/// is corrupt (a missing or foreign header, a line with the wrong number of fields or a bad number).
Joblog read_joblog(const std::string& path);

/// @brief Appends whole lines to a joblog with one write each, so that a killed run leaves complete lines
/// (and at most one torn last line, which read_joblog sets aside). Not thread-safe: one writer, one
/// thread (`map exec` writes from rank 0's main thread).
class JoblogWriter {
 public:
  /// @brief Opens (creating it if needed) the joblog @p path, cuts it to its first @p keep_bytes bytes
  /// (Joblog::complete_bytes of a log being resumed, 0 for a new one) and, when @p fresh, writes the
  /// header.
  /// @throws parakit::UsageError `--joblog PATH: <reason>` when the file cannot be opened or cut.
  JoblogWriter(const std::string& path, std::uint64_t keep_bytes, bool fresh);
  JoblogWriter(const JoblogWriter&) = delete;
  JoblogWriter& operator=(const JoblogWriter&) = delete;
  ~JoblogWriter();

  /// @brief Appends @p line (one whole line, with its newline; format_joblog_line makes one).
  /// @throws parakit::Error `--joblog PATH: cannot write: <reason>` when the write fails.
  void write(const std::string& line);

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace parakit::exec
