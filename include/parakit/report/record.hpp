#pragma once
/// @file
/// @brief A run record, and the interface every reporter (table, JSON, CSV) implements. No MPI, no I/O.

#include <iosfwd>
#include <string_view>

#include <nlohmann/json.hpp>

namespace parakit::report {

/// @brief A run record: one JSON object whose key order is the print order.
using Record = nlohmann::ordered_json;

/// @brief Version of the record layout; bumped when a field changes meaning or disappears.
inline constexpr std::string_view kSchema = "parakit.run/1";

/// @brief Formats records. Implementations: TableReporter, JsonReporter, CsvReporter (make_reporter picks
/// one). Reporters only format; they never compute.
class Reporter {
 public:
  virtual ~Reporter() = default;
  /// @brief Writes @p record whole to @p out. Not collective: rank 0 alone prints.
  virtual void write(const Record& record, std::ostream& out) const = 0;
};

}  // namespace parakit::report
