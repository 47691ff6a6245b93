#pragma once
/// @file
/// @brief The layout of a CSV file as `parakit stats` reads it: where the data start, which field is the
/// column, its name (header detection); and the message for a line that cannot be read. MPI-free.

#include <cstdint>
#include <string>

#include "parakit/kernels/csv.hpp"

namespace parakit::format {

/// @brief What the first lines of a CSV file say about the rest (rank 0 learns it and tells everyone).
struct CsvLayout {
  std::uint64_t data_start = 0;  ///< byte offset of the first data line
  std::uint64_t first_line = 1;  ///< 1-based line number of the first data line
  std::size_t column = 0;        ///< 0-based field of the column
  std::size_t fields = 0;        ///< fields of the header (or of the first line without one)
  std::string name;              ///< the column's name: its header field, or its index without a header
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& data_start& first_line& column& fields& name;
  }
};

/// @brief Reads the first lines of the CSV file @p path (@p size bytes, not empty) and finds @p column.
///
/// With @p header, blank lines before the header are skipped (as pandas does), a UTF-8 byte order mark is
/// not part of the first name, @p column is a name from the header or else a 0-based index (empty: field
/// 0), and at least one non-blank line must follow the header. Without it, @p column must be an index
/// (empty: 0) within the first line's fields.
/// @throws parakit::UsageError naming the file and line: no such column, only a header, a name without
/// a header, an index beyond the fields.
CsvLayout read_csv_layout(const std::string& path, std::uint64_t size, char sep, bool header,
                          const std::string& column);

/// @brief The one-line message for @p bad, found at 1-based line @p line of @p path: a value of the column
/// that is not a number names the column; any other fault of the line (fields, quotes) names what is
/// wrong with it and a hint that fits (@p sep is the separator in use).
std::string bad_line_message(const std::string& path, char sep, const CsvLayout& layout, std::uint64_t line,
                             const kernels::csv::BadLine& bad);

}  // namespace parakit::format
