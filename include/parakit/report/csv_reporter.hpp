#pragma once
/// @file
/// @brief The reporter of `--format csv`: one header row, then rows of cells quoted as RFC 4180 asks.

#include <iosfwd>

#include "parakit/report/record.hpp"

namespace parakit::report {

/// @brief A study's record (one with `rows`: compare, scale): its rows, with exactly their columns.
/// Any other record: one header row, then one row per entry of `result.tasks` or `result.threads` (or one
/// row): every scalar field of the record as a column named by its dotted path (`timing.median_s`), the
/// task's own fields as `task.<name>`. Context columns repeat on every row. Doubles at full precision
/// (`%.17g`); a list of scalars is one cell, its items joined with ';'.
class CsvReporter final : public Reporter {
 public:
  void write(const Record& record, std::ostream& out) const override;
};

}  // namespace parakit::report
