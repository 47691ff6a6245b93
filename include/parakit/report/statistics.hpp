#pragma once
/// @file
/// @brief Order statistics and moments of repeated measurements.

#include <cstddef>
#include <span>

namespace parakit::report {

/// @brief Summary of a sample of measurements.
struct Summary {
  std::size_t n = 0;
  double min = 0.0;
  double median = 0.0;  ///< middle value; the mean of the two middle values for even n
  double mean = 0.0;
  double stdev = 0.0;  ///< sample standard deviation (n - 1); 0 when n < 2
  double max = 0.0;
};

/// @brief Summarises @p values; all fields are 0 for an empty sample.
Summary summarize(std::span<const double> values);

}  // namespace parakit::report
