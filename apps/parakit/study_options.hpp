#pragma once
// The options `parakit compare` and `parakit scale` share: parsing `KERNEL [kernel options] [study
// options]` into study::Settings and the output options, and printing the study's record.

#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "parakit/report/reporter.hpp"
#include "parakit/study/settings.hpp"

namespace parakit::cli {

/// The settings of a study and where its record goes.
struct StudyOptions {
  study::Settings settings;                       ///< what every run shares
  report::Format format = report::Format::kText;  ///< --format
  std::string output;                             ///< --output (empty: stdout)
  std::string json;                               ///< --json (empty: none)
  std::string csv;                                ///< --csv (empty: none)
  std::string plot;                               ///< --plot: compare's PNG, scale's PREFIX (empty: none)
  bool progress = false;                          ///< a progress line on stderr (a terminal)
};

/// Adds the options every study has (--repeat, --warmup, --launcher, --fast-launch, --timeout, --format,
/// --output, --json, --csv, --help) to @p options.
void add_study_options(boost::program_options::options_description& options);

/// The int option @p name of @p values. Throws UsageError when it is outside [minimum, maximum].
int bounded(const boost::program_options::variables_map& values, const char* name, int minimum, int maximum);

/// Parses `KERNEL [kernel options] [study options]` of @p command into @p values and @p o: the options
/// in @p options are the study's, every other one is the kernel's. Detects the launcher; draws progress on
/// stderr when it is a terminal. Returns false after printing help. Throws UsageError for anything wrong.
bool parse_study(const std::vector<std::string>& args, const std::string& command, const std::string& usage,
                 const boost::program_options::options_description& options,
                 boost::program_options::variables_map& values, StudyOptions& o);

/// Fills in the program's identity (study::program_identity: checksums, `PROGRAM --version`) once every
/// option has been checked: it runs the program, which bad input must never do.
void identify_program(StudyOptions& o);

/// Prints @p record as --format and --output ask, and into the --json and --csv files when given.
void print_study(const report::Record& record, const StudyOptions& o);

}  // namespace parakit::cli
