#include "parakit/study/program_run.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>
#include <utility>

#include <boost/crc.hpp>
#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/exec/process.hpp"
#include "parakit/report/quote.hpp"
#include "parakit/report/record.hpp"
#include "parakit/report/run_report.hpp"
#include "parakit/report/statistics.hpp"
#include "parakit/study/point.hpp"
#include "parakit/study/run_records.hpp"
#include "parakit/sys.hpp"

namespace parakit::study {
namespace {

namespace fs = std::filesystem;

// sha256sum's digest of @p path, or null when it cannot be had.
nlohmann::json sha256(const std::string& path) {
  const exec::ProcessOutcome out =
      exec::run_process({"sha256sum", "--", path},
                        {.timeout_s = 120.0, .stdout_path = "", .stderr_path = "", .environment = {}});
  if (out.status != exec::Status::kOk || out.out.size() < 64) return nullptr;
  return out.out.substr(0, 64);
}

// Removes a directory and what is in it when the scope ends, however it ends (a failed or timed-out
// launch included, and the temporary file of a record whose writer was stopped).
class RemovedAtExit {
 public:
  explicit RemovedAtExit(std::string path) : path_(std::move(path)) {}
  ~RemovedAtExit() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  RemovedAtExit(const RemovedAtExit&) = delete;
  RemovedAtExit& operator=(const RemovedAtExit&) = delete;

 private:
  std::string path_;
};

std::string crc32(const std::string& text) {
  boost::crc_32_type crc;
  crc.process_bytes(text.data(), text.size());
  return fmt::format("{:08x}", crc.checksum());
}

// A private directory for the run record of a parakit program, unique to this launch: in /tmp on one
// node; in the working directory (shared, as a rule, by a cluster's nodes) when rank 0 may run elsewhere.
std::string record_directory(const LaunchSettings& launch) {
  const fs::path base = launch.nodes == 1 ? fs::temp_directory_path() : fs::current_path();
  std::string pattern = (base / ".parakit-study-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw Error(fmt::format("cannot make a directory for the program's run record in {}: {}", base.string(),
                            std::strerror(errno)));
  }
  return pattern;
}

// The result of one launch's output: {value} with --result-regex, the CRC-32, size and start of the
// output (its time masked) with --same-output, else {}.
nlohmann::json output_result(const ProgramSpec& spec, const std::string& out, const std::string& what) {
  if (!spec.result_regex.empty()) {
    const std::regex pattern = compile_regex(spec.result_regex, "--result-regex");
    const std::optional<double> value = last_number(out, pattern);
    if (!value) {
      throw Error(fmt::format("--result-regex: {} printed nothing that matches {} (its output began: {})",
                              what, report::quoted(spec.result_regex), report::quoted(out, 120)));
    }
    return {{"value", *value}};
  }
  if (spec.same_output) {
    std::optional<std::regex> time;
    if (!spec.time_regex.empty()) time = compile_regex(spec.time_regex, "--time-regex");
    const std::string text = masked(out, time ? &*time : nullptr);
    return {
        {"stdout_crc32", crc32(text)}, {"stdout_bytes", text.size()}, {"stdout_head", text.substr(0, 4096)}};
  }
  return nlohmann::json::object();
}

// Why @p a and @p b (results of output_result) differ, or "" when they agree.
std::string result_difference(const ProgramSpec& spec, const nlohmann::json& a, const nlohmann::json& b) {
  if (!spec.result_regex.empty()) {
    const double x = a.value("value", 0.0), y = b.value("value", 0.0);
    if (std::abs(x - y) <= spec.rtol * std::max(std::abs(x), std::abs(y))) return "";
    return fmt::format("the result {:.17g} and {:.17g} differ by {:.3g} relative (more than --rtol {})", x, y,
                       std::abs(x - y) / std::max(std::abs(x), std::abs(y)), spec.rtol);
  }
  if (spec.same_output) {
    if (a.value("stdout_crc32", "") == b.value("stdout_crc32", "") &&
        a.value("stdout_bytes", 0) == b.value("stdout_bytes", 0))
      return "";
    const auto d = first_difference(a.value("stdout_head", ""), b.value("stdout_head", ""));
    if (!d)
      return fmt::format("the outputs differ after their first 4096 bytes ({} and {} bytes)",
                         a.value("stdout_bytes", 0), b.value("stdout_bytes", 0));
    return fmt::format("the outputs differ at line {}: {} vs {}", d->line, report::quoted(d->a, 120),
                       report::quoted(d->b, 120));
  }
  return "";
}

// The launch cost of @p layout: the median of settings.repeat empty runs (`parakit empty` for an MPI
// program, `true` for one that is not).
std::vector<double> empty_runs(const Settings& settings, const LaunchSettings& launch, const Layout& layout) {
  const std::string name = layout_name(layout);
  std::vector<double> empty;
  for (int i = 0; i < settings.repeat; ++i) {
    say(settings, fmt::format("{}: empty run {} of {}", name, i + 1, settings.repeat));
    if (launch.mpi) {
      empty.push_back(launch_program(launch, layout,
                                     {self_path(), "empty", "--threads", std::to_string(layout.threads),
                                      "--format", "json"},
                                     "the empty run in " + name, 120.0, false)
                          .wall_s);
    } else {
      empty.push_back(
          launch_program(launch, layout, {"true"}, "the empty run in " + name, 120.0, false).wall_s);
    }
  }
  return empty;
}

nlohmann::json hosts_of(const nlohmann::json& per_process, const nlohmann::json& reported) {
  nlohmann::json hosts = nlohmann::json::array();
  auto add = [&](const std::string& h) {
    if (!h.empty() && std::find(hosts.begin(), hosts.end(), h) == hosts.end()) hosts.push_back(h);
  };
  for (const auto& p : per_process)
    add(p.value("host", ""));
  for (const auto& r : reported)
    add(r.value("host", ""));
  if (hosts.empty()) hosts.push_back(sys::hostname());
  return hosts;
}

// The first @p max bytes of @p path ("" when it cannot be read).
std::string head(const std::string& path, std::size_t max) {
  std::ifstream in(path, std::ios::binary);
  std::string text(max, '\0');
  in.read(text.data(), static_cast<std::streamsize>(max));
  text.resize(static_cast<std::size_t>(std::max<std::streamsize>(0, in.gcount())));
  return text;
}

std::string base_name(const std::string& path) {
  return path.substr(path.find_last_of('/') + 1);
}

// python, python3, python3.11, pypy3, ...: the name exactly, or followed by a version.
bool is_interpreter(const std::string& name) {
  for (const std::string_view interpreter :
       {"python", "pypy", "Rscript", "julia", "perl", "ruby", "node", "sh", "bash", "dash", "zsh", "ksh"}) {
    if (!name.starts_with(interpreter)) continue;
    const std::string_view rest = std::string_view(name).substr(interpreter.size());
    if (rest.find_first_not_of("0123456789.") == std::string_view::npos) return true;
  }
  return false;
}

// What in a script says it uses MPI, or "" when nothing does.
std::string mpi_in_script(const std::string& text) {
  for (const char* mark : {"mpi4py", "Rmpi", "pbdMPI", "using MPI", "import MPI"})
    if (text.find(mark) != std::string::npos) return mark;
  return "";
}

// The MPI library among the libraries @p path loads (ldd), "" for none; nullopt when ldd cannot tell
// (not a dynamic executable).
std::optional<std::string> loaded_mpi_library(const std::string& path) {
  const exec::ProcessOutcome out = exec::run_process(
      {"ldd", path}, {.timeout_s = 30.0, .stdout_path = "", .stderr_path = "", .environment = {}});
  if (out.status != exec::Status::kOk || out.out.find("=>") == std::string::npos) return std::nullopt;
  std::istringstream lines(out.out);
  for (std::string line; std::getline(lines, line);) {
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos) continue;
    const std::string library = line.substr(start, line.find_first_of(" \t", start) - start);
    for (const char* mpi : {"libmpi.", "libmpi_", "libmpich", "libmpitrampoline", "libboost_mpi"})
      if (library.starts_with(mpi)) return library;
  }
  return "";
}

}  // namespace

MpiGuess guess_mpi(const std::string& path, const std::vector<std::string>& argv) {
  const std::string name = base_name(path);
  if (name == "env") {
    // env [-i] [-u NAME] [NAME=value...] PROGRAM ARGS: PROGRAM says.
    for (std::size_t i = 1; i < argv.size(); ++i) {
      if (argv[i] == "-u" || argv[i] == "--unset" || argv[i] == "-C" || argv[i] == "--chdir") {
        ++i;
        continue;
      }
      if (argv[i].starts_with('-') || argv[i].find('=') != std::string::npos) continue;
      const std::string program = exec::resolve_executable(argv[i]);
      if (program.empty()) break;
      return guess_mpi(program, {argv.begin() + static_cast<std::ptrdiff_t>(i), argv.end()});
    }
    return {true, "env runs a program that could not be found: assumed MPI"};
  }
  if (is_interpreter(name)) {
    for (std::size_t i = 1; i < argv.size(); ++i) {
      std::error_code error;
      if (argv[i].starts_with('-') || !fs::is_regular_file(argv[i], error)) continue;
      const std::string mark = mpi_in_script(head(argv[i], 1 << 20));
      if (!mark.empty()) return {true, fmt::format("its script {} mentions {}", argv[i], mark)};
      return {false, fmt::format("its script {} mentions no MPI (mpi4py, Rmpi, pbdMPI, MPI.jl)", argv[i])};
    }
    return {true, name + " is an interpreter and no script file was named: assumed MPI"};
  }
  const std::string start = head(path, 4096);
  if (start.starts_with("\x7f"
                        "ELF")) {
    const std::optional<std::string> library = loaded_mpi_library(path);
    if (library && !library->empty()) return {true, "its binary loads " + *library};
    if (library) return {false, "its binary loads no MPI library (libmpi, libmpich, Boost.MPI; ldd)"};
    std::ifstream in(path, std::ios::binary);
    const std::string image{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (image.find("MPI_Init") != std::string::npos) return {true, "a static binary that contains MPI_Init"};
    return {false, "a static binary without MPI_Init"};
  }
  if (start.starts_with("#!")) {
    const std::string mark = mpi_in_script(head(path, 1 << 20));
    if (!mark.empty()) return {true, "its script mentions " + mark};
    return {false, "its script mentions no MPI (mpi4py, Rmpi, pbdMPI, MPI.jl)"};
  }
  return {true, "not an ELF binary or a script: assumed MPI"};
}

nlohmann::json program_identity(const ProgramSpec& spec) {
  nlohmann::json files = nlohmann::json::array();
  for (std::size_t i = 1; i < spec.argv.size(); ++i) {
    std::error_code error;
    if (spec.argv[i].find(kWorkPlaceholder) == std::string::npos && fs::is_regular_file(spec.argv[i], error))
      files.push_back({{"path", spec.argv[i]}, {"sha256", sha256(spec.argv[i])}});
  }
  nlohmann::json version = nullptr;
  const exec::ProcessOutcome probe = exec::run_process(
      {spec.path, "--version"},
      {.timeout_s = 5.0, .stdout_path = "", .stderr_path = "", .environment = {"OMP_NUM_THREADS=1"}});
  if (probe.status == exec::Status::kOk) {
    // A version line says "version" or starts with the program's name ("Python 3.11.2" for python3);
    // a program that ignores --version and prints something else has none.
    const std::string text = probe.out.empty() ? probe.err : probe.out;
    const std::string line = text.substr(0, text.find('\n'));
    std::string name = spec.path.substr(spec.path.find_last_of('/') + 1);
    while (!name.empty() && (std::isdigit(static_cast<unsigned char>(name.back())) || name.back() == '.'))
      name.pop_back();
    const auto lower = [](std::string t) {
      for (char& c : t)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return t;
    };
    const std::string l = lower(line);
    const bool says =
        l.find("version") != std::string::npos || (!name.empty() && l.rfind(lower(name), 0) == 0);
    const bool printable = std::none_of(
        line.begin(), line.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
    if (says && printable && line.size() <= 200) version = line;
  }
  return {{"command", spec.argv}, {"path", spec.path},   {"sha256", sha256(spec.path)},  {"files", files},
          {"version", version},   {"mpi", spec.mpi.mpi}, {"mpi_reason", spec.mpi.reason}};
}

Measured measure_program(const Settings& settings, const Layout& layout, std::optional<std::uint64_t> work,
                         std::optional<TimeSource>& source) {
  PARAKIT_REQUIRE(settings.program.has_value(), "a program study");
  const ProgramSpec& spec = *settings.program;
  const std::vector<std::string> argv = work ? with_work(spec.argv, *work) : spec.argv;
  const std::string name = layout_name(layout);
  const std::string what = fmt::format("{} in {}", spec.argv.front(), name);
  LaunchSettings launch = settings.launch;
  launch.mpi = spec.mpi.mpi;
  launch.report_bindings = true;
  // Ask for the program's own run record until a layout has shown that it writes none.
  std::string record_dir, record_file;
  if (!source || *source == TimeSource::kRecord) {
    record_dir = record_directory(settings.launch);
    record_file = record_dir + "/record.json";
    launch.environment.insert(launch.environment.end(),
                              {std::string(kRecordVariable) + "=" + record_file,
                               std::string(kRepeatVariable) + "=" + std::to_string(settings.repeat),
                               std::string(kWarmupVariable) + "=" + std::to_string(settings.warmup)});
  }
  const RemovedAtExit remove_record(record_dir);
  const int total = settings.warmup + settings.repeat;
  say(settings, fmt::format("{}: launch 1 of {}", name, total));
  std::vector<Launched> runs;
  runs.push_back(launch_program(launch, layout, argv, what, settings.timeout_s, true));
  std::error_code error;
  const bool wrote_record = !record_file.empty() && fs::exists(record_file, error);

  Measured measured;
  nlohmann::json& record = measured.record;
  std::vector<std::string> outputs;  // of the timed launches
  if (wrote_record) {
    source = TimeSource::kRecord;
    std::ifstream in(record_file);
    record = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    fs::remove(record_file, error);
    if (!is_run_record(record)) {
      throw Error(
          fmt::format("{} wrote ${} that is not a parakit run record (accepted: schema {} with timing, "
                      "phases, per_rank and context, as parakit::mpi::write_study_record writes it)",
                      what, kRecordVariable, report::kSchema));
    }
    if (record.value("ranks", 0) != layout.ranks || record.value("threads_per_rank", 0) != layout.threads) {
      throw Error(
          fmt::format("{} ran as {}x{} (its run record says so): does it take its threads from "
                      "OMP_NUM_THREADS?",
                      what, record.value("ranks", 0), record.value("threads_per_rank", 0)));
    }
    record["program_kernel"] = record.value("kernel", "");  // its own name; the study's records say "program"
    record["kernel"] = "program";
    record["program_result"] =
        record.value("result", nlohmann::json(nullptr));  // its own; `result` is the study's
    outputs.push_back(runs.front().out);
    measured.point = point_from_record(program_kernel(), record);
    measured.point.wall_s = runs.front().wall_s;
    measured.point.wall_check = false;  // its set-up outside its timed runs is its own business
  } else {
    if (source == TimeSource::kRecord) {
      throw Error(
          fmt::format("{} wrote no run record (${}), though the first layout did", what, kRecordVariable));
    }
    if (!source) source = spec.time_regex.empty() ? TimeSource::kLaunch : TimeSource::kRegex;
    launch.environment = settings.launch.environment;  // no record asked for any more
    for (int i = 1; i < total; ++i) {
      say(settings, fmt::format("{}: launch {} of {}", name, i + 1, total));
      runs.push_back(launch_program(launch, layout, argv, what, settings.timeout_s, true));
    }
    // With no warm-up the first launch is timed; else the first settings.warmup launches are not.
    std::vector<double> times, walls;
    std::optional<std::regex> time_pattern;
    if (*source == TimeSource::kRegex) time_pattern = compile_regex(spec.time_regex, "--time-regex");
    for (int i = settings.warmup; i < total; ++i) {
      const Launched& run = runs[static_cast<std::size_t>(i)];
      walls.push_back(run.wall_s);
      outputs.push_back(run.out);
      if (!time_pattern) {
        times.push_back(run.wall_s);
        continue;
      }
      const std::optional<double> t = last_number(run.out, *time_pattern);
      if (!t || *t < 0.0) {
        throw Error(
            fmt::format("--time-regex: {} printed no time that matches {} (accepted: a number >= 0 in "
                        "its first capture group; its output began: {})",
                        what, report::quoted(spec.time_regex), report::quoted(run.out, 120)));
      }
      times.push_back(*t);
    }
    const Launched& first_timed = runs[static_cast<std::size_t>(settings.warmup)];
    const nlohmann::json processes = parse_affinity(first_timed.err);
    const nlohmann::json reported = parse_reported_bindings(first_timed.err);
    record = {{"schema", report::kSchema},
              {"kernel", "program"},
              {"ranks", layout.ranks},
              {"threads_per_rank", layout.threads},
              {"timing",
               {{"source", time_source_name(*source)},
                {"times_s", times},
                {"warmup", settings.warmup},
                {"repeat", settings.repeat},
                {"median_s", report::summarize(times).median},
                {"wall_s", walls}}},
              {"phases", nlohmann::json::object()},
              {"per_rank", processes},
              {"launch", {{"reported_bindings", reported}}},
              // The study's own context (its host, OpenMP settings, a Slurm job's ids), the program's hosts.
              {"context",
               report::context_record({argv, launch.mpi ? settings.launch.launcher_version : "", "", "", ""},
                                      hosts_of(processes, reported))}};
    measured.point = point_from_record(program_kernel(), record);
    measured.point.peak_rss_rank_bytes = kNaN;
    measured.point.peak_rss_total_bytes = kNaN;
    measured.point.runs = 1;
    // A launch timed from outside is its own wall clock; a time from the output is checked against it.
    measured.point.wall_s = *source == TimeSource::kRegex ? report::summarize(walls).median : kNaN;
    measured.point.wall_check = false;  // the program's start-up and set-up are outside its own time
  }
  record["program"] = spec.identity;
  record["command"] = command_line(argv);
  record["unit"] = spec.unit;
  record["work"] = work ? nlohmann::json(*work) : nlohmann::json(nullptr);
  record["timing"]["source"] = time_source_name(*source);
  record["result_check"] = {
      {"same_output", spec.same_output}, {"result_regex", spec.result_regex}, {"rtol", spec.rtol}};
  record["launch"]["command"] = command_line(launch_argv(launch, layout, argv));
  record["launch"]["environment"] = launch_environment(settings.launch, layout);
  // Every timed launch must agree with the first: a program whose result depends on the run is broken.
  record["result"] = output_result(spec, outputs.front(), what);
  for (std::size_t i = 1; i < outputs.size(); ++i) {
    const std::string why = result_difference(spec, record["result"], output_result(spec, outputs[i], what));
    if (!why.empty())
      throw WrongAnswer(
          fmt::format("{}: timed launch {} and 1 gave different results: {}", what, i + 1, why));
  }
  measured.point.work = work ? static_cast<double>(*work) : kNaN;
  set_launch_cost(measured.point, empty_runs(settings, launch, layout));
  record["launch"]["cost_s"] = measured.point.launch_s;
  measured.point.oversubscribed = oversubscribed(settings.launch, layout);
  measured.point.implementation = "program";
  return measured;
}

void check_program_results(const ProgramSpec& spec, const std::vector<nlohmann::json>& records,
                           const std::vector<Point>& points) {
  for (std::size_t i = 1; i < records.size(); ++i) {
    const nlohmann::json none = nlohmann::json::object();
    const std::string why =
        result_difference(spec, records[0].value("result", none), records[i].value("result", none));
    if (!why.empty()) {
      throw WrongAnswer(fmt::format("{} and {} computed different results for the same work: {}",
                                    points[0].label, points[i].label, why));
    }
  }
}

std::vector<std::string> program_warnings(const ProgramSpec& spec, TimeSource source) {
  std::vector<std::string> warnings;
  if (source == TimeSource::kLaunch) {
    warnings.push_back(
        "each time is one whole launch of the program, timed from outside: it includes the launch cost "
        "(launch_s, measured apart with empty runs of the same layout), which is not subtracted; give "
        "--time-regex when the program prints its own time");
  }
  if (!spec.same_output && spec.result_regex.empty()) {
    warnings.push_back(
        "results were not checked: give --same-output (identical standard output in every layout) or "
        "--result-regex REGEX --rtol X (one number)");
  }
  return warnings;
}

}  // namespace parakit::study
