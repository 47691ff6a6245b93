#include "common_options.hpp"

#include <cstring>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/environment.hpp"
#include "parakit/mpi/transports.hpp"
#include "parakit/mpi/watchdog.hpp"
#include "parakit/quote.hpp"
#include "parakit/sys.hpp"

namespace po = boost::program_options;

namespace parakit::cli {
namespace {

// Draws "[#####.....]  42 %  3.1 s" on stderr, only after the run has lasted a second.
class ProgressBar {
 public:
  void operator()(double fraction) {
    const double now = sys::now_s();
    const double elapsed = now - start_s_;
    if (elapsed < 1.0 || now - last_s_ < 0.1) return;
    last_s_ = now;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::cerr << fmt::format("\r[{:#<{}}{:.<{}}] {:3.0f} %  {:.1f} s", "", filled, "", kWidth - filled,
                             fraction * 100.0, elapsed)
              << std::flush;
    drawn_ = true;
  }
  ~ProgressBar() {
    if (drawn_) std::cerr << "\r" << std::string(60, ' ') << "\r" << std::flush;
  }

 private:
  double start_s_ = sys::now_s();
  double last_s_ = -std::numeric_limits<double>::infinity();  // the first call may draw
  bool drawn_ = false;
};

int bounded_int(const po::variables_map& values, const char* name, int minimum, int maximum) {
  const int v = values[name].as<int>();
  if (v < minimum || v > maximum) {
    throw UsageError(fmt::format("--{}: {} is too {} (accepted: a whole number from {} to {})", name, v,
                                 v < minimum ? "small" : "large", minimum, maximum));
  }
  return v;
}

CommonOptions read_output_options(const boost::mpi::communicator& comm, const po::variables_map& values,
                                  CommonOptions common, bool report_output) {
  common.format = report::parse_format(values["format"].as<std::string>());
  if (report_output && values.count("output") != 0) {
    common.output = values["output"].as<std::string>();
    mpi::check_on_root(comm, [&] { report::check_writable(common.output); });
  }
  if (values.count("json") != 0) {
    common.json = values["json"].as<std::string>();
    mpi::check_on_root(comm, [&] { report::check_writable(common.json, "--json"); });
  }
  mpi::check_on_root(comm, [&] {
    report::check_distinct_files({{"--output", common.output}, {"--json", common.json}});
  });
  return common;
}

}  // namespace

void add_common_options(po::options_description& options, bool repeats, bool seed) {
  CommonChoices choices;
  choices.repeats = repeats;
  choices.seed = seed;
  add_common_options(options, choices);
}

void add_common_options(po::options_description& options, const CommonChoices& choices) {
  // clang-format off
  if (choices.seed) options.add_options()("seed", po::value<std::string>()->default_value("42"), "random seed, 0 to 2^64-1");
  options.add_options()
    ("threads", po::value<int>(), "threads per rank (default: OMP_NUM_THREADS, else the rank's CPUs)");
  if (choices.repeats) {
    options.add_options()
      ("repeat", po::value<int>()->default_value(choices.repeat), "timed repetitions (1 to 1000000)")
      ("warmup", po::value<int>()->default_value(choices.warmup), "untimed runs before them (0 to 1000000)")
      ("progress", po::value<std::string>()->default_value("auto"),
       "progress bar on stderr for runs over a second: auto (when stderr is a terminal; under mpirun it "
       "is a pipe, so say always), always, never");
  }
  options.add_options()("format", po::value<std::string>()->default_value("text"), "text, json or csv");
  if (choices.report_output) {
    options.add_options()
      ("output", po::value<std::string>(), "write the report to FILE (whole or not at all) instead of stdout");
  }
  options.add_options()
    ("json", po::value<std::string>(), "also write the record as JSON into FILE (whole or not at all)")
    ("stall-timeout", po::value<std::string>()->default_value("auto"),
     "end the job (exit 6, naming the rank) when a rank shows no sign of life, or no progress while others "
     "went on, for this long: seconds, off, or auto (30 s, or 10 x the longest phase so far)")
    ("help,h", "show this help");
  // clang-format on
}

bool parse_args(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
                const std::string& command, const std::string& usage, const po::options_description& options,
                po::variables_map& values, const po::positional_options_description* positional) {
  try {
    // Every word that is not an option and not an expected positional lands in a hidden option, to be
    // refused with a clear message below.
    constexpr const char* kStray = "parakit-stray-argument";
    po::options_description all;
    all.add(options);
    all.add_options()(kStray, po::value<std::vector<std::string>>(), "");
    po::positional_options_description words =
        positional != nullptr ? *positional : po::positional_options_description{};
    words.add(kStray, -1);
    // No abbreviations: `--sam` for --samples would work here and not where a study passes options on.
    const po::parsed_options parsed =
        po::command_line_parser(args)
            .options(all)
            .positional(words)
            .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
            .run();
    // Words that are not options would otherwise be ignored without a word: `pi 1e5` is a mistake.
    for (const po::option& o : parsed.options) {
      if (o.string_key == kStray && !o.value.empty()) {
        throw UsageError("unexpected argument " + parakit::quoted(o.value.front()) +
                         ": options start with -- (see '" + command + " --help')");
      }
    }
    po::store(parsed, values);
    if (values.count("help") != 0) {
      if (comm.rank() == 0) std::cout << usage << "\n\n" << options << std::flush;
      return false;
    }
    po::notify(values);
  } catch (const po::error& e) {
    throw UsageError(parakit::escaped(e.what()) + " (see '" + command + " --help')");
  }
  return true;
}

CommonOptions read_common_options(const boost::mpi::communicator& comm, const po::variables_map& values,
                                  bool report_output) {
  CommonOptions common;
  const std::string seed = values.count("seed") != 0 ? values["seed"].as<std::string>() : "0";
  try {
    std::size_t used = 0;
    if (seed.empty() || seed.find_first_not_of("0123456789") != std::string::npos)
      throw std::invalid_argument(seed);
    common.seed = std::stoull(seed, &used, 10);
  } catch (const std::exception&) {
    throw UsageError("--seed: " + parakit::quoted(seed) +
                     " is not a seed (accepted: a whole number from 0 to 18446744073709551615)");
  }
  if (values.count("stall-timeout") != 0)
    mpi::set_stall_limit(
        mpi::parse_stall_limit(values["stall-timeout"].as<std::string>(), "--stall-timeout"));
  common.threads = values.count("threads") != 0 ? bounded_int(values, "threads", 1, sys::kMaxThreads)
                                                : sys::default_threads();
  if (values.count("repeat") == 0)
    return read_output_options(comm, values, common, report_output);  // no repeats
  common.repeat = bounded_int(values, "repeat", 1, mpi::kMaxRuns);
  common.warmup = bounded_int(values, "warmup", 0, mpi::kMaxRuns);
  const std::string progress = values["progress"].as<std::string>();
  if (progress == "always") {
    common.progress = true;
  } else if (progress == "auto") {
    common.progress = sys::is_terminal(2);
  } else if (progress != "never") {
    throw UsageError("--progress: " + parakit::quoted(progress) +
                     " is not a choice (accepted: auto, always, never)");
  }
  return read_output_options(comm, values, common, report_output);
}

mpi::RunOptions run_options(const boost::mpi::communicator& comm, const CommonOptions& common) {
  mpi::RunOptions options{
      .threads = common.threads, .repeat = common.repeat, .warmup = common.warmup, .progress = {}};
  if (comm.rank() == 0 && common.progress) {
    auto bar = std::make_shared<ProgressBar>();
    options.progress = [bar](double fraction) { (*bar)(fraction); };
  }
  return options;
}

void print_record(const report::Record& record, report::Format format, const std::string& output) {
  if (record.contains("warnings")) {
    for (const auto& warning : record["warnings"])
      std::cerr << "parakit: warning: " << warning.get<std::string>() << "\n";
  }
  std::ostringstream text;
  report::make_reporter(format)->write(record, text);
  if (output.empty()) {
    // Written at once and checked: a report lost to a full disk or /dev/full is a failure, not exit 0.
    std::cout << std::flush;
    if (const int error = sys::write_all(STDOUT_FILENO, text.str()); error != 0)
      throw Error(std::string("cannot write the report to standard output: ") + std::strerror(error));
  } else {
    report::write_file_atomically(output, text.str());
  }
}

void emit(const boost::mpi::communicator& comm, const report::Record& record, const CommonOptions& common) {
  if (comm.rank() != 0) return;
  print_record(record, common.format, common.output);
  if (!common.json.empty()) report::write_file_atomically(common.json, record.dump() + "\n", "--json");
}

report::Context launch_context(const std::vector<std::string>& argv) {
  return {argv, mpi::mpi_library_version(), mpi::mpi_standard_version(), mpi::mpi_thread_level(),
          mpi::chosen_transports().describe()};
}

}  // namespace parakit::cli
