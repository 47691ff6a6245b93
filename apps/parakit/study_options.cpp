#include "study_options.hpp"

#include <algorithm>
#include <iostream>
#include <optional>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/exec/process.hpp"
#include "parakit/parse.hpp"
#include "parakit/report/output_file.hpp"
#include "parakit/report/quote.hpp"
#include "parakit/study/kernel.hpp"
#include "parakit/study/launch.hpp"
#include "parakit/study/program.hpp"
#include "parakit/study/program_run.hpp"
#include "parakit/study/record.hpp"
#include "parakit/study/work.hpp"
#include "parakit/sys.hpp"

#include "common_options.hpp"

namespace po = boost::program_options;

namespace parakit::cli {
namespace {

// Parses @p words as this study's own options only (a program study, or records without a kernel).
void parse_own_options(const std::vector<std::string>& words, const po::options_description& options,
                       po::variables_map& values, const std::string& command) {
  try {
    po::store(po::command_line_parser(words)
                  .options(options)
                  .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
                  .run(),
              values);
    if (values.count("help") == 0) po::notify(values);
  } catch (const po::error& e) {
    throw UsageError(parakit::escaped(e.what()) + " (see '" + command + " --help')");
  }
}

// Splits `KERNEL [kernel options] [study options]`: the options this study knows are its own, every
// other one is the kernel's. `[study options] -- PROGRAM ARGS` studies a program; `[study options]` alone
// (scale --records) leaves the kernel to the records. Returns false after printing help.
bool parse_kernel_and_options(const std::vector<std::string>& args, const std::string& usage,
                              const po::options_description& options, po::variables_map& values,
                              StudyOptions& o) {
  const std::string& command = o.settings.command;
  const auto dash = std::find(args.begin(), args.end(), "--");
  if (dash != args.end() ||
      (!args.empty() && args.front().starts_with('-') && args.front() != "--help" && args.front() != "-h")) {
    for (auto word = args.begin(); word != dash; ++word) {
      if (!word->starts_with('-') && (word == args.begin() || !std::prev(word)->starts_with("--"))) {
        // A word that is not an option's value before `--`: a kernel as well as a program.
        if (study::find_kernel(*word) != nullptr && dash != args.end()) {
          throw UsageError(report::quoted(*word) +
                           " and -- PROGRAM: a study runs a kernel or a program, not both "
                           "(accepted: " +
                           command + " KERNEL [options], or " + command + " [options] -- PROGRAM ARGS)");
        }
      }
    }
    parse_own_options({args.begin(), dash}, options, values, command);
    if (values.count("help") != 0) {
      std::cout << usage << "\n\n" << options << std::flush;
      return false;
    }
    if (dash != args.end()) {
      o.settings.kernel = &study::program_kernel();
      study::ProgramSpec spec;
      spec.argv.assign(dash + 1, args.end());
      o.settings.program = std::move(spec);
    }
    return true;
  }
  if (args.empty() || args.front() == "--help" || args.front() == "-h") {
    if (args.empty())
      throw UsageError("no kernel given (accepted: " + study::kernel_names() + ", or -- PROGRAM ARGS; see '" +
                       command + " --help')");
    std::cout << usage << "\n\n" << options << std::flush;
    return false;
  }
  o.settings.kernel = study::find_kernel(args.front());
  if (o.settings.kernel == nullptr) {
    throw UsageError("unknown kernel " + report::quoted(args.front()) +
                     " (accepted: " + study::kernel_names() + ", or -- PROGRAM ARGS to study a program)");
  }
  try {
    const po::parsed_options parsed =
        po::command_line_parser(std::vector<std::string>(args.begin() + 1, args.end()))
            .options(options)
            .allow_unregistered()
            // --sam must not become --samples here and stay --sam for the kernel's work option.
            .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
            .run();
    o.settings.kernel_options = po::collect_unrecognized(parsed.options, po::include_positional);
    po::store(parsed, values);
    if (values.count("help") != 0) {
      std::cout << usage << "\n\n" << options << std::flush;
      return false;
    }
    po::notify(values);
  } catch (const po::error& e) {
    throw UsageError(parakit::escaped(e.what()) + " (see '" + command + " --help')");
  }
  return true;
}

// The program study's own options into @p spec (which holds the command); refused for a kernel.
void parse_program_options(const po::variables_map& values, std::optional<study::ProgramSpec>& program) {
  static constexpr const char* kProgramOnly[] = {"time-regex", "same-output", "result-regex", "rtol",
                                                 "work",       "unit",        "mpi"};
  if (!program) {
    for (const char* name : kProgramOnly) {
      if (values.count(name) != 0 && !values[name].defaulted()) {
        throw UsageError(fmt::format(
            "--{}: only a study of a program takes it (accepted: {} -- PROGRAM ARGS)", name, "[options]"));
      }
    }
    return;
  }
  study::ProgramSpec& spec = *program;
  if (!spec.argv.empty()) spec.path = exec::resolve_executable(spec.argv.front());
  if (values.count("work") != 0)
    spec.work = parse_count(values["work"].as<std::string>(), "--work", study::kMaxWork);
  if (values.count("unit") != 0) {
    spec.unit = values["unit"].as<std::string>();
    if (spec.unit.empty() || spec.unit.find_first_of(" \t\n\r,\"") != std::string::npos)
      throw UsageError("--unit: " + report::quoted(spec.unit) +
                       " is not a unit (accepted: one word, e.g. cells)");
  }
  if (values.count("time-regex") != 0) spec.time_regex = values["time-regex"].as<std::string>();
  if (values.count("time-regex") != 0 && spec.time_regex.empty())
    throw UsageError("--time-regex: empty (accepted: a regular expression, e.g. 'time_s ([0-9.eE+-]+)')");
  if (values.count("result-regex") != 0) spec.result_regex = values["result-regex"].as<std::string>();
  if (values.count("result-regex") != 0 && spec.result_regex.empty())
    throw UsageError("--result-regex: empty (accepted: a regular expression, e.g. 'pi ([0-9.eE+-]+)')");
  spec.same_output = values.count("same-output") != 0;
  spec.rtol = values["rtol"].as<double>();
  if (!values["rtol"].defaulted() && spec.result_regex.empty())
    throw UsageError(
        "--rtol: it is the tolerance of --result-regex, which is not given (accepted: "
        "--result-regex REGEX --rtol X)");
  study::check_program(spec);
  const std::string mpi = values["mpi"].as<std::string>();
  if (mpi == "auto") {
    spec.mpi = study::guess_mpi(spec.path, spec.argv);
  } else if (mpi == "yes" || mpi == "no") {
    spec.mpi = {mpi == "yes", "--mpi " + mpi};
  } else {
    throw UsageError("--mpi: " + report::quoted(mpi) + " is not a choice (accepted: auto, yes, no)");
  }
}

}  // namespace

void add_study_options(po::options_description& options) {
  // clang-format off
  options.add_options()
    ("repeat", po::value<int>()->default_value(5), "timed runs per layout (2 to 1000): inside one launch for a "
     "kernel or a program that writes its run record, else one launch each")
    ("warmup", po::value<int>()->default_value(1), "untimed runs before them (0 to 1000)")
    ("launcher", po::value<std::string>()->default_value("auto"),
     "auto (srun inside a Slurm allocation, else mpirun), mpirun or srun")
    ("fast-launch", po::value<std::string>()->default_value("auto"),
     "auto: on one host, Open MPI's shared-memory transport only (a faster start); off")
    ("timeout", po::value<double>()->default_value(0.0), "seconds a launch may run, 0: no limit")
    ("work", po::value<std::string>(), "program studies: N, what {work} in the command becomes on one core "
     "(weak scaling: N x cores)")
    ("unit", po::value<std::string>(), "program studies: the unit of --work in the table (default: work)")
    ("time-regex", po::value<std::string>(), "program studies: take each run's time from its output, e.g. "
     "'time_s ([0-9.eE+-]+)' (the last match; default: each launch timed from outside)")
    ("same-output", "program studies: every layout must print the same standard output (the --time-regex "
     "matches masked); else exit 3")
    ("result-regex", po::value<std::string>(), "program studies: the result is the number this matches "
     "(last match); every layout must agree within --rtol, else exit 3")
    ("rtol", po::value<double>()->default_value(1e-9), "program studies: relative tolerance of --result-regex")
    ("mpi", po::value<std::string>()->default_value("auto"), "program studies: is it an MPI program? auto "
     "(from its binary or script), yes, no (then one process, threads only)")
    ("format", po::value<std::string>()->default_value("text"), "text, json or csv")
    ("output", po::value<std::string>(), "write the table to FILE (whole or not at all) instead of stdout")
    ("json", po::value<std::string>(), "also write the record as JSON into FILE")
    ("csv", po::value<std::string>(), "also write the table as CSV into FILE (what the plotting scripts read)")
    ("help,h", "show this help");
  // clang-format on
}

int bounded(const po::variables_map& values, const char* name, int minimum, int maximum) {
  const int v = values[name].as<int>();
  if (v < minimum || v > maximum) {
    throw UsageError(fmt::format("--{}: {} is out of range (accepted: a whole number from {} to {})", name, v,
                                 minimum, maximum));
  }
  return v;
}

// Parses the study's arguments into @p o (see parse_kernel_and_options). Returns false after printing help.
bool parse_study(const std::vector<std::string>& args, const std::string& command, const std::string& usage,
                 const po::options_description& options, po::variables_map& values, StudyOptions& o) {
  o.settings.command = command;
  if (!parse_kernel_and_options(args, usage, options, values, o)) return false;
  parse_program_options(values, o.settings.program);
  if (o.settings.kernel == nullptr && values.count("records") == 0) {
    throw UsageError("no kernel given (accepted: " + study::kernel_names() +
                     ", or -- PROGRAM ARGS to study a program; see '" + command + " --help')");
  }
  for (const std::string& word : o.settings.kernel_options) {
    const std::string name = word.substr(0, word.find('='));
    if (name == "--threads" || name == "--progress") {
      throw UsageError(name + ": " + command + " sets it for every run" +
                       (name == "--threads" ? " (give --cores instead)" : ""));
    }
  }
  o.settings.repeat = bounded(values, "repeat", 2, 1000);
  o.settings.warmup = bounded(values, "warmup", 0, 1000);
  o.settings.timeout_s = values["timeout"].as<double>();
  if (!(o.settings.timeout_s >= 0.0 && o.settings.timeout_s <= 1e7)) {
    throw UsageError(
        fmt::format("--timeout: {} is out of range (accepted: 0 for no limit, or seconds up to 1e7)",
                    o.settings.timeout_s));
  }
  o.format = report::parse_format(values["format"].as<std::string>());
  if (values.count("output") != 0) {
    o.output = values["output"].as<std::string>();
    report::check_writable(o.output);
  }
  for (const auto& [name, path] : {std::pair{"json", &o.json}, std::pair{"csv", &o.csv}}) {
    if (values.count(name) == 0) continue;
    *path = values[name].as<std::string>();
    report::check_writable(*path, std::string("--") + name);
  }
  report::check_distinct_files({{"--output", o.output}, {"--json", o.json}, {"--csv", o.csv}});
  const bool mpi = !o.settings.program || o.settings.program->mpi.mpi;
  o.settings.launch = study::detect_launch(values["launcher"].as<std::string>(),
                                           values["fast-launch"].as<std::string>(), mpi);
  if (o.settings.program && values.count("records") == 0) {
    study::LaunchSettings& launch = o.settings.launch;
    if (!launch.mpi) {
      launch.description = fmt::format(
          "{} on {} core{} (not an MPI program: {})",
          launch.launcher == study::Launcher::kSrun ? "srun -n 1" : "one process, no launcher",
          launch.available_cores, launch.available_cores == 1 ? "" : "s", o.settings.program->mpi.reason);
    }
  }
  o.progress = sys::is_terminal(2);
  if (o.progress) {
    o.settings.progress = [command](std::string_view what) {
      std::cerr << "\r\033[K" << command << ": " << what << std::flush;
    };
  }
  return true;
}

void identify_program(StudyOptions& o) {
  if (o.settings.program) o.settings.program->identity = study::program_identity(*o.settings.program);
}

void print_study(const report::Record& record, const StudyOptions& o) {
  if (o.progress) std::cerr << "\r\033[K" << std::flush;
  print_record(record, o.format, o.output);
  if (!o.json.empty()) report::write_file_atomically(o.json, record.dump() + "\n", "--json");
  if (!o.csv.empty()) report::write_file_atomically(o.csv, study::rows_csv(record), "--csv");
}
}  // namespace parakit::cli
