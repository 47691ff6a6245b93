#pragma once
/// @file
/// @brief The graph file of `parakit map exec --graph @FILE`: one task per line, with the tasks it waits
/// for and its arguments. MPI-free.
///
/// Two forms, told apart by the first line that is neither blank nor a comment. In both, blank lines and
/// lines starting with `#` (after blanks) are skipped, a trailing carriage return is dropped, and so is
/// a UTF-8 byte order mark at the start of the file.
/// - text: `NAME: ARGS` or `NAME after DEP[,DEP...]: ARGS`. ARGS is the rest of the line after the first
///   `:`, leading blanks dropped; it may be empty. Blanks are allowed around the name, `after`, the commas
///   and the `:`.
/// - JSON lines (that first line starts with `{`): one object per line with `name` (string), optional
///   `after` (array of strings), `args` (string) and optional `cost` (number >= 0, the task's estimated
///   run time in seconds). Any other key, a key given twice or a value of another type is refused.
/// A task may wait for tasks declared after it. Names: 1 to 200 bytes of letters, digits and `_-.+@%/=`.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parakit/kernels/task_graph.hpp"

namespace parakit::format {

/// @brief The most tasks a graph file may declare.
inline constexpr std::size_t kMaxGraphTasks = 10'000'000;

/// @brief The longest task name, in bytes.
inline constexpr std::size_t kMaxTaskNameBytes = 200;

/// @brief A graph file read and checked.
struct GraphFile {
  kernels::TaskGraph graph;        ///< the tasks, in the file's order (task i is the i-th declared)
  std::vector<std::string> args;   ///< per task: the text `{}` becomes in the command
  std::vector<std::size_t> lines;  ///< per task: the file's line it was declared on (1-based)
  /// A digest of what the run depends on (every task's name, dependencies and arguments, not the
  /// comments, blank lines, costs or the form of the file; nor the order or repeats of a task's
  /// dependencies): a joblog records it, and --resume refuses a graph that changed. XXH3 (64 bits) of
  /// a length-prefixed encoding, so that no two graphs meet by concatenation.
  std::uint64_t fingerprint = 0;
};

/// @brief Parses the text of a graph file; @p path names it in messages.
/// @param max_tasks The most tasks accepted (tests lower it).
/// @throws parakit::UsageError with one line `PATH:LINE: what (accepted: ...)` for a malformed line, a
/// NUL byte, a bad name, a duplicate name (naming the line of the first), a dependency on a task that
/// is not declared or on the task itself, or more than @p max_tasks tasks; `PATH: ...` for a cycle
/// (named with its tasks) or a file without tasks. Text from the file is quoted (parakit::quoted).
GraphFile parse_graph(std::string_view text, const std::string& path, std::size_t max_tasks = kMaxGraphTasks);

/// @brief Reads and parses the graph file @p path (a regular readable file; a FIFO or a device is
/// refused before it is opened, so this never blocks).
/// @throws parakit::UsageError as parse_graph, or as format::check_regular_file with the label
/// `--graph` (`--graph PATH: cannot open: ...`, `is a directory`, `not a regular file`, `cannot read`).
GraphFile read_graph_file(const std::string& path);

/// @brief The fingerprint as 16 lower-case hex digits (the joblog's form).
std::string fingerprint_hex(std::uint64_t fingerprint);

}  // namespace parakit::format
