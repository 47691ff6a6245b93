// parakit compare / parakit scale: studies. They parse their options, make one parakit::study call (which
// starts parakit itself with mpirun, or srun inside a Slurm allocation, once per layout, and reads each
// run's own JSON report) and print its outcome as one record. They run no MPI themselves: a launcher
// cannot be nested inside an MPI job.

#include <cstdint>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/exec/gnuplot.hpp"
#include "parakit/parse.hpp"
#include "parakit/report/reporter.hpp"
#include "parakit/study/checks.hpp"
#include "parakit/study/compare.hpp"
#include "parakit/study/kernel.hpp"
#include "parakit/study/launch.hpp"
#include "parakit/study/outcome.hpp"
#include "parakit/study/program.hpp"
#include "parakit/study/record.hpp"
#include "parakit/study/run_records.hpp"
#include "parakit/study/scale.hpp"
#include "parakit/sys.hpp"

#include "commands.hpp"
#include "study_options.hpp"

namespace po = boost::program_options;

namespace parakit::cli {
namespace {

// What the study ran, for titles: "pi --samples 1e9", or the program's command line.
std::string subject(const StudyOptions& o) {
  if (o.settings.program) return study::command_line(o.settings.program->argv);
  std::vector<std::string> words{std::string(o.settings.kernel->name)};
  words.insert(words.end(), o.settings.kernel_options.begin(), o.settings.kernel_options.end());
  return study::command_line(words);
}

// The fields that say what a study ran: its kernel and options, or its program.
void add_subject(report::Record& record, const StudyOptions& o, const study::Outcome& outcome) {
  record["kernel"] = o.settings.kernel->name;
  if (o.settings.kernel != &study::program_kernel()) {
    record["kernel_options"] = study::command_line(o.settings.kernel_options);
    return;
  }
  // A program's: from its options, or (scale --records) from its first record.
  const nlohmann::json& first = outcome.records.front();
  record["program"] = o.settings.program ? nlohmann::json(o.settings.program->identity) : first["program"];
  record["command"] =
      o.settings.program ? study::command_line(o.settings.program->argv)
                         : study::command_line(first["program"].value("command", std::vector<std::string>{}));
  record["time_source"] = outcome.time_source;
  const nlohmann::json check = first.value("result_check", nlohmann::json::object());
  record["results_checked"] = check.value("same_output", false)          ? "same output"
                              : !check.value("result_regex", "").empty() ? "result regex within rtol"
                                                                         : "not checked";
}

// The work's unit: the kernel's, or what the program study was told (--unit).
std::string unit_of(const StudyOptions& o, const study::Outcome& outcome) {
  if (o.settings.kernel != &study::program_kernel()) return std::string(o.settings.kernel->unit);
  return outcome.records.front().value("unit", "work");
}

// The fields every study's record ends with: its table's, the warnings, bindings and context.
void add_outcome(report::Record& record, const study::Outcome& outcome,
                 const std::vector<std::string>& argv) {
  record["rows"] = outcome.table["rows"];
  if (outcome.table.contains("fit")) record["fit"] = outcome.table["fit"];
  record["comparisons"] = outcome.table["comparisons"];
  record["warnings"] = outcome.warnings;
  record["bindings"] = study::bindings(outcome.records, outcome.points);
  record["context"] = study::study_context(argv, outcome.records);
}

// `scale --records DIR`: the study of run records made elsewhere; the options that would launch are refused.
study::Outcome scale_from_records(const po::variables_map& values, const StudyOptions& o,
                                  study::Scaling kind) {
  if (o.settings.program)
    throw UsageError(
        "-- PROGRAM: not with --records (the records say what ran; accepted: --records DIR alone)");
  if (values.count("cores") != 0)
    throw UsageError("--cores: not with --records (each record says its own ranks and threads)");
  if (!values["mode"].defaulted())
    throw UsageError("--mode: not with --records (each record says its own ranks and threads)");
  if (!o.settings.kernel_options.empty())
    throw UsageError("'" + o.settings.kernel_options.front() +
                     "': kernel options are not taken with --records (each record says its own work)");
  for (const char* name : {"repeat", "warmup", "point"}) {
    if (values.count(name) != 0 && !values[name].defaulted())
      throw UsageError(fmt::format("--{}: not with --records (the records say how they ran)", name));
  }
  return study::scale_from_records(values["records"].as<std::string>(), *o.settings.kernel, kind);
}

// The layouts of --cores (default: powers of two up to the cores available) in --mode.
std::vector<study::Layout> requested_layouts(const po::variables_map& values, const StudyOptions& o,
                                             study::Mode mode, int threads_per_rank) {
  std::vector<int> cores;
  if (values.count("cores") != 0) {
    for (const std::uint64_t c :
         parse_count_list(values["cores"].as<std::string>(), "--cores", sys::kMaxThreads))
      cores.push_back(static_cast<int>(c));
  } else {
    cores = study::default_core_counts(o.settings.launch.available_cores);
  }
  return study::scale_layouts(mode, std::move(cores), threads_per_rank);
}

// `scale --point I`: one core count's run: its own record as --format asks, or in text one line about it.
void print_point(const std::string& scaling, const std::vector<study::Layout>& layouts, int i,
                 const nlohmann::json& run, const StudyOptions& o) {
  if (o.format != report::Format::kText || !o.output.empty()) {
    print_study(run, o);
    return;
  }
  // The record goes to --json; the terminal (a job's output file) gets one line about it.
  if (o.progress) std::cerr << "\r\033[K" << std::flush;
  const study::Layout& layout = layouts[static_cast<std::size_t>(i)];
  std::cout << fmt::format(
      "parakit scale {}: point {} of {}: {} cores as {}, median {:.6g} s over {} repeats{}\n", scaling, i,
      layouts.size(), layout.cores(), study::layout_name(layout), run["timing"].value("median_s", 0.0),
      run["timing"].value("repeat", 0),
      o.json.empty() ? " (give --json FILE for the record)" : "; record in " + o.json);
  if (!o.json.empty()) report::write_file_atomically(o.json, run.dump() + "\n", "--json");
}

po::options_description compare_options() {
  po::options_description options(
      "Options (with a KERNEL any other option is the kernel's, e.g. --samples 2e9; with -- PROGRAM every "
      "option goes before the --)");
  // clang-format off
  options.add_options()
    ("cores", po::value<std::string>(), "C: every layout with ranks x threads = C (default: the cores available)")
    ("with-python", "also run the seed's three Python versions (pandas apply, Pool.map, Dask) on the same work")
    ("plot", po::value<std::string>(), "draw the table as a PNG bar chart into FILE (gnuplot)");
  // clang-format on
  add_study_options(options);
  return options;
}

std::string compare_usage() {
  return "Usage: parakit compare KERNEL [kernel options] [--cores C] [options]\n"
         "       parakit compare [--cores C] [options] -- PROGRAM [ARGS]   (any program: an MPI, OpenMP or\n"
         "       serial binary, a Python script; options before the --, e.g. --time-regex, --same-output)\n"
         "Runs KERNEL (" +
         study::kernel_names() +
         ") on the same work in every layout with ranks x threads = C, and in\n"
         "1x1, launching each with mpirun (srun inside a Slurm allocation), and prints one table: median "
         "time\n"
         "and spread over the repeats, speedup and efficiency against 1x1, the launch cost of an empty run "
         "of\n"
         "the same layout, compute time, communication share, peak memory, and which layouts really differ.\n"
         "Start it directly, not under mpirun.";
}

report::Record compare_record(const StudyOptions& o, int cores, study::Outcome& outcome,
                              const std::vector<std::string>& argv) {
  report::Record record = {{"schema", "parakit.compare/1"}, {"study", "compare"}};
  add_subject(record, o, outcome);
  record.update(report::Record{{"cores", cores},
                               {"work", outcome.points.front().work},
                               {"unit", unit_of(o, outcome)},
                               {"repeat", outcome.repeat},
                               {"warmup", outcome.warmup},
                               {"launcher", o.settings.launch.description},
                               {"available_cores", o.settings.launch.available_cores},
                               {"result", outcome.records.front()["result"]}});
  add_outcome(record, outcome, argv);
  return record;
}

po::options_description scale_options() {
  po::options_description options(
      "Options (with a KERNEL any other option is the kernel's, e.g. --samples 2e9; with -- PROGRAM every "
      "option goes before the --)");
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
  return options;
}

constexpr const char* kScaleUsage =
    "Usage: parakit scale strong|weak KERNEL [kernel options] --cores 1,2,4,8 --mode "
    "processes|threads|hybrid\n"
    "       parakit scale strong|weak --cores 1,2,4,8 [options] -- PROGRAM [ARGS]   (any program; weak:\n"
    "         --work N and {work} in ARGS, replaced by N x cores)\n"
    "       parakit scale strong|weak --records DIR   (the points ran elsewhere, e.g. a job array)\n"
    "Strong scaling runs the same work on every core count; weak scaling gives every core the kernel's "
    "work\n"
    "(p cores: p times it). Each point is launched with mpirun (srun inside a Slurm allocation) and "
    "repeated;\n"
    "the table has the median, spread, speedup, efficiency and Karp-Flatt serial fraction, with an Amdahl\n"
    "(strong) or Gustafson (weak) fit. Start it directly, not under mpirun.";

report::Record scale_record(const std::string& scaling, const po::variables_map& values,
                            const StudyOptions& o, const study::Outcome& outcome,
                            const std::string& mode_name, const std::vector<std::string>& argv) {
  const bool from_records = values.count("records") != 0;
  report::Record record = {{"schema", "parakit.scale/1"}, {"study", "scale"}, {"scaling", scaling}};
  add_subject(record, o, outcome);
  record.update(report::Record{
      {"mode", mode_name},
      {"baseline_cores", outcome.table["baseline_cores"]},
      {"unit", unit_of(o, outcome)},
      {"repeat", outcome.repeat},
      {"warmup", outcome.warmup},
      {"launcher", from_records
                       ? "records from " + values["records"].as<std::string>() + " (launched elsewhere)"
                       : o.settings.launch.description},
      {"available_cores", o.settings.launch.available_cores}});
  add_outcome(record, outcome, argv);
  return record;
}

}  // namespace

int run_compare(const std::vector<std::string>& args, const std::vector<std::string>& argv) {
  const po::options_description options = compare_options();
  po::variables_map values;
  StudyOptions o;
  if (!parse_study(args, "parakit compare", compare_usage(), options, values, o)) return 0;
  const study::StudyKernel& kernel = *o.settings.kernel;
  const int cores =
      values.count("cores") != 0
          ? static_cast<int>(parse_count(values["cores"].as<std::string>(), "--cores", sys::kMaxThreads))
          : o.settings.launch.available_cores;
  const bool python = values.count("with-python") != 0;
  if (python && o.settings.program)
    throw UsageError("--with-python: the seed's Python versions compute pi, not a program's work");
  if (python && kernel.name != "pi")
    throw UsageError("--with-python: the seed's Python versions compute pi only");
  if (values.count("plot") != 0) {
    o.plot = values["plot"].as<std::string>();
    if (!o.plot.ends_with(".png")) {
      throw UsageError("--plot: '" + o.plot +
                       "' is not a .png file (accepted: a FILE.png; gnuplot draws PNG)");
    }
    report::check_writable(o.plot, "--plot");
    study::check_plot_tools();
  }

  identify_program(o);
  study::Outcome outcome = study::compare(o.settings, cores, python);
  const report::Record record = compare_record(o, cores, outcome, argv);
  print_study(record, o);
  if (!o.plot.empty()) {
    exec::plot_csv(study::data_dir() + "/plot_compare.gp", study::rows_csv(record), {{"png", o.plot}},
                   fmt::format("parakit compare {}: {} cores", subject(o), cores), "--plot");
  }
  return 0;
}

int run_scale(const std::vector<std::string>& args, const std::vector<std::string>& argv) {
  const po::options_description options = scale_options();
  if (args.empty() || args.front() == "--help" || args.front() == "-h") {
    if (args.empty())
      throw UsageError("no scaling given (accepted: strong, weak; see 'parakit scale --help')");
    std::cout << kScaleUsage << "\n\n" << options << std::flush;
    return 0;
  }
  if (args.front() != "strong" && args.front() != "weak") {
    throw UsageError("unknown scaling '" + args.front() + "' (accepted: strong, weak)");
  }
  const std::string& scaling = args.front();
  const study::Scaling kind = scaling == "strong" ? study::Scaling::kStrong : study::Scaling::kWeak;
  po::variables_map values;
  StudyOptions o;
  if (!parse_study({args.begin() + 1, args.end()}, "parakit scale", kScaleUsage, options, values, o))
    return 0;
  if (kind == study::Scaling::kWeak && o.settings.program &&
      (o.settings.program->same_output || !o.settings.program->result_regex.empty())) {
    throw UsageError(fmt::format(
        "--{}: weak scaling gives every core count other work, so the results differ by design (accepted: "
        "with compare and strong scaling)",
        o.settings.program->same_output ? "same-output" : "result-regex"));
  }
  // A program that is not MPI runs one process: its default mode is threads.
  const bool one_process = o.settings.program && !o.settings.program->mpi.mpi;
  if (one_process && values["mode"].defaulted()) values.at("mode").value() = std::string("threads");
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
    study::check_plot_tools();
  }

  study::Outcome outcome;
  std::string mode_name = values["mode"].as<std::string>();
  if (values.count("records") != 0 && o.settings.kernel == nullptr)
    o.settings.kernel = &study::records_kernel(values["records"].as<std::string>());
  if (values.count("records") != 0) {
    outcome = scale_from_records(values, o, kind);
    mode_name = study::records_mode(outcome.points);
  } else {
    const std::vector<study::Layout> layouts = requested_layouts(values, o, mode, per_rank);
    study::check_scale(o.settings, layouts, kind);
    identify_program(o);
    if (values.count("point") != 0) {
      const int i = values["point"].as<int>();
      print_point(scaling, layouts, i, study::scale_point(o.settings, layouts, kind, i), o);
      return 0;
    }
    outcome = study::scale(o.settings, layouts, kind);
  }
  const report::Record record = scale_record(scaling, values, o, outcome, mode_name, argv);
  print_study(record, o);
  if (!o.plot.empty()) {
    exec::plot_csv(study::data_dir() + "/plot_scaling.gp", study::rows_csv(record),
                   {{"speedup_png", o.plot + "-speedup.png"}, {"efficiency_png", o.plot + "-efficiency.png"}},
                   fmt::format("parakit scale {} {} ({})", scaling, subject(o), mode_name), "--plot");
  }
  return 0;
}

}  // namespace parakit::cli
