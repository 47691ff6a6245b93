#include "parakit/study/run_records.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/report/quote.hpp"
#include "parakit/report/record.hpp"
#include "parakit/study/program.hpp"

namespace parakit::study {
namespace {

namespace fs = std::filesystem;

// The *.json files in @p dir, by name.
std::vector<fs::path> json_files(const std::string& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error))
    throw UsageError("--records: '" + dir + "' is not a directory (accepted: a directory of run records)");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, error))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  if (error) throw UsageError("--records: cannot list '" + dir + "': " + error.message());
  std::sort(files.begin(), files.end());
  if (files.empty())
    throw UsageError("--records: no *.json in '" + dir +
                     "' (accepted: run records written with --format json)");
  return files;
}

int cores(const nlohmann::json& record) {
  return record.value("ranks", 0) * record.value("threads_per_rank", 0);
}

}  // namespace

std::vector<nlohmann::json> read_run_records(const std::string& dir, const StudyKernel& kernel) {
  std::vector<nlohmann::json> records;
  for (const auto& file : json_files(dir)) {
    std::ifstream in(file);
    nlohmann::json record = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    // A study's own record beside its points (the collector's output): not a point.
    if (record.is_object() && (record.value("schema", "") == "parakit.scale/1" ||
                               record.value("schema", "") == "parakit.compare/1"))
      continue;
    if (!is_run_record(record)) {
      throw UsageError("--records: " + file.string() +
                       " is not a parakit run record (accepted: the JSON of a run with --format json)");
    }
    if (record.value("kernel", "") != kernel.name) {
      throw UsageError(fmt::format("--records: {} is a run of {}, not {}", file.string(),
                                   record.value("kernel", "?"), kernel.name));
    }
    records.push_back(std::move(record));
  }
  if (records.empty())
    throw UsageError("--records: no run records in '" + dir +
                     "' (accepted: runs written with --json or --format json)");
  if (kernel.name == program_kernel().name) {
    // One program study: the same binary, command, way of timing and check of results in every point.
    const auto same = [](const nlohmann::json& a, const nlohmann::json& b) {
      const auto part = [](const nlohmann::json& r) {
        const nlohmann::json program = r.value("program", nlohmann::json::object());
        return nlohmann::json{program.value("sha256", nlohmann::json()),
                              program.value("command", nlohmann::json()),
                              r.value("timing", nlohmann::json::object()).value("source", ""),
                              r.value("result_check", nlohmann::json())};
      };
      return part(a) == part(b);
    };
    for (std::size_t i = 1; i < records.size(); ++i) {
      if (!same(records[0], records[i])) {
        throw UsageError(fmt::format(
            "--records: the points in '{}' come from different program studies (their programs, checksums, "
            "time sources or result checks differ; accepted: the points of one study)",
            dir));
      }
    }
  }
  std::stable_sort(records.begin(), records.end(),
                   [](const nlohmann::json& a, const nlohmann::json& b) { return cores(a) < cores(b); });
  for (std::size_t i = 1; i < records.size(); ++i) {
    if (cores(records[i]) == cores(records[i - 1])) {
      throw UsageError(
          fmt::format("--records: two records in '{}' ran on {} cores (accepted: one per core count)", dir,
                      cores(records[i])));
    }
  }
  return records;
}

bool is_run_record(const nlohmann::json& r) {
  if (!r.is_object() || r.value("schema", "") != report::kSchema) return false;
  for (const char* key : {"timing", "phases", "context"})
    if (!r.contains(key) || !r[key].is_object()) return false;
  if (!r.contains("per_rank") || !r["per_rank"].is_array() || !r["context"].contains("hosts") ||
      !r["context"]["hosts"].is_array() || !r.contains("ranks") || !r["ranks"].is_number_integer() ||
      !r.contains("threads_per_rank") || !r["threads_per_rank"].is_number_integer())
    return false;
  for (const auto& host : r["context"]["hosts"])
    if (!host.is_string()) return false;
  for (const auto& rank : r["per_rank"])
    if (!rank.is_object()) return false;
  if (r.contains("warnings") &&
      (!r["warnings"].is_array() || !std::all_of(r["warnings"].begin(), r["warnings"].end(),
                                                 [](const nlohmann::json& w) { return w.is_string(); })))
    return false;
  const nlohmann::json& timing = r["timing"];
  if (!timing.contains("times_s") || !timing["times_s"].is_array() || timing["times_s"].empty()) return false;
  return std::all_of(timing["times_s"].begin(), timing["times_s"].end(), [](const nlohmann::json& t) {
    return t.is_number() && std::isfinite(t.get<double>()) && t.get<double>() >= 0.0;
  });
}

const StudyKernel& records_kernel(const std::string& dir) {
  for (const auto& file : json_files(dir)) {
    std::ifstream in(file);
    const nlohmann::json record = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!record.is_object() || record.value("schema", "") != "parakit.run/1") continue;
    const std::string name = record.value("kernel", "");
    if (name == program_kernel().name) return program_kernel();
    if (const StudyKernel* kernel = find_kernel(name)) return *kernel;
    throw UsageError("--records: " + file.string() + " is a run of " + report::quoted(name) +
                     ", which no study runs (accepted: " + kernel_names() + ", or a program's points)");
  }
  throw UsageError("--records: no run records in '" + dir +
                   "' (accepted: runs written with --json or --format json)");
}

std::string records_mode(const std::vector<Point>& points) {
  const bool processes =
      std::all_of(points.begin(), points.end(), [](const auto& p) { return p.layout.threads == 1; });
  const bool threads =
      std::all_of(points.begin(), points.end(), [](const auto& p) { return p.layout.ranks == 1; });
  return processes ? "processes" : threads ? "threads" : "hybrid";
}

}  // namespace parakit::study
