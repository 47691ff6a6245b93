#pragma once
/// @file
/// @brief How a program built on parakit reports its own runs to `parakit compare|scale ... -- ./app`:
/// the study sets three variables in the ranks' environment, the program takes its repeat counts from
/// them (study_run_options) and leaves one parakit.run/1 record where the study reads it
/// (write_study_record). A program started without them runs and prints as it always does.
///
/// - `PARAKIT_STUDY_RECORD=/abs/path/file.json`: rank 0 writes the record there, whole or not at all.
/// - `PARAKIT_STUDY_REPEAT=N`: timed runs, 1 to kMaxRuns.
/// - `PARAKIT_STUDY_WARMUP=M`: untimed runs before them, 0 to kMaxRuns.
///
/// A variable set to the empty string counts as unset. Every rank must see the same values: mpirun
/// passes its environment to the ranks on its own host; ranks on other hosts need `mpirun -x NAME`.

#include <string>
#include <string_view>
#include <vector>

#include <boost/mpi/communicator.hpp>

#include "parakit/mpi/repeat.hpp"
#include "parakit/report/record.hpp"
#include "parakit/report/run_stats.hpp"
#include "parakit/study/record_variables.hpp"

namespace parakit::mpi {

using study::kRecordVariable;
using study::kRepeatVariable;
using study::kWarmupVariable;

/// @brief @p options with repeat and warmup replaced by PARAKIT_STUDY_REPEAT and PARAKIT_STUDY_WARMUP
/// where those are set (digits or exact forms like 1e3, as parse_count reads them); the rest unchanged.
/// @throws parakit::UsageError for a value that is set but not accepted, one line naming the variable,
/// the value and the accepted range, e.g. "PARAKIT_STUDY_REPEAT in the environment: 'x' is not a
/// whole number from 1 to 1000000". Every rank throws alike when they see the same environment.
/// @note Not collective: it reads this process's environment only.
RunOptions study_run_options(RunOptions options);

/// @brief When PARAKIT_STUDY_RECORD is set (as rank 0 sees it), rank 0 writes one parakit.run/1 record
/// of the run to that file, whole or not at all (report::write_file_atomically), readable by the study
/// like the records of parakit's own kernels:
/// `{"schema", "kernel": kernel, "ranks", "threads_per_rank", <unit>: work, "result": result}` followed
/// by the common run report (report::add_run_report: timing with times_s, throughput, phases, per_rank,
/// warnings, context). When it is unset, nothing is written.
/// @param kernel  The program's name for its computation, e.g. "midpoint_pi".
/// @param stats   The run's measurements, as mpi::run or mpi::repeat return them (read on rank 0 only).
/// @param work    The work of one run, in @p unit (the throughput is work / median time).
/// @param unit    The work's unit and the record's field that holds it, e.g. "midpoints"; not a name the
///                record already uses ("ranks", "result", "timing", ...).
/// @param result  The program's answer, any JSON value (e.g. `{{"pi", 3.14159}}`).
/// @param argv    The command line, for the record's context.
/// @note Collective over @p comm: every rank calls it, even when only rank 0 sees the variable.
/// @throws parakit::AgreedError on every rank together when rank 0 could not build or write the record
/// (the message names the variable, the path and the reason), so no rank is left waiting.
void write_study_record(const boost::mpi::communicator& comm, std::string_view kernel,
                        const report::RunStats& stats, double work, std::string_view unit,
                        const report::Record& result, const std::vector<std::string>& argv);

}  // namespace parakit::mpi
