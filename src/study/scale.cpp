#include "parakit/study/scale.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/study/checks.hpp"
#include "parakit/study/measure.hpp"
#include "parakit/study/point.hpp"
#include "parakit/study/run_records.hpp"
#include "parakit/study/warnings.hpp"
#include "parakit/study/work.hpp"

namespace parakit::study {
namespace {

// Weak scaling needs a work option, and work that still fits at the largest core count.
void check_weak_work(const Settings& settings, const std::vector<Layout>& layouts, Scaling kind) {
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

// The kernel options of the run in @p layout: the work times the cores for weak scaling.
std::vector<std::string> options_for(const Settings& settings, const Layout& layout, Scaling kind) {
  return kind == Scaling::kWeak ? scaled_work(*settings.kernel, settings.kernel_options,
                                              static_cast<std::uint64_t>(layout.cores()))
                                : settings.kernel_options;
}

// The table and every warning, once the points are there.
void finish(Outcome& outcome, Scaling kind) {
  if (kind == Scaling::kStrong) check_same_result(outcome.records, outcome.points);
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
  check_weak_work(settings, layouts, kind);
  if (index < 0 || static_cast<std::size_t>(index) >= layouts.size()) {
    throw UsageError(fmt::format("--point: {} is not an index of the {} core counts (accepted: 0 to {})",
                                 index, layouts.size(), layouts.size() - 1));
  }
  const Layout& layout = layouts[static_cast<std::size_t>(index)];
  return launch_kernel(settings, layout, options_for(settings, layout, kind)).record;
}

Outcome scale(const Settings& settings, const std::vector<Layout>& layouts, Scaling kind) {
  check_weak_work(settings, layouts, kind);
  Outcome outcome;
  outcome.repeat = settings.repeat;
  outcome.warmup = settings.warmup;
  outcome.warnings = busy_warning(settings.launch.available_cores);
  for (const auto& layout : layouts) {
    Measured measured = measure(settings, layout, options_for(settings, layout, kind));
    outcome.points.push_back(std::move(measured.point));
    outcome.records.push_back(std::move(measured.record));
  }
  finish(outcome, kind);
  return outcome;
}

Outcome scale_from_records(const std::string& dir, const StudyKernel& kernel, Scaling kind) {
  Outcome outcome;
  outcome.records = read_run_records(dir, kernel);
  for (const auto& record : outcome.records)
    outcome.points.push_back(point_from_record(kernel, record));
  outcome.repeat = static_cast<int>(outcome.points.front().times_s.size());
  outcome.warmup = outcome.records.front()["timing"].value("warmup", 0);
  if (kind == Scaling::kWeak) check_same_work_per_core(outcome.points);
  finish(outcome, kind);
  return outcome;
}

}  // namespace parakit::study
