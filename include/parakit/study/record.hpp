#pragma once
/// @file
/// @brief The parts of a study's own record (parakit.compare/1, parakit.scale/1) that come from its runs'
/// records: where every rank and thread ran, and the context; and the record's rows as CSV for the
/// plotting scripts. Pure: no processes.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parakit/report/record.hpp"
#include "parakit/study/table.hpp"

namespace parakit::study {

/// @brief Where each layout's ranks and threads ran, so that a study made under Slurm says the binding of
/// every rank x thread: an array with, per point that has a record, {layout: its label, per_rank: [{rank,
/// host, thread_cpus}]} (from the record's per_rank).
/// @param records The runs' own records; @p points the points made of them, in the same order.
report::Record bindings(const std::vector<nlohmann::json>& records, const std::vector<Point>& points);

/// @brief The study's context: its own command line @p argv, the MPI library, version and thread level
/// of the runs (the last record's), and every host any run used (first seen first).
report::Record study_context(const std::vector<std::string>& argv,
                             const std::vector<nlohmann::json>& records);

/// @brief @p record written by report::CsvReporter (its rows, one header row): what the plotting
/// scripts and --csv read.
std::string rows_csv(const report::Record& record);

}  // namespace parakit::study
