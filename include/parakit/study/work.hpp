#pragma once
/// @file
/// @brief The work each run of a study gets: the kernel's own work option, grown with the core count for
/// weak scaling (a count list multiplied, a grid grown along both sides). Pure: no processes.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "parakit/study/kernel.hpp"

namespace parakit::study {

/// @brief The largest work a study asks for: 2^63-1 units.
inline constexpr auto kMaxWork = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

/// @brief The value of @p kernel's work option in @p kernel_options (the last one given, as `--opt V`
/// or `--opt=V`), else the kernel's default.
std::string work_value(const StudyKernel& kernel, const std::vector<std::string>& kernel_options);

/// @brief @p kernel_options with the work option grown for @p factor cores (weak scaling): the work option
/// is removed wherever it was and appended once. WorkScaling::kCounts: every entry times @p factor, as
/// `OPTION N[,N...]`. WorkScaling::kGrid: `ROWSxCOLS` becomes `(ROWS a)x(COLS b)` where a x b =
/// kernels::heat::balanced_dims(factor) (MPI_Dims_create's process grid), so that each of @p factor ranks
/// keeps the block shape of the one-core grid, as `OPTION RxC`.
/// @pre @p kernel has a work option; @p factor >= 1.
/// @throws parakit::UsageError when an entry is not a count (parse_count_list's message) or the grid not
/// a grid (parse_grid's), when an entry times @p factor exceeds kMaxWork ("--samples: N x F cores is
/// more than 2^63-1 ..."), or when the grown grid exceeds parse_grid's limits (kernels::heat::kMaxSide,
/// kMaxCells).
std::vector<std::string> scaled_work(const StudyKernel& kernel,
                                     const std::vector<std::string>& kernel_options, std::uint64_t factor);

}  // namespace parakit::study
