#pragma once
/// @file
/// @brief Measuring one point of a study: one launch of the kernel in a layout (its runs timed by the
/// kernel itself, the launch timed from outside), then empty runs of the same layout for the launch cost.
/// Starts processes (mpirun or srun); runs no MPI in the calling process.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parakit/study/launch.hpp"
#include "parakit/study/settings.hpp"
#include "parakit/study/table.hpp"

namespace parakit::study {

/// @brief One launch of @p settings' kernel in @p layout with @p kernel_options (then --threads,
/// --repeat, --warmup, --format json, --progress never): its outside wall time and its run record.
/// @throws parakit::UsageError when the run refused its options (the kernel's message, then "; the
/// study's own options: see 'COMMAND --help'"); parakit::Error as launch() for any other failure.
Launched launch_kernel(const Settings& settings, const Layout& layout,
                       const std::vector<std::string>& kernel_options);

/// @brief A measured point and the run record it came from.
struct Measured {
  Point point;
  nlohmann::json record;  ///< the run's own JSON record (parakit.run/1)
};

/// @brief launch_kernel(), then settings.repeat empty runs (`parakit empty`) in @p layout, whose median
/// wall time is the point's launch cost. The point's wall_s is the kernel launch's outside wall time.
/// @throws as launch_kernel(); parakit::Error when the run reports a layout other than @p layout.
Measured measure(const Settings& settings, const Layout& layout,
                 const std::vector<std::string>& kernel_options);

}  // namespace parakit::study
