#pragma once
/// @file
/// @brief The human-readable reporter of `--format text`: tables with units, for a terminal.

#include <iosfwd>

#include "parakit/report/record.hpp"

namespace parakit::report {

/// @brief Human-readable tables: the result first, then timing, phases, ranks, context. A study's record
/// (one with `study`: compare, scale) gets its setup line, its table with flags, comparisons and fit.
/// Times get SI units (`1.500 ms`), rates `/s`, byte counts MiB, ratios three decimals.
class TableReporter final : public Reporter {
 public:
  void write(const Record& record, std::ostream& out) const override;
};

}  // namespace parakit::report
