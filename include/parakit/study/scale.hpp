#pragma once
/// @file
/// @brief `parakit scale strong|weak`: a kernel on growing core counts (strong: the same work; weak: the
/// work times the cores), launched here, one point at a time (a task of a job array), or collected from
/// run records made elsewhere.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parakit/study/kernel.hpp"
#include "parakit/study/launch.hpp"
#include "parakit/study/outcome.hpp"
#include "parakit/study/settings.hpp"
#include "parakit/study/table.hpp"

namespace parakit::study {

/// @brief The default core counts: the powers of two from 1 up to max(1, @p available_cores).
std::vector<int> default_core_counts(int available_cores);

/// @brief The layouts of @p cores in @p mode (layout_for()), in increasing core order, each count once.
/// @throws parakit::UsageError as layout_for().
std::vector<Layout> scale_layouts(Mode mode, std::vector<int> cores, int threads_per_rank);

/// @brief Checks, before anything is launched, that @p layouts can be studied with @p kind: weak scaling
/// has work that grows (a kernel's work option, a program's `{work}` and --work) and that still fits at
/// the largest core count; a program that is not MPI has one rank in every layout.
/// @throws parakit::UsageError saying which and what is accepted.
void check_scale(const Settings& settings, const std::vector<Layout>& layouts, Scaling kind);

/// @brief Runs the @p index-th of @p layouts alone (one task of a job array) and returns that run's own
/// record: the kernel with @p settings' options (weak: scaled_work() by the layout's cores).
/// @throws parakit::UsageError for weak scaling of a kernel without a work option, work that overflows
/// at the largest layout, or an @p index outside @p layouts; as launch_kernel() otherwise.
nlohmann::json scale_point(const Settings& settings, const std::vector<Layout>& layouts, Scaling kind,
                           int index);

/// @brief Measures every one of @p layouts (increasing cores) with measure(): the same work (strong,
/// whose results must then agree) or the kernel's work times the cores (weak).
/// @return The points, their records, scaling_table() and the warnings; repeat and warmup are @p settings'.
/// @throws parakit::UsageError as scale_point() (checked before any run); parakit::WrongAnswer when
/// strong scaling's runs computed different results; parakit::Error when a run fails.
/// Starts processes (mpirun or srun); runs no MPI itself.
Outcome scale(const Settings& settings, const std::vector<Layout>& layouts, Scaling kind);

/// @brief The study of the run records in @p dir (read_run_records()): launches nothing. Weak scaling
/// needs the same work per core in every record; strong scaling the same result.
/// @return The points, the records, scaling_table() and the runs' warnings; repeat and warmup are those
/// of the records (the first one's).
/// @throws parakit::UsageError as read_run_records() and check_same_work_per_core();
/// parakit::WrongAnswer when strong scaling's records hold different results.
Outcome scale_from_records(const std::string& dir, const StudyKernel& kernel, Scaling kind);

}  // namespace parakit::study
