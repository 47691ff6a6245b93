#include "parakit/report/reporter.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/report/statistics.hpp"
#include "parakit/sys.hpp"
#include "parakit/version.hpp"

namespace parakit::report {
namespace {

nlohmann::ordered_json summary_json(const Summary& s) {
  return {{"n", s.n},         {"min_s", s.min},     {"median_s", s.median},
          {"mean_s", s.mean}, {"stdev_s", s.stdev}, {"max_s", s.max}};
}

double median_of(const std::vector<report::PhaseTimes>& phases, double report::PhaseTimes::*field) {
  std::vector<double> values;
  for (const auto& p : phases)
    values.push_back(p.*field);
  return summarize(values).median;
}

// Appends `item` to `list`, separated by `separator` when the list is not empty.
void append(std::string& list, std::string_view item, char separator) {
  if (!list.empty()) list += separator;
  list += item;
}

std::string quote_argument(const std::string& arg) {
  if (!arg.empty() && arg.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;#~") == std::string::npos) return arg;
  std::string quoted = "'";
  for (const char c : arg)
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// --- text ---------------------------------------------------------------------------------------

std::string seconds_text(double s) {
  if (s >= 1.0) return fmt::format("{:.3f} s", s);
  if (s >= 1e-3) return fmt::format("{:.3f} ms", s * 1e3);
  if (s >= 1e-6) return fmt::format("{:.1f} us", s * 1e6);
  return fmt::format("{:.0f} ns", s * 1e9);
}

std::string value_text(const std::string& key, const Record& v) {
  if (v.is_null()) return "-";
  if (v.is_number_float() &&
      (key == "speedup" || key == "efficiency" || key == "karp_flatt" || key.ends_with("_share") ||
       key.ends_with("_error") || key == "r_squared" || key == "serial_fraction" || key == "p_value" ||
       key == "max_speedup" || key == "scaled_speedup_at_max"))
    return fmt::format("{:.3f}", v.get<double>());
  if (v.is_number() && key.ends_with("_bytes")) return fmt::format("{:.1f} MiB", v.get<double>() / (1 << 20));
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (key.ends_with("per_s")) return fmt::format("{:.4g}/s", d);
    if (key.ends_with("_s")) return seconds_text(d);
    return fmt::format("{:.10g}", d);
  }
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

void write_table(const Record& rows, std::ostream& out, const std::string& indent,
                 std::vector<std::string> keys = {}) {
  if (!rows.is_array() || rows.empty() || !rows.front().is_object()) return;
  if (keys.empty()) {
    for (const auto& [key, _] : rows.front().items())
      keys.push_back(key);
  }
  std::vector<std::vector<std::string>> cells{keys};
  for (const auto& row : rows) {
    std::vector<std::string> line;
    for (const auto& key : keys)
      line.push_back(row.contains(key) ? value_text(key, row[key]) : "");
    cells.push_back(std::move(line));
  }
  std::vector<std::size_t> width(keys.size(), 0);
  for (const auto& line : cells) {
    for (std::size_t c = 0; c < line.size(); ++c)
      width[c] = std::max(width[c], line[c].size());
  }
  for (const auto& line : cells) {
    std::string text = indent;
    for (std::size_t c = 0; c < line.size(); ++c)
      text += fmt::format("{:>{}}  ", line[c], width[c]);
    while (text.ends_with(' '))
      text.pop_back();
    out << text << '\n';
  }
}

void write_fields(const char* title, const Record& object, std::ostream& out) {
  std::string line = title;
  for (const auto& [key, value] : object.items()) {
    if (value.is_primitive()) line += fmt::format("  {} {}", key, value_text(key, value));
  }
  if (line != title) out << line << '\n';  // a title alone says nothing
}

// A histogram {edges, counts} as one line per bin: its interval, its count and a bar.
void write_histogram(const Record& histogram, std::ostream& out) {
  const Record& edges = histogram["edges"];
  const Record& counts = histogram["counts"];
  if (counts.empty() || edges.size() != counts.size() + 1) return;
  std::uint64_t most = 0;
  for (const auto& c : counts)
    most = std::max(most, c.get<std::uint64_t>());
  out << "histogram\n";
  constexpr int kWidth = 40;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const auto c = counts[i].get<std::uint64_t>();
    const auto bar =
        most > 0 ? static_cast<int>(static_cast<double>(c) / static_cast<double>(most) * kWidth + 0.5) : 0;
    out << fmt::format("  [{:>12.6g}, {:>12.6g}{}  {:>12}  {}\n", edges[i].get<double>(),
                       edges[i + 1].get<double>(), i + 1 == counts.size() ? "]" : ")", c,
                       std::string(static_cast<std::size_t>(bar), '#'));
  }
}

// --- csv ----------------------------------------------------------------------------------------

std::string csv_cell(const Record& v) {
  std::string text;
  if (v.is_string()) {
    text = v.get<std::string>();
  } else if (v.is_number_float()) {
    text = fmt::format("{:.17g}", v.get<double>());
  } else if (!v.is_null()) {
    text = v.dump();
  }
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text)
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// Scalars of an object as (dotted path, value); arrays of scalars are joined with ';'.
void flatten(const Record& object, const std::string& prefix,
             std::vector<std::pair<std::string, Record>>& out) {
  for (const auto& [key, value] : object.items()) {
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (value.is_object()) {
      flatten(value, path, out);
    } else if (value.is_array()) {
      if (!value.empty() && !value.front().is_primitive()) continue;  // tables: not one cell
      // One cell: the items' own text joined with ';', quoted once when written.
      std::string joined;
      for (const auto& item : value)
        append(joined, item.is_string() ? item.get<std::string>() : item.dump(), ';');
      out.emplace_back(path, joined);
    } else {
      out.emplace_back(path, value);
    }
  }
}

}  // namespace

Format parse_format(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  if (name == "csv") return Format::kCsv;
  throw UsageError("--format: '" + std::string(name) + "' is not a format (accepted: text, json, csv)");
}

namespace {

// The ranks' hosts, each once, in rank order.
std::vector<std::string> distinct_hosts(const report::RunStats& stats) {
  std::vector<std::string> hosts;
  for (const auto& r : stats.per_rank) {
    if (std::find(hosts.begin(), hosts.end(), r.host) == hosts.end()) hosts.push_back(r.host);
  }
  return hosts;
}

}  // namespace

std::vector<std::string> layout_warnings(const report::RunStats& stats) {
  std::vector<std::string> warnings;
  for (const auto& host : distinct_hosts(stats)) {
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
    if (cpus.empty() || threads <= static_cast<long>(cpus.size())) continue;
    const std::string advice =
        static_cast<int>(cpus.size()) < host_cpus
            ? fmt::format(
                  "use fewer threads, or let the ranks use more of the host's {} CPUs: mpirun --bind-to "
                  "none or --map-by slot:PE=N",
                  host_cpus)
            : "use fewer threads or ranks";
    warnings.push_back(
        fmt::format("oversubscribed: on {} {} rank{} run{} {} threads on {} CPU{} ({}), so timings "
                    "measure sharing, not scaling ({})",
                    host, ranks, ranks == 1 ? "" : "s", ranks == 1 ? "s" : "", threads, cpus.size(),
                    cpus.size() == 1 ? "" : "s", sys::cpu_list(cpus), advice));
  }
  return warnings;
}

void add_run_report(Record& record, const report::RunStats& stats, double work_units, std::string_view unit,
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
  record["phases"] = {{"partition_s", median_of(stats.phases, &report::PhaseTimes::partition_s)},
                      {"scatter_s", median_of(stats.phases, &report::PhaseTimes::scatter_s)},
                      {"compute_s", median_of(stats.phases, &report::PhaseTimes::compute_s)},
                      {"reduce_s", median_of(stats.phases, &report::PhaseTimes::reduce_s)},
                      {"imbalance", summarize(stats.imbalance).median}};
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
  record["per_rank"] = ranks;
  record["warnings"] = layout_warnings(stats);

  record["context"] = context_record(context, distinct_hosts(stats));
}

Record context_record(const Context& context, const std::vector<std::string>& hosts) {
  std::string command_line;
  for (const auto& arg : context.argv)
    append(command_line, quote_argument(arg), ' ');
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
  // Under Slurm: which job, on which nodes. Ids and counts are numbers, names stay strings.
  const auto slurm = sys::slurm_job();
  if (!slurm.empty()) {
    static constexpr std::array<std::string_view, 9> kNumbers = {
        "job_id",        "array_job_id", "array_task_id", "nodes",          "ntasks",
        "cpus_per_task", "step_id",      "restart_count", "ntasks_per_node"};
    Record job = Record::object();
    for (const auto& [field, value] : slurm) {
      const bool number =
          std::find(kNumbers.begin(), kNumbers.end(), field) != kNumbers.end() && !value.empty() &&
          value.size() < 19 &&
          std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (number)
        job[field] = std::stoll(value);
      else
        job[field] = value;
    }
    out["slurm"] = job;
  }
  return out;
}

namespace {

// A study (compare, scale): its setup in one line, the table's main columns, then what the numbers
// allow one to say: which layouts differ, the fit, the warnings' flags.
void write_study(const Record& record, std::ostream& out) {
  std::string header = fmt::format("parakit {} {}", record.value("study", "?"), record.value("scaling", ""));
  while (header.ends_with(' '))
    header.pop_back();
  header += fmt::format(" {} {}", record.value("kernel", "?"), record.value("kernel_options", ""));
  while (header.ends_with(' '))
    header.pop_back();
  if (record.contains("mode")) header += fmt::format(" (mode {})", record.value("mode", ""));
  if (record.contains("cores") && record["cores"].is_number()) {
    const int cores = record["cores"].get<int>();
    header += fmt::format(" on {} core{}", cores, cores == 1 ? "" : "s");
  }
  out << header << '\n'
      << fmt::format("  {} repeats after {} warm-up run(s) per point; {}\n", record.value("repeat", 0),
                     record.value("warmup", 0), record.value("launcher", ""));
  static const char* kColumns[] = {"layout",
                                   "cores",
                                   "ranks",
                                   "threads_per_rank",
                                   "threads",
                                   "work",
                                   "median_s",
                                   "spread_s",
                                   "speedup",
                                   "efficiency",
                                   "karp_flatt",
                                   "launch_s",
                                   "compute_s",
                                   "comm_share",
                                   "wall_s",
                                   "wall_error",
                                   "peak_rss_per_rank_bytes",
                                   "peak_rss_total_bytes"};
  Record rows = record["rows"];
  std::vector<std::string> keys;
  for (const char* key : kColumns) {
    if (!rows.empty() && rows.front().contains(key)) keys.emplace_back(key);
  }
  for (auto& row : rows) {
    std::string flags;
    for (const char* flag : {"noisy", "oversubscribed"}) {
      if (row.value(flag, false)) append(flags, flag, ',');
    }
    if (row.value("wall_check_failed", false)) append(flags, "wall-clock", ',');
    row["flags"] = flags;
  }
  keys.emplace_back("flags");
  write_table(rows, out, "  ", keys);
  if (record.contains("comparisons")) {
    for (const auto& c : record["comparisons"])
      out << "  " << c.value("text", "") << '\n';
  }
  if (record.contains("fit") && record["fit"].is_object()) write_fields("fit", record["fit"], out);
  if (record.value("baseline_cores", 1) != 1) {
    out << fmt::format(
        "  speedup and efficiency are relative to the first point ({} cores), whose efficiency is "
        "assumed to be 1\n",
        record.value("baseline_cores", 1));
  }
}

}  // namespace

void TableReporter::write(const Record& record, std::ostream& out) const {
  if (record.contains("study")) {
    write_study(record, out);
    if (record.contains("context")) {
      const Record& c = record["context"];
      out << fmt::format("context  parakit {} ({}, {}), {}, OpenMP {}, hosts {}, {}\n",
                         c.value("version", ""), c.value("git_commit", ""), c.value("build_type", ""),
                         c.value("mpi_library", ""), c.value("openmp_version", ""), c["hosts"].dump(),
                         c.value("timestamp_utc", ""));
    }
    return;
  }
  std::string header =
      fmt::format("parakit {}: {} rank{} x {} thread{}", record.value("kernel", "?"),
                  record.value("ranks", 0), record.value("ranks", 0) == 1 ? "" : "s",
                  record.value("threads_per_rank", 0), record.value("threads_per_rank", 0) == 1 ? "" : "s");
  static const char* kCommon[] = {"schema", "kernel", "ranks", "threads_per_rank"};
  for (const auto& [key, value] : record.items()) {
    if (key == "result") break;
    if (std::find(std::begin(kCommon), std::end(kCommon), key) != std::end(kCommon)) continue;
    header += fmt::format(", {} {}", key, value_text(key, value));
  }
  out << header << '\n';
  if (record.contains("result")) {
    const Record& result = record["result"];
    for (const char* rows : {"tasks", "threads"}) {
      if (result.contains(rows)) write_table(result[rows], out, "  ");
    }
    write_fields("result", result, out);
    for (const char* table : {"failed_tasks", "workers"}) {
      if (result.contains(table) && !result[table].empty()) write_table(result[table], out, "  ");
    }
    if (result.contains("histogram")) write_histogram(result["histogram"], out);
  }
  if (record.contains("reading")) write_fields("read", record["reading"], out);
  if (record.contains("machine")) write_fields("machine", record["machine"], out);
  if (record.contains("ceilings")) write_fields("ceilings", record["ceilings"], out);
  if (record.contains("timing")) write_fields("timing", record["timing"], out);
  if (record.contains("throughput_per_s")) {
    out << fmt::format("throughput  {:.4g} {}/s  ({:.4g} per core)\n",
                       record["throughput_per_s"].get<double>(), record.value("throughput_unit", "units"),
                       record["throughput_per_core_per_s"].get<double>());
  }
  if (record.contains("phases")) write_fields("phases (max over ranks)", record["phases"], out);
  if (record.contains("per_rank")) write_table(record["per_rank"], out, "");
  if (record.contains("context")) {
    const Record& c = record["context"];
    out << fmt::format("context  parakit {} ({}, {}), {}, MPI {} {}, OpenMP {}, {}\n", c.value("version", ""),
                       c.value("git_commit", ""), c.value("build_type", ""), c.value("mpi_library", ""),
                       c.value("mpi_version", ""), c.value("mpi_thread_level", ""),
                       c.value("openmp_version", ""), c.value("timestamp_utc", ""));
    if (c.contains("slurm")) out << "slurm    " << c["slurm"].dump() << '\n';
  }
}

void JsonReporter::write(const Record& record, std::ostream& out) const {
  out << record.dump() << '\n';
}

void CsvReporter::write(const Record& record, std::ostream& out) const {
  if (record.contains("rows") && record["rows"].is_array() && !record["rows"].empty()) {
    // A study's table: its rows, with exactly their own columns (what plotting scripts read).
    const Record& rows = record["rows"];
    std::string line;
    for (const auto& [key, _] : rows.front().items())
      append(line, csv_cell(key), ',');
    out << line << '\n';
    for (const auto& row : rows) {
      line.clear();
      bool first = true;
      for (const auto& [key, _] : rows.front().items()) {
        if (!first) line += ',';
        first = false;
        line += row.contains(key) ? csv_cell(row[key]) : std::string();
      }
      out << line << '\n';
    }
    return;
  }
  std::vector<std::pair<std::string, Record>> common;
  flatten(record, "", common);
  const Record* tasks = nullptr;
  for (const char* rows : {"tasks", "threads"}) {
    if (tasks == nullptr && record.contains("result") && record["result"].contains(rows))
      tasks = &record["result"][rows];
  }
  std::vector<std::string> task_keys;
  if (tasks != nullptr && !tasks->empty()) {
    for (const auto& [key, _] : tasks->front().items())
      task_keys.push_back(key);
  }
  std::vector<std::string> header;
  for (const auto& key : task_keys)
    header.push_back("task." + key);
  for (const auto& [key, _] : common)
    header.push_back(key);
  const auto write_line = [&out](const std::vector<std::string>& cells) {
    for (std::size_t c = 0; c < cells.size(); ++c)
      out << (c == 0 ? "" : ",") << cells[c];
    out << '\n';
  };
  write_line(header);
  const auto write_row = [&](const Record* task) {
    std::vector<std::string> cells;
    for (const auto& key : task_keys)
      cells.push_back(csv_cell((*task)[key]));
    for (const auto& [_, value] : common)
      cells.push_back(csv_cell(value));
    write_line(cells);
  };
  if (task_keys.empty()) {
    write_row(nullptr);
  } else {
    for (const auto& task : *tasks)
      write_row(&task);
  }
}

std::unique_ptr<Reporter> make_reporter(Format format) {
  switch (format) {
    case Format::kJson:
      return std::make_unique<JsonReporter>();
    case Format::kCsv:
      return std::make_unique<CsvReporter>();
    case Format::kText:
      break;
  }
  return std::make_unique<TableReporter>();
}

namespace {

constexpr const char* kAcceptedOutput = " (accepted: a file path in a writable directory)";

// An existing output that is neither a regular file nor a directory (/dev/null, /dev/stdout, a FIFO)
// is written in place: there is nothing to replace atomically, and renaming onto it would replace the
// device node itself.
bool is_special(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

}  // namespace

void check_writable(const std::string& given, std::string_view option) {
  const std::string o(option);
  const std::string path = sys::follow_file_link(given);
  if (std::filesystem::is_directory(path)) {
    throw UsageError(o + ": '" + given + "' is a directory" + kAcceptedOutput);
  }
  if (is_special(path)) {
    if (::access(path.c_str(), W_OK) != 0) {
      throw UsageError(o + ": cannot write '" + given + "': " + std::strerror(errno) + kAcceptedOutput);
    }
    return;
  }
  // The file is replaced by a rename, which the directory's permissions allow even for a read-only
  // file (and root may write anything): refuse a file without write permission bits, as a user who
  // protected it expects.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 0222) == 0) {
    throw UsageError(o + ": '" + given + "' is read-only" + kAcceptedOutput);
  }
  std::string name = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(name.data());
  if (fd < 0)
    throw UsageError(o + ": cannot write '" + given + "': " + std::strerror(errno) + kAcceptedOutput);
  ::close(fd);
  std::remove(name.c_str());
}

void write_file_atomically(const std::string& given, std::string_view content, std::string_view option) {
  const std::string path = sys::follow_file_link(given);
  const auto fail = [&given, option](int error) {
    throw Error(std::string(option) + ": cannot write '" + given + "': " + std::strerror(error));
  };
  if (is_special(path)) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail(errno);
    const int error = sys::write_all(fd, content);
    ::close(fd);
    if (error != 0) fail(error);
    return;
  }
  // The new file keeps an existing file's permissions; a new one gets the usual 0666 less the umask
  // (mkstemp creates 0600).
  mode_t mode = 0;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0666 & ~mask;
  }
  std::string name = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(name.data());
  if (fd < 0) fail(errno);
  int error = sys::write_all(fd, content);
  if (error == 0 && ::fchmod(fd, mode) != 0) error = errno;
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && std::rename(name.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    std::remove(name.c_str());
    fail(error);
  }
}

}  // namespace parakit::report
