// parakit compare / parakit scale: studies. They start parakit itself with mpirun (or srun inside a
// Slurm allocation) once per layout, time each launch from outside, read the run's own JSON report, and
// print one table. They run no MPI themselves: a launcher cannot be nested inside an MPI job.

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <stdlib.h>

#include "parakit/error.hpp"
#include "parakit/exec/process.hpp"
#include "parakit/parse.hpp"
#include "parakit/report/reporter.hpp"
#include "parakit/report/statistics.hpp"
#include "parakit/report/trace.hpp"
#include "parakit/study/launch.hpp"
#include "parakit/study/table.hpp"
#include "parakit/sys.hpp"

#include "commands.hpp"
#include "common_options.hpp"

namespace po = boost::program_options;

namespace parakit::cli {
namespace {

// A kernel a study can run: the parakit command, the option that sets its work, and its unit.
struct StudyKernel {
  std::string_view name;
  std::string_view work_option;
  std::string_view default_work;
  std::string_view unit;
};

// stats reads a file: its work is fixed by the file, so it has no work option (no weak scaling).
constexpr StudyKernel kStudyKernels[] = {{"pi", "--samples", "100000,3200000", "samples"},
                                         {"stats", "", "", "bytes"}};

constexpr auto kMaxWork = static_cast<std::uint64_t>(INT64_MAX);

std::string kernel_names() {
  std::string names;
  for (const auto& k : kStudyKernels) {
    if (!names.empty()) names += ", ";
    names += k.name;
  }
  return names;
}

struct StudyOptions {
  const StudyKernel* kernel = nullptr;
  std::vector<std::string> kernel_options;  // passed to every run of the kernel
  int repeat = 5;
  int warmup = 1;
  double timeout_s = 0.0;
  study::LaunchSettings launch;
  report::Format format = report::Format::kText;
  std::string output;
  std::string json;
  std::string csv;
  std::string plot;
  bool progress = false;
};

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

// Parses `KERNEL [kernel options] [study options]`: the options this study knows are its own, every
// other one is the kernel's. Returns false after printing help.
bool parse_study(const std::vector<std::string>& args, const std::string& command, const std::string& usage,
                 const po::options_description& options, po::variables_map& values, StudyOptions& study) {
  if (args.empty() || args.front() == "--help" || args.front() == "-h") {
    if (args.empty())
      throw UsageError("no kernel given (accepted: " + kernel_names() + "; see '" + command + " --help')");
    std::cout << usage << "\n\n" << options << std::flush;
    return false;
  }
  for (const auto& k : kStudyKernels)
    if (args.front() == k.name) study.kernel = &k;
  if (study.kernel == nullptr) {
    throw UsageError("unknown kernel '" + args.front() + "' (accepted: " + kernel_names() + ")");
  }
  try {
    const po::parsed_options parsed =
        po::command_line_parser(std::vector<std::string>(args.begin() + 1, args.end()))
            .options(options)
            .allow_unregistered()
            // --sam must not become --samples here and stay --sam for the kernel's work option.
            .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
            .run();
    study.kernel_options = po::collect_unrecognized(parsed.options, po::include_positional);
    po::store(parsed, values);
    if (values.count("help") != 0) {
      std::cout << usage << "\n\n" << options << std::flush;
      return false;
    }
    po::notify(values);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + " (see '" + command + " --help')");
  }
  for (const std::string& word : study.kernel_options) {
    const std::string name = word.substr(0, word.find('='));
    if (name == "--threads" || name == "--progress") {
      throw UsageError(name + ": " + command + " sets it for every run" +
                       (name == "--threads" ? " (give --cores instead)" : ""));
    }
  }
  study.repeat = bounded(values, "repeat", 2, 1000);
  study.warmup = bounded(values, "warmup", 0, 1000);
  study.timeout_s = values["timeout"].as<double>();
  if (!(study.timeout_s >= 0.0 && study.timeout_s <= 1e7)) {
    throw UsageError(fmt::format(
        "--timeout: {} is out of range (accepted: 0 for no limit, or seconds up to 1e7)", study.timeout_s));
  }
  study.format = report::parse_format(values["format"].as<std::string>());
  if (values.count("output") != 0) {
    study.output = values["output"].as<std::string>();
    report::check_writable(study.output);
  }
  for (const auto& [name, path] : {std::pair{"json", &study.json}, std::pair{"csv", &study.csv}}) {
    if (values.count(name) == 0) continue;
    *path = values[name].as<std::string>();
    report::check_writable(*path, std::string("--") + name);
  }
  study.launch =
      study::detect_launch(values["launcher"].as<std::string>(), values["fast-launch"].as<std::string>());
  study.progress = sys::is_terminal(2);
  return true;
}

// The kernel options with the work option's value: the last one given, else the kernel's default.
std::string work_value(const StudyOptions& o) {
  std::string value(o.kernel->default_work);
  const std::string option(o.kernel->work_option);
  for (std::size_t i = 0; i < o.kernel_options.size(); ++i) {
    const std::string& word = o.kernel_options[i];
    if (word == option && i + 1 < o.kernel_options.size()) value = o.kernel_options[i + 1];
    if (word.rfind(option + "=", 0) == 0) value = word.substr(option.size() + 1);
  }
  return value;
}

// The kernel options with every entry of the work option multiplied by @p factor (weak scaling).
std::vector<std::string> scaled_work(const StudyOptions& o, std::uint64_t factor) {
  const std::string option(o.kernel->work_option);
  std::string scaled;
  for (const std::uint64_t n : parse_count_list(work_value(o), option, kMaxWork)) {
    if (n > kMaxWork / factor) {
      throw UsageError(fmt::format("{}: {} x {} cores is more than 2^63-1 (accepted: less work per core)",
                                   option, n, factor));
    }
    if (!scaled.empty()) scaled += ',';
    scaled += std::to_string(n * factor);
  }
  std::vector<std::string> options;
  for (std::size_t i = 0; i < o.kernel_options.size(); ++i) {
    const std::string& word = o.kernel_options[i];
    if (word == option && i + 1 < o.kernel_options.size()) {
      ++i;  // the value: replaced below
      continue;
    }
    if (word.rfind(option + "=", 0) == 0) continue;
    options.push_back(word);
  }
  options.insert(options.end(), {option, scaled});
  return options;
}

void say(const StudyOptions& o, const std::string& command, const std::string& what) {
  if (o.progress) std::cerr << "\r\033[K" << command << ": " << what << std::flush;
}

// The launch cost of a point: the median and the spread (its jitter) of its empty runs' wall times.
void set_launch_cost(study::Point& p, const std::vector<double>& empty) {
  const report::Summary s = report::summarize(empty);
  p.launch_s = s.median;
  p.launch_spread_s = s.max - s.min;
}

double number_or_nan(const nlohmann::json& object, const char* key) {
  return object.contains(key) && object[key].is_number() ? object[key].get<double>() : study::kNaN;
}

// A point from a run's own JSON record: its layout, work, timed repeats, phases and memory. The launch
// cost and the outside wall time are the caller's to add (unknown for records read from files).
study::Point point_from_record(const StudyOptions& o, const nlohmann::json& record) {
  study::Point p;
  p.layout = {record.value("ranks", 0), record.value("threads_per_rank", 0)};
  p.label = study::layout_name(p.layout);
  p.work = number_or_nan(record, std::string(o.kernel->unit).c_str());
  p.times_s = record["timing"]["times_s"].get<std::vector<double>>();
  p.runs = record["timing"].value("warmup", 0) + static_cast<int>(p.times_s.size());
  const auto& phases = record["phases"];
  p.compute_s = number_or_nan(phases, "compute_s");
  p.communication_s = number_or_nan(phases, "partition_s") + number_or_nan(phases, "scatter_s") +
                      number_or_nan(phases, "reduce_s");
  p.peak_rss_rank_bytes = 0.0;
  p.peak_rss_total_bytes = 0.0;
  for (const auto& rank : record["per_rank"]) {
    const double rss = number_or_nan(rank, "peak_rss_bytes");
    p.peak_rss_rank_bytes = std::max(p.peak_rss_rank_bytes, rss);
    p.peak_rss_total_bytes += rss;
  }
  for (const auto& w : record.value("warnings", nlohmann::json::array()))
    if (w.is_string() && w.get<std::string>().rfind("oversubscribed", 0) == 0) p.oversubscribed = true;
  return p;
}

// One launch of the kernel in @p layout: its outside wall time and its run record.
study::Launched launch_kernel(const StudyOptions& o, const std::string& command, const study::Layout& layout,
                              const std::vector<std::string>& kernel_options) {
  const std::string name = study::layout_name(layout);
  std::vector<std::string> program{study::self_path(), std::string(o.kernel->name)};
  program.insert(program.end(), kernel_options.begin(), kernel_options.end());
  program.insert(program.end(),
                 {"--threads", std::to_string(layout.threads), "--repeat", std::to_string(o.repeat),
                  "--warmup", std::to_string(o.warmup), "--format", "json", "--progress", "never"});
  say(o, command, fmt::format("{}: {} runs of {}", name, o.warmup + o.repeat, o.kernel->name));
  try {
    return study::launch(o.launch, layout, program, fmt::format("{} in {}", o.kernel->name, name),
                         o.timeout_s);
  } catch (const UsageError& e) {
    // Options a study does not know are the kernel's: a typo of a study option lands here.
    throw UsageError(std::string(e.what()) + "; the study's own options: see '" + command + " --help'");
  }
}

// One launch of the kernel in @p layout, then o.repeat empty runs (its launch cost).
study::Point measure(const StudyOptions& o, const std::string& command, const study::Layout& layout,
                     const std::vector<std::string>& kernel_options, nlohmann::json& record) {
  const std::string self = study::self_path();
  const std::string name = study::layout_name(layout);
  const std::string threads = std::to_string(layout.threads);
  const study::Launched run = launch_kernel(o, command, layout, kernel_options);
  record = run.record;
  // Then the launch cost, after the kernel (whose options may be wrong: better to know at once).
  std::vector<double> empty;
  for (int i = 0; i < o.repeat; ++i) {
    say(o, command, fmt::format("{}: empty run {} of {}", name, i + 1, o.repeat));
    empty.push_back(study::launch(o.launch, layout, {self, "empty", "--threads", threads, "--format", "json"},
                                  "the empty run in " + name, 120.0)
                        .wall_s);
  }
  if (record.value("ranks", 0) != layout.ranks || record.value("threads_per_rank", 0) != layout.threads) {
    throw Error(fmt::format("{} in {} ran as {}x{}", o.kernel->name, name, record.value("ranks", 0),
                            record.value("threads_per_rank", 0)));
  }
  study::Point p = point_from_record(o, record);
  set_launch_cost(p, empty);
  p.wall_s = run.wall_s;
  p.oversubscribed = study::oversubscribed(o.launch, layout);
  return p;
}

// Every layout computed the same work: their results must be identical (the kernels are bitwise
// layout-independent), or something is broken.
void check_same_result(const std::vector<nlohmann::json>& records, const std::vector<study::Point>& points) {
  for (std::size_t i = 1; i < records.size(); ++i) {
    if (records[i]["result"] != records[0]["result"]) {
      throw WrongAnswer(fmt::format("{} and {} computed different results for the same work: {} vs {}",
                                    points[0].label, points[i].label,
                                    records[0]["result"].dump().substr(0, 200),
                                    records[i]["result"].dump().substr(0, 200)));
    }
  }
}

// Where each layout's ranks and threads ran: per layout, each rank's host and each thread's CPUs (from
// the runs' own records), so that a study made under Slurm says the binding of every rank x thread.
report::Record bindings(const std::vector<nlohmann::json>& records, const std::vector<study::Point>& points) {
  report::Record all = report::Record::array();
  for (std::size_t i = 0; i < records.size() && i < points.size(); ++i) {
    report::Record ranks = report::Record::array();
    for (const auto& rank : records[i].value("per_rank", nlohmann::json::array())) {
      ranks.push_back({{"rank", rank.value("rank", 0)},
                       {"host", rank.value("host", "")},
                       {"thread_cpus", rank.value("thread_cpus", nlohmann::json::array())}});
    }
    all.push_back({{"layout", points[i].label}, {"per_rank", ranks}});
  }
  return all;
}

// The study's context: its own command line, the MPI and build facts of the runs, every host used.
report::Record study_context(const std::vector<std::string>& argv,
                             const std::vector<nlohmann::json>& records) {
  report::Context context{argv, "", "", ""};
  std::vector<std::string> hosts;
  for (const auto& r : records) {
    const auto& c = r["context"];
    context.mpi_library = c.value("mpi_library", "");
    context.mpi_version = c.value("mpi_version", "");
    context.mpi_thread_level = c.value("mpi_thread_level", "");
    for (const auto& h : c["hosts"])
      if (std::find(hosts.begin(), hosts.end(), h.get<std::string>()) == hosts.end())
        hosts.push_back(h.get<std::string>());
  }
  return report::context_record(context, hosts);
}

std::string joined(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& w : words) {
    if (!text.empty()) text += ' ';
    text += exec::shell_quote(w);
  }
  return text;
}

void print(const report::Record& record, const StudyOptions& o) {
  if (o.progress) std::cerr << "\r\033[K" << std::flush;
  print_record(record, o.format, o.output);
  if (!o.json.empty()) report::write_file_atomically(o.json, record.dump() + "\n", "--json");
  if (!o.csv.empty()) {
    std::ostringstream csv;
    report::CsvReporter().write(record, csv);
    report::write_file_atomically(o.csv, csv.str(), "--csv");
  }
}

// The table as CSV, for the plotting scripts.
std::string rows_csv(const report::Record& record) {
  std::ostringstream csv;
  report::CsvReporter().write(record, csv);
  return csv.str();
}

// The seed's three Python versions on the same work (compare --with-python).
struct PythonStudy {
  std::string python;
  std::string script;
  std::string samples;  // the kernel's --samples, one task per entry
  int cores = 1;
  int workers = 1;            // at most one busy worker per task: min(cores, tasks)
  std::vector<double> empty;  // the interpreter's start-up, imports included
};

std::pair<double, nlohmann::json> run_python(const StudyOptions& o, const PythonStudy& py,
                                             const std::string& how) {
  const std::vector<std::string> argv{py.python,   py.script,
                                      "--how",     how,
                                      "--samples", py.samples,
                                      "--workers", std::to_string(py.cores),
                                      "--repeat",  std::to_string(o.repeat),
                                      "--warmup",  std::to_string(o.warmup)};
  const auto start = std::chrono::steady_clock::now();
  const exec::ProcessOutcome outcome = exec::run_process(
      argv, {.timeout_s = o.timeout_s, .stdout_path = "", .stderr_path = "", .environment = {}});
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (outcome.status != exec::Status::kOk) {
    std::string line = outcome.err.substr(0, outcome.err.find('\n'));
    std::istringstream lines(outcome.err);
    for (std::string l; std::getline(lines, l);)
      if (!l.empty()) line = l;  // Python's last line says what went wrong
    if (line.empty())
      line = "cannot run " + py.python + " (set PARAKIT_PYTHON to a Python 3 with pandas and Dask)";
    throw Error(
        fmt::format("--with-python: `{}` failed (exit code {}): {}", joined(argv), outcome.exit_code, line));
  }
  auto json = nlohmann::json::parse(outcome.out, nullptr, false);
  if (!json.is_object()) throw Error("--with-python: " + py.script + " printed no JSON record");
  return {wall, json};
}

// Finds the interpreter and the script and times its start-up: before any parakit run, so that a
// missing pandas or Dask is known at once.
PythonStudy prepare_python(const StudyOptions& o, int cores) {
  PythonStudy py;
  py.script = study::data_dir() + "/seed_python.py";
  if (const char* chosen = std::getenv("PARAKIT_PYTHON"); chosen != nullptr && *chosen != '\0') {
    py.python = chosen;
  } else {
    py.python = exec::find_executable("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  }
  py.samples = work_value(o);
  const auto tasks =
      parse_count_list(py.samples, "--samples", kMaxWork).size();  // refused here, not by Python
  py.cores = cores;
  py.workers = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(cores), tasks));
  for (int i = 0; i < o.repeat; ++i) {
    say(o, "parakit compare", fmt::format("python: empty run {} of {}", i + 1, o.repeat));
    py.empty.push_back(run_python(o, py, "empty").first);
  }
  return py;
}

std::vector<study::Point> measure_python(const StudyOptions& o, const PythonStudy& py) {
  // Pool.map and Dask get one task per --samples entry: no more than that many workers are ever busy,
  // so their rows count those (the seed's 2 tasks on 8 cores use 2 of them).
  const struct {
    const char* how;
    const char* label;
    study::Layout layout;
  } versions[] = {{"pandas", "python pandas.apply", {1, 1}},
                  {"pool", "python Pool.map", {py.workers, 1}},
                  {"dask", "python dask", {1, py.workers}}};
  std::vector<study::Point> points;
  for (const auto& v : versions) {
    say(o, "parakit compare", fmt::format("{}: {} runs", v.label, o.warmup + o.repeat));
    const auto [wall, json] = run_python(o, py, v.how);
    study::Point p;
    p.label = v.label;
    p.implementation = "python";
    p.layout = v.layout;
    p.work = json.value("samples", 0.0);
    p.times_s = json["times_s"].get<std::vector<double>>();
    p.runs = o.warmup + o.repeat;
    set_launch_cost(p, py.empty);
    p.wall_s = wall;
    p.oversubscribed = study::oversubscribed(o.launch, v.layout);
    points.push_back(std::move(p));
  }
  return points;
}

// A machine already busy before the study makes every time a measure of sharing: say so.
std::vector<std::string> busy_warning(const StudyOptions& o) {
  double load = 0.0;
  if (::getloadavg(&load, 1) != 1 || load < 0.5 * o.launch.available_cores + 0.25) return {};
  return {
      fmt::format("the machine was busy when the study started (load average {:.1f} over the last minute "
                  "on {} cores): other processes compete with the runs, so times may measure sharing",
                  load, o.launch.available_cores)};
}

// Everything a study needs besides the runs, checked before the first one.
void check_tools(const StudyOptions& o) {
  if (o.plot.empty()) return;
  if (!exec::find_executable("gnuplot"))
    throw UsageError("--plot needs gnuplot, which is not on PATH (Debian: apt-get install gnuplot-nox)");
  study::data_dir();
}

// The kernel runs' own warnings (unbound threads, OMP_* settings), once each, naming the layout;
// oversubscription is the table's to say.
std::vector<std::string> run_warnings(const std::vector<nlohmann::json>& records,
                                      const std::vector<study::Point>& points) {
  std::vector<std::string> warnings;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!records[i].contains("warnings")) continue;
    for (const auto& w : records[i]["warnings"]) {
      const std::string text = w.get<std::string>();
      if (text.rfind("oversubscribed", 0) == 0) continue;
      warnings.push_back(points[i].label + ": " + text);
    }
  }
  return warnings;
}

// The run records in @p dir (every *.json, by name): one per point, all of the study's kernel, no two
// with the same core count; sorted by cores.
std::vector<nlohmann::json> read_run_records(const std::string& dir, const StudyOptions& o) {
  namespace fs = std::filesystem;
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
  std::vector<nlohmann::json> records;
  for (const auto& file : files) {
    std::ifstream in(file);
    nlohmann::json record = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    // A study's own record beside its points (the collector's output): not a point.
    if (record.is_object() && (record.value("schema", "") == "parakit.scale/1" ||
                               record.value("schema", "") == "parakit.compare/1"))
      continue;
    if (record.is_discarded() || !record.is_object() || record.value("schema", "") != "parakit.run/1" ||
        !record.contains("timing") || !record["timing"].contains("times_s")) {
      throw UsageError("--records: " + file.string() +
                       " is not a parakit run record (accepted: the JSON of a run with --format json)");
    }
    if (record.value("kernel", "") != o.kernel->name) {
      throw UsageError(fmt::format("--records: {} is a run of {}, not {}", file.string(),
                                   record.value("kernel", "?"), o.kernel->name));
    }
    records.push_back(std::move(record));
  }
  if (records.empty())
    throw UsageError("--records: no run records in '" + dir +
                     "' (accepted: runs written with --json or --format json)");
  const auto cores = [](const nlohmann::json& r) {
    return r.value("ranks", 0) * r.value("threads_per_rank", 0);
  };
  std::stable_sort(records.begin(), records.end(),
                   [&](const nlohmann::json& a, const nlohmann::json& b) { return cores(a) < cores(b); });
  for (std::size_t i = 1; i < records.size(); ++i) {
    if (cores(records[i]) == cores(records[i - 1])) {
      throw UsageError(
          fmt::format("--records: two records in '{}' ran on {} cores (accepted: one per core count)", dir,
                      cores(records[i])));
    }
  }
  return records;
}

// What the points' layouts were: processes (p x 1), threads (1 x p), or hybrid.
std::string records_mode(const std::vector<study::Point>& points) {
  const bool processes =
      std::all_of(points.begin(), points.end(), [](const auto& p) { return p.layout.threads == 1; });
  const bool threads =
      std::all_of(points.begin(), points.end(), [](const auto& p) { return p.layout.ranks == 1; });
  return processes ? "processes" : threads ? "threads" : "hybrid";
}

}  // namespace

int run_compare(const std::vector<std::string>& args, const std::vector<std::string>& argv) {
  po::options_description options("Options (any other option is the kernel's, e.g. --samples 2e9)");
  // clang-format off
  options.add_options()
    ("cores", po::value<std::string>(), "C: every layout with ranks x threads = C (default: the cores available)")
    ("with-python", "also run the seed's three Python versions (pandas apply, Pool.map, Dask) on the same work")
    ("plot", po::value<std::string>(), "draw the table as a PNG bar chart into FILE (gnuplot)");
  // clang-format on
  add_study_options(options);
  const std::string usage =
      "Usage: parakit compare KERNEL [kernel options] [--cores C] [options]\n"
      "Runs KERNEL (" +
      kernel_names() +
      ") on the same work in every layout with ranks x threads = C, and in\n"
      "1x1, launching each with mpirun (srun inside a Slurm allocation), and prints one table: median time\n"
      "and spread over the repeats, speedup and efficiency against 1x1, the launch cost of an empty run of\n"
      "the same layout, compute time, communication share, peak memory, and which layouts really differ.\n"
      "Start it directly, not under mpirun.";
  po::variables_map values;
  StudyOptions o;
  if (!parse_study(args, "parakit compare", usage, options, values, o)) return 0;
  const int cores =
      values.count("cores") != 0
          ? static_cast<int>(parse_count(values["cores"].as<std::string>(), "--cores", sys::kMaxThreads))
          : o.launch.available_cores;
  const bool python = values.count("with-python") != 0;
  if (python && o.kernel->name != "pi")
    throw UsageError("--with-python: the seed's Python versions compute pi only");
  if (values.count("plot") != 0) {
    o.plot = values["plot"].as<std::string>();
    if (!o.plot.ends_with(".png")) {
      throw UsageError("--plot: '" + o.plot +
                       "' is not a .png file (accepted: a FILE.png; gnuplot draws PNG)");
    }
    report::check_writable(o.plot, "--plot");
  }

  check_tools(o);
  const std::vector<std::string> busy = busy_warning(o);
  std::optional<PythonStudy> py;
  if (python) py = prepare_python(o, cores);
  std::vector<study::Layout> layouts{{1, 1}};
  for (const auto& layout : study::factorizations(cores))
    if (layout != study::Layout{1, 1}) layouts.push_back(layout);
  std::vector<study::Point> points;
  std::vector<nlohmann::json> records;
  for (const auto& layout : layouts) {
    nlohmann::json record;
    points.push_back(measure(o, "parakit compare", layout, o.kernel_options, record));
    records.push_back(std::move(record));
  }
  check_same_result(records, points);
  const std::vector<std::string> kernel_warnings = run_warnings(records, points);
  if (py) {
    for (auto& p : measure_python(o, *py))
      points.push_back(std::move(p));
  }
  const study::Table table = study::compare_table(points);
  report::Record record = {{"schema", "parakit.compare/1"},
                           {"study", "compare"},
                           {"kernel", o.kernel->name},
                           {"kernel_options", joined(o.kernel_options)},
                           {"cores", cores},
                           {"work", points.front().work},
                           {"unit", o.kernel->unit},
                           {"repeat", o.repeat},
                           {"warmup", o.warmup},
                           {"launcher", o.launch.description},
                           {"available_cores", o.launch.available_cores},
                           {"result", records.front()["result"]}};
  record["rows"] = table["rows"];
  record["comparisons"] = table["comparisons"];
  record["warnings"] = busy;
  for (const auto& w : table["warnings"])
    record["warnings"].push_back(w);
  for (const auto& w : kernel_warnings)
    record["warnings"].push_back(w);
  record["bindings"] = bindings(records, points);
  record["context"] = study_context(argv, records);
  print(record, o);
  if (!o.plot.empty()) {
    report::plot_csv(
        study::data_dir() + "/plot_compare.gp", rows_csv(record), {{"png", o.plot}},
        fmt::format("parakit compare {} {}: {} cores", o.kernel->name, joined(o.kernel_options), cores),
        "--plot");
  }
  return 0;
}

int run_scale(const std::vector<std::string>& args, const std::vector<std::string>& argv) {
  po::options_description options("Options (any other option is the kernel's, e.g. --samples 2e9)");
  // clang-format off
  options.add_options()
    ("cores", po::value<std::string>(), "core counts, e.g. 1,2,4,8 (default: powers of two up to the CPUs available)")
    ("mode", po::value<std::string>()->default_value("processes"),
     "processes (p x 1), threads (1 x p) or hybrid (p/T x T)")
    ("threads-per-rank", po::value<int>()->default_value(2), "T of hybrid mode (1 to 4096)")
    ("plot", po::value<std::string>(), "draw PREFIX-speedup.png and PREFIX-efficiency.png (gnuplot)")
    ("point", po::value<int>(), "run only the I-th core count of --cores (from 0) and print that run's own "
     "record: one task of a job array (slurm/scaling-point.sbatch); --records collects them")
    ("records", po::value<std::string>(),
     "launch nothing: build the table from the run records (--format json) in DIR, one per core count "
     "(e.g. from a Slurm job array)");
  // clang-format on
  add_study_options(options);
  const std::string usage =
      "Usage: parakit scale strong|weak KERNEL [kernel options] --cores 1,2,4,8 --mode "
      "processes|threads|hybrid\n"
      "       parakit scale strong|weak KERNEL --records DIR   (the points ran elsewhere, e.g. a job array)\n"
      "Strong scaling runs the same work on every core count; weak scaling gives every core the kernel's "
      "work\n"
      "(p cores: p times it). Each point is launched with mpirun (srun inside a Slurm allocation) and "
      "repeated;\n"
      "the table has the median, spread, speedup, efficiency and Karp-Flatt serial fraction, with an Amdahl\n"
      "(strong) or Gustafson (weak) fit. Start it directly, not under mpirun.";
  if (args.empty() || args.front() == "--help" || args.front() == "-h") {
    if (args.empty())
      throw UsageError("no scaling given (accepted: strong, weak; see 'parakit scale --help')");
    po::options_description all(options);
    std::cout << usage << "\n\n" << all << std::flush;
    return 0;
  }
  if (args.front() != "strong" && args.front() != "weak") {
    throw UsageError("unknown scaling '" + args.front() + "' (accepted: strong, weak)");
  }
  const study::Scaling kind = args.front() == "strong" ? study::Scaling::kStrong : study::Scaling::kWeak;
  po::variables_map values;
  StudyOptions o;
  if (!parse_study({args.begin() + 1, args.end()}, "parakit scale", usage, options, values, o)) return 0;
  const study::Mode mode = study::parse_mode(values["mode"].as<std::string>());
  const int per_rank = bounded(values, "threads-per-rank", 1, sys::kMaxThreads);
  if (!values["threads-per-rank"].defaulted() && mode != study::Mode::kHybrid) {
    throw UsageError("--threads-per-rank: only hybrid mode has it (give --mode hybrid, or leave it out)");
  }
  if (values.count("plot") != 0) {
    o.plot = values["plot"].as<std::string>();
    if (o.plot.ends_with(".png")) o.plot.resize(o.plot.size() - 4);  // a PREFIX, whatever the user meant
    for (const char* suffix : {"-speedup.png", "-efficiency.png"})
      report::check_writable(o.plot + suffix, "--plot");
  }
  check_tools(o);
  std::vector<study::Point> points;
  std::vector<nlohmann::json> records;
  std::vector<std::string> busy;
  std::string mode_name = values["mode"].as<std::string>();
  if (values.count("records") != 0) {
    if (values.count("cores") != 0)
      throw UsageError("--cores: not with --records (each record says its own ranks and threads)");
    if (!values["mode"].defaulted())
      throw UsageError("--mode: not with --records (each record says its own ranks and threads)");
    if (!o.kernel_options.empty())
      throw UsageError("'" + o.kernel_options.front() +
                       "': kernel options are not taken with --records (each record says its own work)");
    for (const char* name : {"repeat", "warmup", "point"}) {
      if (values.count(name) != 0 && !values[name].defaulted())
        throw UsageError(fmt::format("--{}: not with --records (the records say how they ran)", name));
    }
    records = read_run_records(values["records"].as<std::string>(), o);
    for (const auto& record : records)
      points.push_back(point_from_record(o, record));
    mode_name = records_mode(points);
    o.repeat = static_cast<int>(points.front().times_s.size());
    o.warmup = records.front()["timing"].value("warmup", 0);
    if (kind == study::Scaling::kWeak) {
      // Weak scaling compares equal work per core: records of other work would make a wrong table.
      for (std::size_t i = 1; i < points.size(); ++i) {
        const double a = points[0].work / points[0].layout.cores(),
                     b = points[i].work / points[i].layout.cores();
        if (!(std::abs(a - b) <= 1e-9 * std::max(a, b))) {
          throw UsageError(
              fmt::format("--records: weak scaling needs the same work per core, and {} has {} per "
                          "core while {} has {}",
                          points[0].label, a, points[i].label, b));
        }
      }
    }
  } else {
    std::vector<int> cores;
    if (values.count("cores") != 0) {
      for (const std::uint64_t c :
           parse_count_list(values["cores"].as<std::string>(), "--cores", sys::kMaxThreads))
        cores.push_back(static_cast<int>(c));
    } else {
      for (int c = 1; c <= std::max(1, o.launch.available_cores); c *= 2)
        cores.push_back(c);
    }
    std::sort(cores.begin(), cores.end());
    cores.erase(std::unique(cores.begin(), cores.end()), cores.end());
    std::vector<study::Layout> layouts;
    for (const int c : cores)
      layouts.push_back(study::layout_for(mode, c, per_rank));
    if (kind == study::Scaling::kWeak && o.kernel->work_option.empty()) {
      throw UsageError(
          fmt::format("weak scaling needs work that grows with the cores, and {} reads a fixed "
                      "file (accepted: scale strong {} ..., or files of growing size from parakit gen)",
                      o.kernel->name, o.kernel->name));
    }
    if (kind == study::Scaling::kWeak) scaled_work(o, static_cast<std::uint64_t>(cores.back()));  // checks
    busy = busy_warning(o);

    if (values.count("point") != 0) {
      const int i = values["point"].as<int>();
      if (i < 0 || static_cast<std::size_t>(i) >= layouts.size()) {
        throw UsageError(fmt::format("--point: {} is not an index of the {} core counts (accepted: 0 to {})",
                                     i, layouts.size(), layouts.size() - 1));
      }
      const auto& layout = layouts[static_cast<std::size_t>(i)];
      const auto kernel_options = kind == study::Scaling::kWeak
                                      ? scaled_work(o, static_cast<std::uint64_t>(layout.cores()))
                                      : o.kernel_options;
      const nlohmann::json run = launch_kernel(o, "parakit scale", layout, kernel_options).record;
      if (o.format == report::Format::kText && o.output.empty()) {
        // The record goes to --json; the terminal (a job's output file) gets one line about it.
        if (o.progress) std::cerr << "\r\033[K" << std::flush;
        std::cout << fmt::format(
            "parakit scale {}: point {} of {}: {} cores as {}, median {:.6g} s over {} repeats{}\n",
            args.front(), i, layouts.size(), layout.cores(), study::layout_name(layout),
            run["timing"].value("median_s", 0.0), run["timing"].value("repeat", 0),
            o.json.empty() ? " (give --json FILE for the record)" : "; record in " + o.json);
        if (!o.json.empty()) report::write_file_atomically(o.json, run.dump() + "\n", "--json");
      } else {
        print(run, o);
      }
      return 0;
    }
    for (const auto& layout : layouts) {
      const auto kernel_options = kind == study::Scaling::kWeak
                                      ? scaled_work(o, static_cast<std::uint64_t>(layout.cores()))
                                      : o.kernel_options;
      nlohmann::json record;
      points.push_back(measure(o, "parakit scale", layout, kernel_options, record));
      records.push_back(std::move(record));
    }
  }
  if (kind == study::Scaling::kStrong) check_same_result(records, points);
  const study::Table table = study::scaling_table(points, kind);
  const std::string scaling = kind == study::Scaling::kStrong ? "strong" : "weak";
  report::Record record = {
      {"schema", "parakit.scale/1"},
      {"study", "scale"},
      {"scaling", scaling},
      {"kernel", o.kernel->name},
      {"kernel_options", joined(o.kernel_options)},
      {"mode", mode_name},
      {"baseline_cores", table["baseline_cores"]},
      {"unit", o.kernel->unit},
      {"repeat", o.repeat},
      {"warmup", o.warmup},
      {"launcher", values.count("records") != 0
                       ? "records from " + values["records"].as<std::string>() + " (launched elsewhere)"
                       : o.launch.description},
      {"available_cores", o.launch.available_cores}};
  record["rows"] = table["rows"];
  record["fit"] = table["fit"];
  record["comparisons"] = table["comparisons"];
  record["warnings"] = busy;
  for (const auto& w : table["warnings"])
    record["warnings"].push_back(w);
  for (const auto& w : run_warnings(records, points))
    record["warnings"].push_back(w);
  record["bindings"] = bindings(records, points);
  record["context"] = study_context(argv, records);
  print(record, o);
  if (!o.plot.empty()) {
    report::plot_csv(
        study::data_dir() + "/plot_scaling.gp", rows_csv(record),
        {{"speedup_png", o.plot + "-speedup.png"}, {"efficiency_png", o.plot + "-efficiency.png"}},
        fmt::format("parakit scale {} {}{}{} ({})", scaling, o.kernel->name,
                    o.kernel_options.empty() ? "" : " ", joined(o.kernel_options), mode_name),
        "--plot");
  }
  return 0;
}

}  // namespace parakit::cli
