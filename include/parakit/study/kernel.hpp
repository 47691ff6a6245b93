#pragma once
/// @file
/// @brief The kernels a study can run (`parakit compare` / `parakit scale`). Pure: no processes.

#include <span>
#include <string>
#include <string_view>

namespace parakit::study {

/// @brief A kernel a study can run: the parakit command, the option that sets its work, and its unit.
struct StudyKernel {
  std::string_view name;          ///< the parakit subcommand, e.g. "pi"
  std::string_view work_option;   ///< e.g. "--samples"; empty when the work is fixed (a file)
  std::string_view default_work;  ///< the work option's default value, e.g. "100000,3200000"
  std::string_view unit;          ///< the work's unit, also the run record's field that holds it
};

/// @brief Every kernel a study can run, in the order help texts name them (pi, stats).
std::span<const StudyKernel> study_kernels();

/// @brief The kernel named @p name, or nullptr when no study kernel has that name.
const StudyKernel* find_kernel(std::string_view name);

/// @brief The kernels' names for messages: "pi, stats".
std::string kernel_names();

}  // namespace parakit::study
