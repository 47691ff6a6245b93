#pragma once
/// @file
/// @brief What a study (compare or scale) found: its points, its runs' records, its table and warnings.
/// Plain data.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parakit/study/table.hpp"

namespace parakit::study {

/// @brief The outcome of one study, for the driver to turn into the study's record.
struct Outcome {
  std::vector<Point> points;            ///< the parakit layouts in run order, then any Python versions
  std::vector<nlohmann::json> records;  ///< the parakit runs' own records, one per layout, same order
  Table table;                          ///< compare_table() or scaling_table() of the points
  std::vector<std::string> warnings;    ///< a busy machine, then the table's, then the runs' own
  int repeat = 0;                       ///< timed runs per point
  int warmup = 0;                       ///< untimed runs before them
  std::string time_source = "kernel";   ///< "kernel" (its own repeats), or a program's time_source_name()
};

}  // namespace parakit::study
