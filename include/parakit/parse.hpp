#pragma once
/// @file
/// @brief Exact parsing of the counts users type: "100000", "2e10", "3.2e6", lists "1e5,3.2e6".

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parakit/kernels/heat.hpp"

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

/// @brief The grid @p text names, `ROWSxCOLS` (e.g. `8192x8192`, `1e3x500`): each side a count
/// (parse_count) from 1 to kernels::heat::kMaxSide, at most kernels::heat::kMaxCells cells.
/// @throws parakit::UsageError naming @p option, the value and what is accepted.
kernels::heat::GridSize parse_grid(std::string_view text, std::string_view option);

/// @brief The boundary called @p name (fixed, insulated, periodic).
/// @throws parakit::UsageError naming @p option and the accepted names.
kernels::heat::Boundary parse_boundary(std::string_view name, std::string_view option);

/// @brief The initial field called @p name (hotspot, random, sine).
/// @throws parakit::UsageError naming @p option and the accepted names.
kernels::heat::Init parse_init(std::string_view name, std::string_view option);

/// @brief One task of a task file: its text and the line it came from (1-based).
struct TaskLine {
  std::size_t line = 0;
  std::string text;
};

/// @brief Reads a task file: one task per line; blank lines are skipped and a trailing carriage return
/// is dropped, so files written on Windows work too.
/// @param option The option's name for messages, e.g. "--tasks".
/// @param empty_ok Whether a file without tasks is a list of no tasks (`map exec`, as GNU parallel) or an
/// error.
/// @throws parakit::UsageError for a missing, unreadable or non-regular file, or one without tasks unless
/// @p empty_ok.
std::vector<TaskLine> read_task_file(const std::string& path, std::string_view option, bool empty_ok = false);

}  // namespace parakit
