#pragma once
/// @file
/// @brief Exact parsing of the counts users type: "100000", "2e10", "3.2e6", lists "1e5,3.2e6".

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parakit {

/// @brief Parses a positive integer count written as digits or in scientific notation with an exact
/// integer value ("2e10", "3.2e6", "1_000" is not accepted). Parsed exactly, without floating point.
/// @param text    The value as typed.
/// @param option  The option's name for messages, e.g. "--samples".
/// @param max     The largest value accepted.
/// @throws parakit::UsageError naming the option, the value and what is accepted.
std::uint64_t parse_count(std::string_view text, std::string_view option, std::uint64_t max);

/// @brief A comma-separated list of parse_count values (at least one).
/// @throws parakit::UsageError as parse_count, or for an empty entry.
std::vector<std::uint64_t> parse_count_list(std::string_view text, std::string_view option,
                                            std::uint64_t max);

/// @brief One task of a task file: its text and the line it came from (1-based).
struct TaskLine {
  std::size_t line = 0;
  std::string text;
};

/// @brief Reads a task file: one task per line; blank lines are skipped and a trailing carriage return
/// is dropped, so files written on Windows work too.
/// @param option The option's name for messages, e.g. "--tasks".
/// @throws parakit::UsageError for a missing, unreadable or non-regular file, or one without tasks.
std::vector<TaskLine> read_task_file(const std::string& path, std::string_view option);

}  // namespace parakit
