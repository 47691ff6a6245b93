// parakit map pi: the seed's Pool.map of Monte Carlo tasks, each with its own random stream, over every
// thread of every rank (mpi::run_pi_tasks); prints each task's estimate, their mean and the schedule's
// figures.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/kernels/monte_carlo_pi.hpp"
#include "parakit/kernels/schedule.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/pi_farm.hpp"
#include "parakit/mpi/task_file.hpp"
#include "parakit/parse.hpp"
#include "parakit/report/farm_report.hpp"
#include "parakit/report/output_file.hpp"
#include "parakit/report/piece_tally.hpp"

#include "common_options.hpp"
#include "map_options.hpp"

namespace po = boost::program_options;

namespace parakit::cli {
namespace {

using kernels::Schedule;

constexpr std::uint64_t kMaxPieces = 10'000'000;  // records are kept on rank 0: about 1 GB at most

const char* const kMapPiUsage =
    "Usage: mpirun -n P parakit map pi --tasks N[,N...]|@FILE [--schedule S] [--chunk K] [options]\n"
    "One Monte Carlo task per entry, each with its own random stream (so results do not depend on the\n"
    "schedule or layout); prints each task's estimate, their mean, and how well the schedule kept the\n"
    "workers busy. Schedules: static (equal blocks of tasks), cyclic (task i to worker i mod W),\n"
    "dynamic (--chunk tasks at a time to whichever worker is free; the default), split (tasks cut into\n"
    "pieces of --chunk samples, handed out dynamically).";

// The sample counts of --tasks: N[,N...], or @FILE with one per line (read by rank 0, known to all).
std::vector<std::uint64_t> read_samples(const boost::mpi::communicator& comm, const std::string& spec) {
  if (spec.empty() || spec[0] != '@') return parse_count_list(spec, "--tasks", kMaxSamples);
  std::vector<std::uint64_t> samples;
  for (const TaskLine& l : mpi::read_tasks_everywhere(comm, spec.substr(1), "--tasks")) {
    const std::size_t first = l.text.find_first_not_of(" \t"), last = l.text.find_last_not_of(" \t");
    samples.push_back(parse_count(std::string_view(l.text).substr(first, last + 1 - first),
                                  fmt::format("--tasks {}:{}", spec.substr(1), l.line), kMaxSamples));
  }
  return samples;
}

// The chunk the farm uses (--chunk, or the schedule's default), once the pieces it makes are few enough.
std::uint64_t pi_chunk(const MapOptions& m, const std::vector<std::uint64_t>& samples, std::uint64_t total,
                       std::uint64_t workers) {
  if (m.schedule != Schedule::kSplit) {
    if (samples.size() > kMaxPieces) {
      throw UsageError(fmt::format("--tasks: {} tasks (accepted: at most {})", samples.size(), kMaxPieces));
    }
    return m.chunk == 0 ? 1 : m.chunk;
  }
  const std::uint64_t chunk = m.chunk == 0 ? kernels::default_split_chunk(total, workers) : m.chunk;
  const std::uint64_t count = kernels::schedule_piece_count(samples, Schedule::kSplit, chunk);
  if (count > kMaxPieces) {
    throw UsageError(
        fmt::format("--chunk: {} samples per piece make {} pieces (accepted: at most {}; "
                    "choose a larger chunk)",
                    chunk, count, kMaxPieces));
  }
  return chunk;
}

}  // namespace

int map_pi(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
           const std::vector<std::string>& argv) {
  po::options_description options("Options");
  add_map_options(options, true);
  add_common_options(options, false);
  po::variables_map values;
  if (!parse_args(comm, args, "parakit map pi", kMapPiUsage, options, values)) return 0;
  if (values.count("tasks") == 0) {
    throw UsageError(
        "map pi: --tasks is required (accepted: N[,N...] sample counts, or @FILE with one per line)");
  }
  const MapOptions m = read_map_options(comm, values);
  const std::vector<std::uint64_t> samples = read_samples(comm, values["tasks"].as<std::string>());
  std::uint64_t total = 0;
  for (const std::uint64_t n : samples) {
    if (n > kMaxSamples - total) throw UsageError("--tasks: the tasks add up to more than 2^63-1 samples");
    total += n;
  }
  const CommonOptions common = read_common_options(comm, values);
  // No file written replaces the task file or another one written.
  const std::string& task_spec = values["tasks"].as<std::string>();
  mpi::check_on_root(comm, [&] {
    report::check_distinct_files({{"--tasks", task_spec.starts_with('@') ? task_spec.substr(1) : ""},
                                  {"--trace", m.trace},
                                  {"--gantt", m.gantt},
                                  {"--output", common.output},
                                  {"--json", common.json}});
  });
  agree_on_threads(comm, common.threads);
  const auto workers = static_cast<std::uint64_t>(comm.size()) * static_cast<std::uint64_t>(common.threads);
  const std::uint64_t chunk = pi_chunk(m, samples, total, workers);

  const mpi::PiTasksResult run = mpi::run_pi_tasks(comm, {.samples = samples,
                                                          .seed = common.seed,
                                                          .schedule = m.schedule,
                                                          .chunk = chunk,
                                                          .threads = common.threads});
  if (comm.rank() != 0) return 0;

  std::vector<kernels::PiEstimate> estimates;
  report::Record tasks = report::Record::array();
  for (std::size_t t = 0; t < samples.size(); ++t) {
    const auto e = kernels::estimate_pi(samples[t], run.tasks[t].value);
    estimates.push_back(e);
    tasks.push_back({{"task", t},
                     {"samples", e.samples},
                     {"inside", e.inside},
                     {"estimate", e.estimate},
                     {"std_error", e.std_error},
                     {"pieces", run.tasks[t].pieces},
                     {"busy_s", run.tasks[t].busy_s}});
  }
  const auto mean = kernels::mean_estimate(estimates);
  const report::ScheduleFigures figures =
      report::schedule_figures(run.farm, common.threads, run.pieces.size());
  report::Record record = map_record("map pi", comm.size(), common.threads, m.schedule, chunk);
  record["seed"] = common.seed;
  record["samples"] = total;
  record["tasks"] = samples.size();
  record["pieces"] = run.pieces.size();
  report::Record result = {
      {"inside", mean.inside}, {"estimate", mean.estimate}, {"std_error", mean.std_error}, {"tasks", tasks}};
  report::add_schedule_figures(result, figures);
  record["result"] = result;
  report::add_farm_report(record, run.farm, figures, common.threads, static_cast<double>(total), "samples",
                          launch_context(argv));

  std::vector<report::TraceBox> boxes;
  if (!m.trace.empty() || !m.gantt.empty())
    boxes = report::piece_trace_boxes(run.farm.records, run.pieces, m.schedule == Schedule::kSplit, "inside");
  emit(comm, record, common);  // the report first: a picture that fails must not cost it
  write_pictures(
      m, boxes, run.farm, common.threads,
      fmt::format("parakit map pi, {} schedule: {} ranks x {} threads, makespan {:.3f} s (bound {:.3f} s)",
                  kernels::schedule_name(m.schedule), comm.size(), common.threads, figures.makespan_s,
                  figures.lower_bound_s));
  return 0;
}

}  // namespace parakit::cli
