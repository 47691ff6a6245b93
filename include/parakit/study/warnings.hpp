#pragma once
/// @file
/// @brief The warnings a study's record carries besides its table's: a machine busy before the study,
/// and the kernel runs' own warnings.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parakit/study/table.hpp"

namespace parakit::study {

/// @brief A machine already busy before the study makes every time a measure of sharing: one warning
/// when the 1-minute load average is at least 0.5 x @p available_cores + 0.25, else none.
/// Reads the load average (getloadavg); call it before the first run.
std::vector<std::string> busy_warning(int available_cores);

/// @brief The kernel runs' own warnings (unbound threads, OMP_* settings), each prefixed with its
/// point's label ("2x1: ..."), in order; warnings that start with "oversubscribed" are left out (the
/// table says those).
/// @param records The runs' own records; @p points the points made of them, in the same order.
std::vector<std::string> run_warnings(const std::vector<nlohmann::json>& records,
                                      const std::vector<Point>& points);

}  // namespace parakit::study
