#pragma once
/// @file
/// @brief The reporter of `--format json`: what scripts read.

#include <iosfwd>

#include "parakit/report/record.hpp"

namespace parakit::report {

/// @brief The record as one JSON object on one line; doubles at full precision.
class JsonReporter final : public Reporter {
 public:
  void write(const Record& record, std::ostream& out) const override;
};

}  // namespace parakit::report
