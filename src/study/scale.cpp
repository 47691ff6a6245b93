#include "parakit/study/scale.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/study/checks.hpp"
#include "parakit/study/measure.hpp"
#include "parakit/study/point.hpp"
#include "parakit/study/program_run.hpp"
#include "parakit/study/run_records.hpp"
#include "parakit/study/warnings.hpp"
#include "parakit/study/work.hpp"

namespace parakit::study {
namespace {

// A program that is not an MPI program runs one rank; weak scaling of a program needs {work}.
void check_program_layouts(const Settings& settings, const std::vector<Layout>& layouts, Scaling kind) {
  const ProgramSpec& spec = *settings.program;
  for (const auto& layout : layouts) {
    if (layout.ranks > 1 && !spec.mpi.mpi) {
      throw UsageError(
          fmt::format("{} is not an MPI program ({}): it runs in threads mode only (accepted: "
                      "--mode threads, or --mpi yes if it is one)",
                      spec.argv.front(), spec.mpi.reason));
    }
  }
  if (kind == Scaling::kWeak && !spec.work) {
    throw UsageError(
        "weak scaling needs work that grows with the cores: put {work} in the command and give --work N "
        "(the work on one core), e.g. -- ./solver --n {work}");
  }
  if (kind == Scaling::kWeak && spec.work)
    scaled_work_count(*spec.work, static_cast<std::uint64_t>(layouts.back().cores()));
}

std::optional<std::uint64_t> program_work(const Settings& settings, const Layout& layout, Scaling kind) {
  const auto& work = settings.program->work;
  if (!work || kind == Scaling::kStrong) return work;
  return scaled_work_count(*work, static_cast<std::uint64_t>(layout.cores()));
}

}  // namespace

void check_scale(const Settings& settings, const std::vector<Layout>& layouts, Scaling kind) {
  if (settings.program) {
    check_program_layouts(settings, layouts, kind);
    return;
  }
  if (kind != Scaling::kWeak) return;
  const StudyKernel& kernel = *settings.kernel;
  if (kernel.work_option.empty()) {
    throw UsageError(
        fmt::format("weak scaling needs work that grows with the cores, and {} reads a fixed "
                    "file (accepted: scale strong {} ..., or files of growing size from parakit gen)",
                    kernel.name, kernel.name));
  }
  scaled_work(kernel, settings.kernel_options, static_cast<std::uint64_t>(layouts.back().cores()));
}

namespace {

// The kernel options of the run in @p layout: the work times the cores for weak scaling.
std::vector<std::string> options_for(const Settings& settings, const Layout& layout, Scaling kind) {
  return kind == Scaling::kWeak ? scaled_work(*settings.kernel, settings.kernel_options,
                                              static_cast<std::uint64_t>(layout.cores()))
                                : settings.kernel_options;
}

// The spec of the records' program study as far as its results are checked (their result_check).
ProgramSpec recorded_checks(const nlohmann::json& record) {
  ProgramSpec spec;
  const nlohmann::json check = record.value("result_check", nlohmann::json::object());
  spec.same_output = check.value("same_output", false);
  spec.result_regex = check.value("result_regex", "");
  spec.rtol = check.value("rtol", 0.0);
  return spec;
}

// The table and every warning, once the points are there.
void finish(Outcome& outcome, Scaling kind) {
  const bool program = outcome.records.front().value("kernel", "") == "program";
  if (kind == Scaling::kStrong && program) {
    check_program_results(recorded_checks(outcome.records.front()), outcome.records, outcome.points);
  } else if (kind == Scaling::kStrong) {
    check_same_result(outcome.records, outcome.points);
  }
  outcome.table = scaling_table(outcome.points, kind);
  for (const auto& w : outcome.table["warnings"])
    outcome.warnings.push_back(w.get<std::string>());
  for (auto& w : run_warnings(outcome.records, outcome.points))
    outcome.warnings.push_back(std::move(w));
}

}  // namespace

std::vector<int> default_core_counts(int available_cores) {
  std::vector<int> cores;
  for (int c = 1; c <= std::max(1, available_cores); c *= 2)
    cores.push_back(c);
  return cores;
}

std::vector<Layout> scale_layouts(Mode mode, std::vector<int> cores, int threads_per_rank) {
  std::sort(cores.begin(), cores.end());
  cores.erase(std::unique(cores.begin(), cores.end()), cores.end());
  std::vector<Layout> layouts;
  for (const int c : cores)
    layouts.push_back(layout_for(mode, c, threads_per_rank));
  return layouts;
}

nlohmann::json scale_point(const Settings& settings, const std::vector<Layout>& layouts, Scaling kind,
                           int index) {
  check_scale(settings, layouts, kind);
  if (index < 0 || static_cast<std::size_t>(index) >= layouts.size()) {
    throw UsageError(fmt::format("--point: {} is not an index of the {} core counts (accepted: 0 to {})",
                                 index, layouts.size(), layouts.size() - 1));
  }
  const Layout& layout = layouts[static_cast<std::size_t>(index)];
  if (settings.program) {
    std::optional<TimeSource> source;
    return measure_program(settings, layout, program_work(settings, layout, kind), source).record;
  }
  return launch_kernel(settings, layout, options_for(settings, layout, kind)).record;
}

Outcome scale(const Settings& settings, const std::vector<Layout>& layouts, Scaling kind) {
  check_scale(settings, layouts, kind);
  Outcome outcome;
  outcome.repeat = settings.repeat;
  outcome.warmup = settings.warmup;
  outcome.warnings = busy_warning(settings.launch.available_cores);
  std::optional<TimeSource> source;
  for (const auto& layout : layouts) {
    Measured measured = settings.program
                            ? measure_program(settings, layout, program_work(settings, layout, kind), source)
                            : measure(settings, layout, options_for(settings, layout, kind));
    outcome.points.push_back(std::move(measured.point));
    outcome.records.push_back(std::move(measured.record));
  }
  finish(outcome, kind);
  if (source) {
    outcome.time_source = std::string(time_source_name(*source));
    for (auto& w : program_warnings(*settings.program, *source))
      outcome.warnings.push_back(std::move(w));
  }
  return outcome;
}

Outcome scale_from_records(const std::string& dir, const StudyKernel& kernel, Scaling kind) {
  Outcome outcome;
  outcome.records = read_run_records(dir, kernel);
  if (kernel.name == program_kernel().name)
    outcome.time_source = outcome.records.front()["timing"].value("source", "launch");
  for (const auto& record : outcome.records)
    outcome.points.push_back(point_from_record(kernel, record));
  outcome.repeat = static_cast<int>(outcome.points.front().times_s.size());
  outcome.warmup = outcome.records.front()["timing"].value("warmup", 0);
  if (kind == Scaling::kWeak) check_same_work_per_core(outcome.points);
  finish(outcome, kind);
  return outcome;
}

}  // namespace parakit::study
