#pragma once
/// @file
/// @brief A scaling study from run records made elsewhere (`parakit scale ... --records DIR`, e.g. the
/// tasks of a Slurm job array): reading them, and what their layouts were. No processes.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parakit/study/kernel.hpp"
#include "parakit/study/table.hpp"

namespace parakit::study {

/// @brief The run records in @p dir: every `*.json` file, read in name order, one per point; a study's own
/// record among them (schema parakit.scale/1 or parakit.compare/1) is skipped. Sorted by cores (ranks x
/// threads_per_rank), stable.
/// @throws parakit::UsageError (messages start with "--records: ") when @p dir is not a directory or
/// cannot be listed, holds no *.json, a file is not a run record (schema parakit.run/1 with
/// timing.times_s), a record is a run of another kernel than @p kernel, no run record is left, or two
/// records ran on the same number of cores.
std::vector<nlohmann::json> read_run_records(const std::string& dir, const StudyKernel& kernel);

/// @brief Whether @p record is a parakit run record a study can read: schema parakit.run/1; `timing`,
/// `phases` and `context` objects; `timing.times_s` a non-empty array of finite times >= 0; integer
/// `ranks` and `threads_per_rank`; `per_rank` an array of objects; `context.hosts` an array of strings;
/// `warnings`, when present, strings.
bool is_run_record(const nlohmann::json& record);

/// @brief The kernel whose runs the records in @p dir are (the first run record's `kernel`): a study
/// kernel, or program_kernel() for the points of a program study.
/// @throws parakit::UsageError as read_run_records() for a directory without run records, or when the
/// kernel is not one a study can run.
const StudyKernel& records_kernel(const std::string& dir);

/// @brief What the points' layouts were: "processes" when every point has one thread per rank (p x 1),
/// else "threads" when every point has one rank (1 x p), else "hybrid".
std::string records_mode(const std::vector<Point>& points);

}  // namespace parakit::study
