#include "parakit/mpi/study_record.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>

#include "parakit/error.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/environment.hpp"
#include "parakit/mpi/transports.hpp"
#include "parakit/parse.hpp"
#include "parakit/report/output_file.hpp"
#include "parakit/report/run_report.hpp"

namespace parakit::mpi {
namespace {

// The variable's value, or nullopt when it is unset or empty.
std::optional<std::string> variable(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// A run count from the environment, minimum..kMaxRuns (minimum 0 or 1), or @p fallback when unset.
int runs_from(std::string_view name, int minimum, int fallback) {
  const auto text = variable(name);
  if (!text) return fallback;
  if (minimum == 0 && *text == "0") return 0;  // parse_count reads counts, which start at 1
  try {
    return static_cast<int>(parse_count(*text, name, static_cast<std::uint64_t>(kMaxRuns)));
  } catch (const UsageError&) {
    // parse_count's message speaks of options and lists; this one says where the value came from.
    throw UsageError(std::string(name) + " in the environment: '" + *text + "' is not a whole number from " +
                     std::to_string(minimum) + " to " + std::to_string(kMaxRuns));
  }
}

// The names a record already uses, which the work's unit must not overwrite.
constexpr std::array<std::string_view, 13> kRecordFields = {"schema",
                                                            "kernel",
                                                            "ranks",
                                                            "threads_per_rank",
                                                            "result",
                                                            "timing",
                                                            "phases",
                                                            "per_rank",
                                                            "throughput_per_s",
                                                            "throughput_unit",
                                                            "throughput_per_core_per_s",
                                                            "warnings",
                                                            "context"};

report::Record study_record(std::string_view kernel, const report::RunStats& stats, double work,
                            std::string_view unit, const report::Record& result,
                            const std::vector<std::string>& argv) {
  if (unit.empty() || std::find(kRecordFields.begin(), kRecordFields.end(), unit) != kRecordFields.end()) {
    throw Error("write_study_record: the unit '" + std::string(unit) +
                "' is empty or a field the record already has");
  }
  report::Record record = {{"schema", report::kSchema},
                           {"kernel", kernel},
                           {"ranks", stats.ranks},
                           {"threads_per_rank", stats.threads_per_rank}};
  record[std::string(unit)] = work;
  record["result"] = result;
  const report::Context context{argv, mpi_library_version(), mpi_standard_version(), mpi_thread_level(),
                                chosen_transports().describe()};
  report::add_run_report(record, stats, work, unit, context);
  return record;
}

}  // namespace

RunOptions study_run_options(RunOptions options) {
  options.repeat = runs_from(kRepeatVariable, 1, options.repeat);
  options.warmup = runs_from(kWarmupVariable, 0, options.warmup);
  return options;
}

void write_study_record(const boost::mpi::communicator& comm, std::string_view kernel,
                        const report::RunStats& stats, double work, std::string_view unit,
                        const report::Record& result, const std::vector<std::string>& argv) {
  // Only rank 0 writes, but a rank 0 that failed alone would return 1 while the others finalise, or
  // abort the job; agreeing first lets every rank throw the same AgreedError and exit 1 cleanly.
  std::optional<Failure> mine;
  if (comm.rank() == 0) {
    try {
      if (const auto path = variable(kRecordVariable)) {
        const report::Record record = study_record(kernel, stats, work, unit, result, argv);
        report::write_file_atomically(*path, record.dump() + "\n", kRecordVariable);
      }
    } catch (const std::exception& e) {
      mine = Failure{.usage = false, .message = e.what()};
    }
  }
  if (const auto failure = agree_on_failure(comm, mine)) throw AgreedError(failure->message);
}

}  // namespace parakit::mpi
