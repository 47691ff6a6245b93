#pragma once
/// @file
/// @brief The joblog of `parakit map exec`: one tab-separated line per attempt at a task, written as
/// each attempt ends, and read back by `--resume`. No MPI.
///
/// Layout: a first line `# parakit joblog 1`; for a graph run (`--graph`) a second line `# graph <16 hex
/// digits>`, the graph file's fingerprint (format::fingerprint_hex); a header line; then one line per
/// attempt with the columns of kJoblogColumns. The command is the last column, so tabs inside it do not
/// matter. A graph run also logs each task it skipped (a task it waits for failed) with status
/// `skipped`, rank and thread -1, host `-`, attempt 0 and the time the run ended.

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace parakit::exec {

/// @brief The first line of every joblog.
inline constexpr std::string_view kJoblogMagic = "# parakit joblog 1";

/// @brief What starts the line of a graph run's fingerprint, the second line of its joblog.
inline constexpr std::string_view kJoblogGraphPrefix = "# graph ";

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
  std::string status;  ///< "ok", "failed", "timeout", "not-started" or (graph runs) "skipped"
  std::string command;
};

/// @brief The first lines of a new joblog: the magic line, for a graph run `# graph @p graph` (its
/// fingerprint as 16 hex digits; empty: a task-list run, whose header has no such line), the column names.
std::string joblog_header(std::string_view graph = "");

/// @brief One line (with its newline) for @p entry.
std::string format_joblog_line(const JoblogEntry& entry);

/// @brief format_joblog_line(@p entry) cut where the fields known only once an attempt has ended go:
/// `head` + duration_s + tab + exit + tab + signal + tab + `middle` + status + `tail` is the line (the
/// entry's own duration, exit, signal and status are not used). For exec::EndLine.
struct JoblogLineParts {
  std::string head, middle, tail;
};
JoblogLineParts joblog_line_parts(const JoblogEntry& entry);

/// @brief A joblog read back.
struct Joblog {
  std::vector<JoblogEntry> entries;
  /// Bytes up to the end of the last complete line. A run killed in the middle of writing a line
  /// leaves a last line without its newline; it is not an entry (the attempt is run again) and is
  /// cut off before new lines are appended.
  std::uint64_t complete_bytes = 0;
  bool torn_tail = false;
  /// The graph fingerprint of its header (16 hex digits) for a graph run's joblog; empty for a task list's.
  std::string graph;
};

/// @brief Reads and checks a joblog.
/// @throws parakit::UsageError naming the file and line for anything that is not a parakit joblog or
/// is corrupt (a missing or foreign header, a line with the wrong number of fields or a bad number).
/// A header with the `# graph` line of a graph run is accepted (Joblog::graph).
Joblog read_joblog(const std::string& path);

/// @brief The journal of rank @p rank of a run whose joblog is @p joblog: `<joblog>.rank<rank>`, a
/// joblog of its own. `map exec` ranks other than 0 write the line of each attempt of theirs there
/// before they report it to rank 0, so that the line survives rank 0's death; a run that ends normally
/// removes its journals, and the next run merges what one left behind into the joblog (plan_resume).
std::string journal_path(const std::string& joblog, int rank);

/// @brief The journals of @p joblog that exist now (`<joblog>.rank<N>`, any N), sorted by name.
std::vector<std::string> find_journals(const std::string& joblog);

/// @brief Appends whole lines to a joblog with one write(2) each, so that a killed run leaves complete
/// lines (and at most one torn last line, which read_joblog sets aside). A line is in the kernel when
/// write() returns: it survives the death of the process, though not a crash of the machine before
/// the kernel has written it out (sync() waits for that). Thread-safe: lines never interleave.
class JoblogWriter {
 public:
  /// @brief Opens (creating it if needed) the joblog @p path, cuts it to its first @p keep_bytes bytes
  /// (Joblog::complete_bytes of a log being resumed, 0 for a new one) and, when @p fresh, writes the
  /// header (joblog_header(@p graph)).
  /// @throws parakit::UsageError `--joblog PATH: <reason>` when the file cannot be opened or cut.
  JoblogWriter(const std::string& path, std::uint64_t keep_bytes, bool fresh, std::string_view graph = "");
  JoblogWriter(const JoblogWriter&) = delete;
  JoblogWriter& operator=(const JoblogWriter&) = delete;
  ~JoblogWriter();

  /// @brief Appends @p line (one whole line, with its newline; format_joblog_line makes one).
  /// @throws parakit::Error `--joblog PATH: cannot write: <reason>` when the write fails.
  void write(const std::string& line);

  /// @brief Waits until every line written is on the storage device (fdatasync), so that it survives
  /// a crash of the machine too. Milliseconds on a disk: once per run, not once per line.
  /// @throws parakit::Error `--joblog PATH: cannot sync: <reason>`.
  void sync();

  /// @brief The open file, for writers in other processes (exec::EndLine): it shares the file
  /// offset, and a write(2) of a line to a regular file is not interleaved with another's.
  [[nodiscard]] int fd() const { return fd_; }

 private:
  std::string path_;
  std::mutex mutex_;
  int fd_ = -1;
};

}  // namespace parakit::exec
