#include "parakit/report/table_reporter.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "parakit/quote.hpp"
#include "parakit/report/heat_record.hpp"

#include "append.hpp"

namespace parakit::report {
namespace {

std::string seconds_text(double s) {
  if (s >= 1.0) return fmt::format("{:.3f} s", s);
  if (s >= 1e-3) return fmt::format("{:.3f} ms", s * 1e3);
  if (s >= 1e-6) return fmt::format("{:.1f} us", s * 1e6);
  return fmt::format("{:.0f} ns", s * 1e9);
}

// A value as the table shows it; the key's name says its unit (ratios, _bytes, per_s, _s).
std::string value_text(const std::string& key, const Record& v) {
  if (v.is_null()) return "-";
  if (v.is_number_float() &&
      (key == "speedup" || key == "efficiency" || key == "karp_flatt" || key.ends_with("_share") ||
       key.ends_with("_error") || key == "r_squared" || key == "serial_fraction" || key == "p_value" ||
       key == "max_speedup" || key == "scaled_speedup_at_max" || key == "makespan_vs_bound"))
    return fmt::format("{:.3f}", v.get<double>());
  if (v.is_number() && key.ends_with("_bytes")) return fmt::format("{:.1f} MiB", v.get<double>() / (1 << 20));
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (key.ends_with("per_s")) return fmt::format("{:.4g}/s", d);
    if (key.ends_with("_s")) return seconds_text(d);
    return fmt::format("{:.10g}", d);
  }
  // Strings may come from the data (a CSV header's name): no control byte reaches the terminal raw.
  if (v.is_string()) return escaped(v.get<std::string>());
  return v.dump();
}

// An array of objects as right-aligned columns: @p keys, or the first row's keys.
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

// The scalars of an object on one line after its title.
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

// "parakit compare|scale [strong|weak] KERNEL [options] (mode M) on C cores", empty parts left out.
std::string study_header(const Record& record) {
  std::string header = fmt::format("parakit {} {}", record.value("study", "?"), record.value("scaling", ""));
  while (header.ends_with(' '))
    header.pop_back();
  if (record.contains("command")) {
    header += " -- " + record.value("command", "");
  } else {
    header += fmt::format(" {} {}", record.value("kernel", "?"), record.value("kernel_options", ""));
  }
  while (header.ends_with(' '))
    header.pop_back();
  if (record.contains("mode")) header += fmt::format(" (mode {})", record.value("mode", ""));
  if (record.contains("cores") && record["cores"].is_number()) {
    const int cores = record["cores"].get<int>();
    header += fmt::format(" on {} core{}", cores, cores == 1 ? "" : "s");
  }
  return header;
}

// The study's table: its main columns, those its rows have, and a `flags` column last.
void write_study_rows(const Record& record, std::ostream& out) {
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
      if (row.value(flag, false)) detail::append(flags, flag, ',');
    }
    if (row.value("wall_check_failed", false)) detail::append(flags, "wall-clock", ',');
    row["flags"] = flags;
  }
  keys.emplace_back("flags");
  write_table(rows, out, "  ", keys);
}

// A study (compare, scale): its setup in one line, the table's main columns, then what the numbers
// allow one to say: which layouts differ, the fit, the warnings' flags; its context last.
void write_study(const Record& record, std::ostream& out) {
  out << study_header(record) << '\n'
      << fmt::format("  {} repeats after {} warm-up run(s) per point; {}\n", record.value("repeat", 0),
                     record.value("warmup", 0), record.value("launcher", ""));
  if (record.contains("time_source")) {
    // A program's study: what ran, where each time comes from, whether results were compared.
    static const std::map<std::string, std::string> kSources = {
        {"launch", "one launch per repeat, timed from outside (launch cost included)"},
        {"regex", "one launch per repeat, the time read from its output (--time-regex)"},
        {"record", "the program's own repeats and phases (it wrote a parakit run record)"}};
    const Record program = record.value("program", Record::object());
    const auto source = kSources.find(record.value("time_source", ""));
    out << fmt::format("  program {} ({}, sha256 {}{}); times: {}; results: {}\n", program.value("path", "?"),
                       program.value("mpi", true) ? "MPI" : "not MPI: one process",
                       program.contains("sha256") && program["sha256"].is_string()
                           ? program["sha256"].get<std::string>().substr(0, 12)
                           : "?",
                       program.contains("version") && program["version"].is_string()
                           ? ", version " + program["version"].get<std::string>()
                           : "",
                       source != kSources.end() ? source->second : record.value("time_source", ""),
                       record.value("results_checked", "not checked"));
  }
  write_study_rows(record, out);
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
  if (record.contains("context")) {
    const Record& c = record["context"];
    out << fmt::format("context  parakit {} ({}, {}), {}, OpenMP {}, hosts {}, {}\n", c.value("version", ""),
                       c.value("git_commit", ""), c.value("build_type", ""), c.value("mpi_library", ""),
                       c.value("openmp_version", ""), c["hosts"].dump(), c.value("timestamp_utc", ""));
  }
}

// A task graph's figures, then its critical path as the chain of its tasks (at most 12 shown).
void write_graph(const Record& graph, std::ostream& out) {
  write_fields("graph", graph, out);
  if (!graph.contains("critical_path")) return;
  const Record& path = graph["critical_path"];
  std::string chain;
  const Record& tasks = path.value("tasks", Record::array());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (i == 6 && tasks.size() > 12) {
      chain += fmt::format(" -> ... ({} more)", tasks.size() - 12);
      i = tasks.size() - 6;
    }
    chain += (chain.empty() ? "" : " -> ") + parakit::quoted(tasks[i].get<std::string>());
  }
  out << fmt::format("critical_path  length_s {}  tasks {}  {}\n",
                     value_text("length_s", path.value("length_s", Record())), tasks.size(), chain);
}

// "parakit KERNEL: R ranks x T threads", then the record's own fields before `result`.
std::string run_header(const Record& record) {
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
  return header;
}

void write_result(const Record& result, std::ostream& out) {
  for (const char* rows : {"tasks", "threads"}) {
    if (result.contains(rows)) write_table(result[rows], out, "  ");
  }
  write_fields("result", result, out);
  if (result.contains("graph") && result["graph"].is_object()) write_graph(result["graph"], out);
  for (const char* table : {"failed_tasks", "workers"}) {
    if (result.contains(table) && !result[table].empty()) write_table(result[table], out, "  ");
  }
  if (result.contains("histogram")) write_histogram(result["histogram"], out);
}

// A kernel's run: header, result, what was measured, the ranks, the context.
void write_run(const Record& record, std::ostream& out) {
  out << run_header(record) << '\n';
  if (record.contains("result")) write_result(record["result"], out);
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
  if (record.contains("per_rank")) {
    // A kernel that measures more per rank splits it into tables of its own (heat: update vs exchange).
    const std::vector<Record> tables = heat_rank_tables(record);
    if (tables.empty()) write_table(record["per_rank"], out, "");
    for (const Record& table : tables)
      write_table(table, out, "");
  }
  if (record.contains("context")) {
    const Record& c = record["context"];
    out << fmt::format("context  parakit {} ({}, {}), {}, MPI {} {}, OpenMP {}, {}\n", c.value("version", ""),
                       c.value("git_commit", ""), c.value("build_type", ""), c.value("mpi_library", ""),
                       c.value("mpi_version", ""), c.value("mpi_thread_level", ""),
                       c.value("openmp_version", ""), c.value("timestamp_utc", ""));
    if (c.contains("slurm")) out << "slurm    " << c["slurm"].dump() << '\n';
  }
}

}  // namespace

void TableReporter::write(const Record& record, std::ostream& out) const {
  if (record.contains("study")) {
    write_study(record, out);
  } else {
    write_run(record, out);
  }
}

}  // namespace parakit::report
