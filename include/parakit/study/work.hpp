#pragma once
/// @file
/// @brief The work each run of a study gets: the kernel's own work option, multiplied by the core count
/// for weak scaling. Pure: no processes.

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

/// @brief @p kernel_options with every entry of the work option multiplied by @p factor (weak
/// scaling): the work option is removed wherever it was and appended once, as `OPTION N[,N...]`.
/// @pre @p kernel has a work option; @p factor >= 1.
/// @throws parakit::UsageError when an entry is not a count (parse_count_list's message), or when an
/// entry times @p factor exceeds kMaxWork ("--samples: N x F cores is more than 2^63-1 ...").
std::vector<std::string> scaled_work(const StudyKernel& kernel,
                                     const std::vector<std::string>& kernel_options, std::uint64_t factor);

}  // namespace parakit::study
