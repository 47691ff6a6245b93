#pragma once
/// @file
/// @brief CSV text out of numeric columns, the writing side of kernels/csv.hpp. Pure: no MPI, no I/O;
/// the caller hands in the columns and gets the text appended to a buffer.

#include <cstddef>
#include <string>
#include <vector>

namespace parakit::kernels::csv {

/// @brief Appends the header line: @p names joined by @p sep, then '\n'. No quoting: the caller keeps
/// @p sep, '"', '\n' and '\r' out of the names.
void format_header(const std::vector<std::string>& names, char sep, std::vector<char>& out);

/// @brief Appends rows [0, @p rows) of @p columns to @p out, one line per row, fields joined by @p sep.
///
/// A field is the shortest text that reads back as the same double (std::to_chars), `inf` / `-inf` for
/// infinities, and empty for NaN (a missing value, as pandas writes it); each line ends with '\n'.
/// @pre Every column holds at least @p rows values.
/// @note Uses `omp parallel`: each thread formats a block of rows (kernels::block_range), and the blocks
/// are joined in order, so the text does not depend on the number of threads.
void format_rows(const std::vector<std::vector<double>>& columns, std::size_t rows, char sep,
                 std::vector<char>& out);

}  // namespace parakit::kernels::csv
