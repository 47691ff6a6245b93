#include "parakit/study/compare.hpp"

#include <optional>
#include <utility>

#include <fmt/format.h>

#include "parakit/study/checks.hpp"
#include "parakit/study/measure.hpp"
#include "parakit/study/program_run.hpp"
#include "parakit/study/python.hpp"
#include "parakit/study/warnings.hpp"

namespace parakit::study {

namespace {

// compare of a program: every layout of @p cores (one rank only when it is not an MPI program).
Outcome compare_program(const Settings& settings, int cores) {
  const ProgramSpec& spec = *settings.program;
  Outcome outcome;
  outcome.repeat = settings.repeat;
  outcome.warmup = settings.warmup;
  outcome.warnings = busy_warning(settings.launch.available_cores);
  std::vector<Layout> layouts{{1, 1}};
  for (const auto& layout : factorizations(cores))
    if (layout != Layout{1, 1} && (spec.mpi.mpi || layout.ranks == 1)) layouts.push_back(layout);
  if (!spec.mpi.mpi && cores > 1) {
    outcome.warnings.push_back(fmt::format(
        "{} is not an MPI program ({}): only its threads layouts ran (1x1 and 1x{}); --mpi yes runs every "
        "layout",
        spec.argv.front(), spec.mpi.reason, cores));
  }
  std::optional<TimeSource> source;
  for (const auto& layout : layouts) {
    Measured measured = measure_program(settings, layout, spec.work, source);
    outcome.points.push_back(std::move(measured.point));
    outcome.records.push_back(std::move(measured.record));
  }
  check_program_results(spec, outcome.records, outcome.points);
  outcome.time_source = std::string(time_source_name(*source));
  outcome.table = compare_table(outcome.points);
  for (const auto& w : outcome.table["warnings"])
    outcome.warnings.push_back(w.get<std::string>());
  for (auto& w : program_warnings(spec, *source))
    outcome.warnings.push_back(std::move(w));
  for (auto& w : run_warnings(outcome.records, outcome.points))
    outcome.warnings.push_back(std::move(w));
  return outcome;
}

}  // namespace

Outcome compare(const Settings& settings, int cores, bool with_python) {
  if (settings.program) return compare_program(settings, cores);
  Outcome outcome;
  outcome.repeat = settings.repeat;
  outcome.warmup = settings.warmup;
  const std::vector<std::string> busy = busy_warning(settings.launch.available_cores);
  std::optional<PythonStudy> python;
  if (with_python) python = prepare_python(settings, cores);
  std::vector<Layout> layouts{{1, 1}};
  for (const auto& layout : factorizations(cores))
    if (layout != Layout{1, 1}) layouts.push_back(layout);
  for (const auto& layout : layouts) {
    Measured measured = measure(settings, layout, settings.kernel_options);
    outcome.points.push_back(std::move(measured.point));
    outcome.records.push_back(std::move(measured.record));
  }
  check_same_result(outcome.records, outcome.points);
  const std::vector<std::string> kernel_warnings = run_warnings(outcome.records, outcome.points);
  if (python) {
    for (auto& p : measure_python(settings, *python))
      outcome.points.push_back(std::move(p));
  }
  outcome.table = compare_table(outcome.points);
  outcome.warnings = busy;
  for (const auto& w : outcome.table["warnings"])
    outcome.warnings.push_back(w.get<std::string>());
  outcome.warnings.insert(outcome.warnings.end(), kernel_warnings.begin(), kernel_warnings.end());
  return outcome;
}

}  // namespace parakit::study
