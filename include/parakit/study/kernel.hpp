#pragma once
/// @file
/// @brief The kernels a study can run (`parakit compare` / `parakit scale`). Pure: no processes.

#include <span>
#include <string>
#include <string_view>

namespace parakit::study {

/// @brief How a kernel's work option grows with the cores in weak scaling.
enum class WorkScaling {
  kCounts,  ///< a list of counts (`--samples 1e6,2e6`): every entry times the cores
  kGrid,    ///< a 2D grid (`--grid ROWSxCOLS`): rows and columns times the process grid of the cores
            ///< (kernels::heat::balanced_dims), so that every rank keeps its block's shape
};

/// @brief A kernel a study can run: the parakit command, the option that sets its work, and its unit.
struct StudyKernel {
  std::string_view name;                       ///< the parakit subcommand, e.g. "pi"
  std::string_view work_option;                ///< e.g. "--samples"; empty when the work is fixed (a file)
  std::string_view default_work;               ///< the work option's default value, e.g. "100000,3200000"
  std::string_view unit;                       ///< the work's unit, also the run record's field that holds it
  WorkScaling scaling = WorkScaling::kCounts;  ///< how weak scaling grows the work option
};

/// @brief Every kernel a study can run, in the order help texts name them (pi, stats, heat).
std::span<const StudyKernel> study_kernels();

/// @brief The kernel named @p name, or nullptr when no study kernel has that name.
const StudyKernel* find_kernel(std::string_view name);

/// @brief The kernels' names for messages: "pi, stats, heat".
std::string kernel_names();

}  // namespace parakit::study
