#pragma once
/// @file
/// @brief The checks a study makes: that its tools are there before the first run, and that its points
/// make a table worth printing after the runs. Pure apart from looking up gnuplot in PATH.

#include <vector>

#include <nlohmann/json.hpp>

#include "parakit/study/table.hpp"

namespace parakit::study {

/// @brief Checks what drawing a plot needs, before the first run: gnuplot in PATH and the data
/// directory with the gnuplot scripts.
/// @throws parakit::UsageError when gnuplot is missing; parakit::Error as data_dir().
void check_plot_tools();

/// @brief Every layout computed the same work, so the runs' results (their records' `result`) must be
/// identical: the kernels are bitwise layout-independent, and a difference means something is broken.
/// @param records The runs' own records, @p points the points made of them (same order; labels name them).
/// @throws parakit::WrongAnswer naming the first layout that differs from the first one, and both
/// results (their JSON, up to 200 characters each).
void check_same_result(const std::vector<nlohmann::json>& records, const std::vector<Point>& points);

/// @brief Weak scaling compares equal work per core: records of other work would make a wrong table.
/// Checks that every point's work / cores equals the first point's (relative tolerance 1e-9: the work
/// is a whole number, so only rounding in the division may differ).
/// @throws parakit::UsageError ("--records: weak scaling needs the same work per core, ...") otherwise.
void check_same_work_per_core(const std::vector<Point>& points);

}  // namespace parakit::study
