#pragma once
/// @file
/// @brief `parakit compare`: the same work in every ranks x threads layout of a core count, side by side.

#include "parakit/study/outcome.hpp"
#include "parakit/study/settings.hpp"

namespace parakit::study {

/// @brief Runs @p settings' kernel on the same work in 1x1 and in every layout with ranks x threads =
/// @p cores (factorizations(), processes first), each measured with measure(); then, with
/// @p with_python, the seed's three Python versions (prepared before the first parakit run, so a
/// missing interpreter is known at once). Checks that every layout computed the same result.
/// @return The points (1x1 first), their records, compare_table() and the warnings; repeat and warmup
/// are @p settings'.
/// @pre settings.kernel is set; @p with_python only for the pi kernel.
/// @throws parakit::UsageError for a @p cores out of range or options a run refused; parakit::WrongAnswer
/// when two layouts computed different results; parakit::Error when a run fails.
/// Starts processes (mpirun or srun); runs no MPI itself.
Outcome compare(const Settings& settings, int cores, bool with_python);

}  // namespace parakit::study
