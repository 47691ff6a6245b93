#include "study_options.hpp"

#include <iostream>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/study/kernel.hpp"
#include "parakit/study/launch.hpp"
#include "parakit/study/record.hpp"
#include "parakit/sys.hpp"

#include "common_options.hpp"

namespace po = boost::program_options;

namespace parakit::cli {
namespace {

// Splits `KERNEL [kernel options] [study options]`: the options this study knows are its own, every
// other one is the kernel's. Returns false after printing help.
bool parse_kernel_and_options(const std::vector<std::string>& args, const std::string& usage,
                              const po::options_description& options, po::variables_map& values,
                              StudyOptions& o) {
  const std::string& command = o.settings.command;
  if (args.empty() || args.front() == "--help" || args.front() == "-h") {
    if (args.empty())
      throw UsageError("no kernel given (accepted: " + study::kernel_names() + "; see '" + command +
                       " --help')");
    std::cout << usage << "\n\n" << options << std::flush;
    return false;
  }
  o.settings.kernel = study::find_kernel(args.front());
  if (o.settings.kernel == nullptr) {
    throw UsageError("unknown kernel '" + args.front() + "' (accepted: " + study::kernel_names() + ")");
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
    throw UsageError(std::string(e.what()) + " (see '" + command + " --help')");
  }
  return true;
}

}  // namespace

void add_study_options(po::options_description& options) {
  // clang-format off
  options.add_options()
    ("repeat", po::value<int>()->default_value(5), "timed runs per layout, inside one launch (2 to 1000)")
    ("warmup", po::value<int>()->default_value(1), "untimed runs before them (0 to 1000)")
    ("launcher", po::value<std::string>()->default_value("auto"),
     "auto (srun inside a Slurm allocation, else mpirun), mpirun or srun")
    ("fast-launch", po::value<std::string>()->default_value("auto"),
     "auto: on one host, Open MPI's shared-memory transport only (a faster start); off")
    ("timeout", po::value<double>()->default_value(0.0), "seconds a launch may run, 0: no limit")
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
  o.settings.launch =
      study::detect_launch(values["launcher"].as<std::string>(), values["fast-launch"].as<std::string>());
  o.progress = sys::is_terminal(2);
  if (o.progress) {
    o.settings.progress = [command](std::string_view what) {
      std::cerr << "\r\033[K" << command << ": " << what << std::flush;
    };
  }
  return true;
}

void print_study(const report::Record& record, const StudyOptions& o) {
  if (o.progress) std::cerr << "\r\033[K" << std::flush;
  print_record(record, o.format, o.output);
  if (!o.json.empty()) report::write_file_atomically(o.json, record.dump() + "\n", "--json");
  if (!o.csv.empty()) report::write_file_atomically(o.csv, study::rows_csv(record), "--csv");
}
}  // namespace parakit::cli
