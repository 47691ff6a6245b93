#include "parakit/study/python.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "parakit/error.hpp"
#include "parakit/exec/process.hpp"
#include "parakit/parse.hpp"
#include "parakit/study/launch.hpp"
#include "parakit/study/point.hpp"
#include "parakit/study/work.hpp"
#include "parakit/sys.hpp"

namespace parakit::study {
namespace {

// One run of the script in the way @p how: its outside wall time (seconds) and its JSON record.
std::pair<double, nlohmann::json> run_python(const Settings& settings, const PythonStudy& py,
                                             const std::string& how) {
  const std::vector<std::string> argv{py.python,   py.script,
                                      "--how",     how,
                                      "--samples", py.samples,
                                      "--workers", std::to_string(py.cores),
                                      "--repeat",  std::to_string(settings.repeat),
                                      "--warmup",  std::to_string(settings.warmup)};
  const double start_s = sys::now_s();
  const exec::ProcessOutcome outcome = exec::run_process(
      argv, {.timeout_s = settings.timeout_s, .stdout_path = "", .stderr_path = "", .environment = {}});
  const double wall_s = sys::now_s() - start_s;
  if (outcome.status != exec::Status::kOk) {
    std::string line = outcome.err.substr(0, outcome.err.find('\n'));
    std::istringstream lines(outcome.err);
    for (std::string l; std::getline(lines, l);)
      if (!l.empty()) line = l;  // Python's last line says what went wrong
    if (line.empty())
      line = "cannot run " + py.python + " (set PARAKIT_PYTHON to a Python 3 with pandas and Dask)";
    throw Error(fmt::format("--with-python: `{}` failed (exit code {}): {}", command_line(argv),
                            outcome.exit_code, line));
  }
  auto json = nlohmann::json::parse(outcome.out, nullptr, false);
  if (!json.is_object()) throw Error("--with-python: " + py.script + " printed no JSON record");
  return {wall_s, json};
}

}  // namespace

PythonStudy prepare_python(const Settings& settings, int cores) {
  PythonStudy py;
  py.script = data_dir() + "/seed_python.py";
  if (const char* chosen = std::getenv("PARAKIT_PYTHON"); chosen != nullptr && *chosen != '\0') {
    py.python = chosen;
  } else {
    py.python = exec::find_executable("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  }
  py.samples = work_value(*settings.kernel, settings.kernel_options);
  const auto tasks =
      parse_count_list(py.samples, "--samples", kMaxWork).size();  // refused here, not by Python
  py.cores = cores;
  py.workers = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(cores), tasks));
  for (int i = 0; i < settings.repeat; ++i) {
    say(settings, fmt::format("python: empty run {} of {}", i + 1, settings.repeat));
    py.empty_s.push_back(run_python(settings, py, "empty").first);
  }
  return py;
}

std::vector<Point> measure_python(const Settings& settings, const PythonStudy& python) {
  // Pool.map and Dask get one task per --samples entry: no more than that many workers are ever busy,
  // so their rows count those (the seed's 2 tasks on 8 cores use 2 of them).
  const struct {
    const char* how;
    const char* label;
    Layout layout;
  } versions[] = {{"pandas", "python pandas.apply", {1, 1}},
                  {"pool", "python Pool.map", {python.workers, 1}},
                  {"dask", "python dask", {1, python.workers}}};
  std::vector<Point> points;
  for (const auto& v : versions) {
    say(settings, fmt::format("{}: {} runs", v.label, settings.warmup + settings.repeat));
    const auto [wall_s, json] = run_python(settings, python, v.how);
    Point p;
    p.label = v.label;
    p.implementation = "python";
    p.layout = v.layout;
    p.work = json.value("samples", 0.0);
    p.times_s = json["times_s"].get<std::vector<double>>();
    p.runs = settings.warmup + settings.repeat;
    set_launch_cost(p, python.empty_s);
    p.wall_s = wall_s;
    p.oversubscribed = oversubscribed(settings.launch, v.layout);
    points.push_back(std::move(p));
  }
  return points;
}

}  // namespace parakit::study
