#pragma once
// Options every kernel command shares, and the one way a command prints its record.

#include <cstdint>
#include <string>
#include <vector>

#include <boost/mpi/communicator.hpp>
#include <boost/program_options.hpp>

#include "parakit/mpi/run.hpp"
#include "parakit/report/reporter.hpp"

namespace parakit::cli {

struct CommonOptions {
  std::uint64_t seed = 0;
  int threads = 0;
  int repeat = 1;
  int warmup = 0;
  report::Format format = report::Format::kText;
  std::string output;     // empty: stdout
  std::string json;       // also the record as JSON into this file (empty: not)
  bool progress = false;  // draw a progress bar on stderr (rank 0)
};

/// Which common options a command offers, and the defaults it wants: those of a benchmark (pi) by default.
struct CommonChoices {
  bool repeats = true;        // --repeat, --warmup, --progress
  bool seed = true;           // --seed
  bool report_output = true;  // --output FILE for the report; false where the command's own --output is
                              // something else (heat: the final field), the report then goes to stdout
  int repeat = 5;             // --repeat's default
  int warmup = 1;             // --warmup's default
};

/// Adds --threads, --format, --json, and what @p choices offer (--output, --seed, --repeat, --warmup,
/// --progress) to @p options.
void add_common_options(boost::program_options::options_description& options, const CommonChoices& choices);

/// Adds --threads, --format, --output, --json, --seed unless @p seed is false, and, when @p repeats,
/// --repeat, --warmup, --progress to @p options.
void add_common_options(boost::program_options::options_description& options, bool repeats = true,
                        bool seed = true);

/// Parses @p args against @p options; returns false (after printing help on rank 0) for --help.
/// Throws UsageError for anything wrong (a word that is not an option or an expected @p positional
/// included), on every rank alike.
bool parse_args(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
                const std::string& command, const std::string& usage,
                const boost::program_options::options_description& options,
                boost::program_options::variables_map& values,
                const boost::program_options::positional_options_description* positional = nullptr);

/// Validates the common options (repeat 1 and warmup 0 when they were not offered); checks on rank 0 that
/// --output (unless @p report_output is false: the command's own option then) and --json can be written
/// (collective).
CommonOptions read_common_options(const boost::mpi::communicator& comm,
                                  const boost::program_options::variables_map& values,
                                  bool report_output = true);

/// The run options for mpi::run, with a progress bar on rank 0 when --progress asks for one.
mpi::RunOptions run_options(const boost::mpi::communicator& comm, const CommonOptions& common);

/// @brief Prints @p record in @p format to stdout, or whole into @p output when not empty; its warnings
/// go to stderr, one line each. No MPI: the studies use it too.
void print_record(const report::Record& record, report::Format format, const std::string& output);

/// print_record on rank 0, with the common options' format and --output.
void emit(const boost::mpi::communicator& comm, const report::Record& record, const CommonOptions& common);

/// The launch context of the record (command line, MPI library).
report::Context launch_context(const std::vector<std::string>& argv);

}  // namespace parakit::cli
