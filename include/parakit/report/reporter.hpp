#pragma once
/// @file
/// @brief Run records and the three ways to print them (text table, JSON, CSV).
///
/// A command builds one Record: the kernel's own fields (`kernel`, its parameters, `result`) and the
/// common run report (make_run_report: timing, throughput, phases, per_rank, context). Reporters only
/// format; they never compute.

#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "parakit/report/run_stats.hpp"

namespace parakit::report {

/// @brief A run record: one JSON object whose key order is the print order.
using Record = nlohmann::ordered_json;

/// @brief Version of the record layout; bumped when a field changes meaning or disappears.
inline constexpr std::string_view kSchema = "parakit.run/1";

/// @brief Output format of --format.
enum class Format { kText, kJson, kCsv };

/// @brief Parses "text", "json" or "csv". @throws parakit::UsageError otherwise.
Format parse_format(std::string_view name);

/// @brief Facts about the launch that every record carries under `context`.
struct Context {
  std::vector<std::string> argv;  ///< the command line as given
  std::string mpi_library;        ///< the MPI library's version line
  std::string mpi_version;        ///< the MPI standard version
  std::string mpi_thread_level;   ///< the thread support granted
};

/// @brief Adds the common run report to @p record: `timing` (n, min, median, mean, stdev, max over
/// the repeats, in seconds), `throughput_per_s` (@p work_units / median time) and its per-core share,
/// `phases` (each phase's max over ranks, median over repeats, and the load imbalance), `per_rank`,
/// `warnings` (layout_warnings) and `context`. @p unit names the work unit, e.g. "samples".
void add_run_report(Record& record, const report::RunStats& stats, double work_units, std::string_view unit,
                    const Context& context);

/// @brief The record's `context`: command line, build, MPI, OpenMP, @p hosts, time.
Record context_record(const Context& context, const std::vector<std::string>& hosts);

/// @brief Warnings about the layout, one sentence each: every host where the ranks run more threads
/// than the CPUs they may use together (their timings then measure sharing, not scaling).
std::vector<std::string> layout_warnings(const report::RunStats& stats);

/// @brief Formats records. Implementations: TableReporter, JsonReporter, CsvReporter.
class Reporter {
 public:
  virtual ~Reporter() = default;
  /// @brief Writes @p record whole to @p out.
  virtual void write(const Record& record, std::ostream& out) const = 0;
};

/// @brief Human-readable tables: the result first, then timing, phases, ranks, context.
class TableReporter final : public Reporter {
 public:
  void write(const Record& record, std::ostream& out) const override;
};

/// @brief The record as one JSON object on one line; doubles at full precision.
class JsonReporter final : public Reporter {
 public:
  void write(const Record& record, std::ostream& out) const override;
};

/// @brief A study's record (one with `rows`: compare, scale): its rows, with exactly their columns.
/// Any other record: one header row, then one row per entry of `result.tasks` or `result.threads` (or one
/// row): every scalar field of the record as a column named by its dotted path (`timing.median_s`), the
/// task's own fields as `task.<name>`. Context columns repeat on every row.
class CsvReporter final : public Reporter {
 public:
  void write(const Record& record, std::ostream& out) const override;
};

/// @brief The reporter for @p format.
std::unique_ptr<Reporter> make_reporter(Format format);

/// @brief Writes @p content to @p path whole or not at all: a temporary file in the same directory,
/// then an atomic rename; an existing file keeps its old content if anything fails, and its
/// permissions otherwise. A symbolic link to a file is followed (the link stays); an existing device
/// or FIFO (`/dev/null`, `/dev/stdout`) is written in place.
/// @param option The option that named the file, for messages.
/// @throws parakit::Error naming the option, the path and the system's reason (a runtime failure: the run
/// itself was fine).
void write_file_atomically(const std::string& path, std::string_view content,
                           std::string_view option = "--output");

/// @brief Checks now that @p path can be written later (creates and removes a temporary file beside
/// it), so that a long run does not end in an unwritable output. @throws parakit::UsageError for a
/// directory, a missing or unwritable directory, or an existing file without write permission.
void check_writable(const std::string& path, std::string_view option = "--output");

}  // namespace parakit::report
