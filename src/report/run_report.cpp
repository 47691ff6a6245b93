#include "parakit/report/run_report.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "parakit/report/statistics.hpp"
#include "parakit/sys.hpp"
#include "parakit/version.hpp"

#include "append.hpp"

namespace parakit::report {
namespace {

Record summary_json(const Summary& s) {
  return {{"n", s.n},         {"min_s", s.min},     {"median_s", s.median},
          {"mean_s", s.mean}, {"stdev_s", s.stdev}, {"max_s", s.max}};
}

double median_of(const std::vector<PhaseTimes>& phases, double PhaseTimes::*field) {
  std::vector<double> values;
  for (const auto& p : phases)
    values.push_back(p.*field);
  return summarize(values).median;
}

std::string quote_argument(const std::string& arg) {
  if (!arg.empty() && arg.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;#~") == std::string::npos) return arg;
  std::string quoted = "'";
  for (const char c : arg)
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The ranks' hosts, each once, in rank order.
std::vector<std::string> distinct_hosts(const RunStats& stats) {
  std::vector<std::string> hosts;
  for (const auto& r : stats.per_rank) {
    if (std::find(hosts.begin(), hosts.end(), r.host) == hosts.end()) hosts.push_back(r.host);
  }
  return hosts;
}

// The warning for one host, or "" when its ranks' threads fit their CPUs (or the CPUs are unknown).
std::string host_warning(const RunStats& stats, const std::string& host) {
  long threads = 0;
  int ranks = 0, host_cpus = 0;
  std::vector<int> cpus;
  for (const auto& r : stats.per_rank) {
    if (r.host != host) continue;
    threads += r.threads;
    ++ranks;
    host_cpus = std::max(host_cpus, r.host_cpus);
    cpus.insert(cpus.end(), r.cpu_ids.begin(), r.cpu_ids.end());
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  if (cpus.empty() || threads <= static_cast<long>(cpus.size())) return {};
  const std::string advice =
      static_cast<int>(cpus.size()) < host_cpus
          ? fmt::format(
                "use fewer threads, or let the ranks use more of the host's {} CPUs: mpirun --bind-to "
                "none or --map-by slot:PE=N",
                host_cpus)
          : "use fewer threads or ranks";
  return fmt::format(
      "oversubscribed: on {} {} rank{} run{} {} threads on {} CPU{} ({}), so timings "
      "measure sharing, not scaling ({})",
      host, ranks, ranks == 1 ? "" : "s", ranks == 1 ? "s" : "", threads, cpus.size(),
      cpus.size() == 1 ? "" : "s", sys::cpu_list(cpus), advice);
}

// The Slurm job's fields: ids and counts as numbers, names stay strings.
Record slurm_record(const std::vector<std::pair<std::string, std::string>>& slurm) {
  static constexpr std::array<std::string_view, 9> kNumbers = {"job_id",  "array_job_id",  "array_task_id",
                                                               "nodes",   "ntasks",        "cpus_per_task",
                                                               "step_id", "restart_count", "ntasks_per_node"};
  Record job = Record::object();
  for (const auto& [field, value] : slurm) {
    const bool number = std::find(kNumbers.begin(), kNumbers.end(), field) != kNumbers.end() &&
                        !value.empty() && value.size() < 19 &&
                        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (number)
      job[field] = std::stoll(value);
    else
      job[field] = value;
  }
  return job;
}

Record per_rank_record(const RunStats& stats) {
  Record ranks = Record::array();
  for (const auto& r : stats.per_rank) {
    ranks.push_back({{"rank", r.rank},
                     {"host", r.host},
                     {"pid", r.pid},
                     {"threads", r.threads},
                     {"cpus", r.cpus},
                     {"thread_cpus", r.thread_cpus},
                     {"compute_s", r.compute_s},
                     {"peak_rss_bytes", r.peak_rss_bytes}});
  }
  return ranks;
}

}  // namespace

std::vector<std::string> layout_warnings(const RunStats& stats) {
  std::vector<std::string> warnings;
  for (const auto& host : distinct_hosts(stats)) {
    std::string warning = host_warning(stats, host);
    if (!warning.empty()) warnings.push_back(std::move(warning));
  }
  return warnings;
}

void add_run_report(Record& record, const RunStats& stats, double work_units, std::string_view unit,
                    const Context& context) {
  const Summary timing = summarize(stats.times_s);
  const int cores = stats.ranks * stats.threads_per_rank;
  const double throughput = timing.median > 0.0 ? work_units / timing.median : 0.0;
  Record run = summary_json(timing);
  run["times_s"] = stats.times_s;
  run["repeat"] = stats.times_s.size();
  run["warmup"] = stats.warmup;
  record["timing"] = run;
  record["throughput_per_s"] = throughput;
  record["throughput_per_core_per_s"] = cores > 0 ? throughput / cores : 0.0;
  record["throughput_unit"] = unit;
  record["phases"] = {{"partition_s", median_of(stats.phases, &PhaseTimes::partition_s)},
                      {"scatter_s", median_of(stats.phases, &PhaseTimes::scatter_s)},
                      {"compute_s", median_of(stats.phases, &PhaseTimes::compute_s)},
                      {"reduce_s", median_of(stats.phases, &PhaseTimes::reduce_s)},
                      {"imbalance", summarize(stats.imbalance).median}};
  record["per_rank"] = per_rank_record(stats);
  record["warnings"] = layout_warnings(stats);
  record["context"] = context_record(context, distinct_hosts(stats));
}

Record context_record(const Context& context, const std::vector<std::string>& hosts) {
  std::string command_line;
  for (const auto& arg : context.argv)
    detail::append(command_line, quote_argument(arg), ' ');
  Record omp_env = Record::object();
  for (const auto& [name, value] : sys::openmp_environment())
    omp_env[name] = value;
  const sys::OpenMpSettings omp = sys::openmp_settings();
  const BuildInfo& build = build_info();
  Record out = {{"command_line", command_line},
                {"version", build.version},
                {"git_commit", build.git_commit},
                {"build_type", build.build_type},
                {"compiler", build.compiler},
                {"arch_flags", build.arch_flags},
                {"mpi_library", context.mpi_library},
                {"mpi_version", context.mpi_version},
                {"mpi_thread_level", context.mpi_thread_level},
                {"openmp_version", sys::openmp_version()},
                {"omp_env", omp_env},
                {"openmp_runtime",
                 {{"max_threads", omp.max_threads},
                  {"thread_limit", omp.thread_limit},
                  {"dynamic", omp.dynamic},
                  {"proc_bind", omp.proc_bind},
                  {"num_places", omp.num_places}}},
                {"hosts", hosts},
                {"timestamp_utc", sys::utc_timestamp()}};
  if (!context.transports.empty()) out["mpi_transports"] = context.transports;
  // Under Slurm: which job, on which nodes.
  const auto slurm = sys::slurm_job();
  if (!slurm.empty()) out["slurm"] = slurm_record(slurm);
  return out;
}

}  // namespace parakit::report
