#pragma once
/// @file
/// @brief Run records and the three ways to print them (text table, JSON, CSV): the format flag and
/// make_reporter. Includes every part of the report layer a command needs, so that one include does.
///
/// A command builds one Record: the kernel's own fields (`kernel`, its parameters, `result`) and the
/// common run report (add_run_report: timing, throughput, phases, per_rank, context). Reporters only
/// format; they never compute.

#include <memory>
#include <string_view>

#include "parakit/report/csv_reporter.hpp"
#include "parakit/report/json_reporter.hpp"
#include "parakit/report/output_file.hpp"
#include "parakit/report/record.hpp"
#include "parakit/report/run_report.hpp"
#include "parakit/report/run_stats.hpp"
#include "parakit/report/table_reporter.hpp"

namespace parakit::report {

/// @brief Output format of --format.
enum class Format { kText, kJson, kCsv };

/// @brief Parses "text", "json" or "csv". @throws parakit::UsageError otherwise.
Format parse_format(std::string_view name);

/// @brief The reporter for @p format: TableReporter, JsonReporter or CsvReporter.
std::unique_ptr<Reporter> make_reporter(Format format);

}  // namespace parakit::report
