#include "parakit/study/launch.hpp"

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/exec/process.hpp"
#include "parakit/quote.hpp"
#include "parakit/report/quote.hpp"
#include "parakit/study/program.hpp"
#include "parakit/sys.hpp"
#include "parakit/topology.hpp"

namespace parakit::study {
namespace {

const char* env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

// SLURM_JOB_CPUS_PER_NODE, e.g. "16(x2),8": the allocation's CPUs in all and on its smallest node;
// {0, 0} when it does not parse.
std::pair<int, int> slurm_cpus(const char* text) {
  int total = 0, smallest = 0;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    int cpus = 0, times = 1;
    if (std::sscanf(item.c_str(), "%d(x%d)", &cpus, &times) < 1 || cpus <= 0 || times <= 0) return {0, 0};
    total += cpus * times;
    smallest = smallest == 0 ? cpus : std::min(smallest, cpus);
  }
  return {total, smallest};
}

// The message a failed run left: parakit's own error line, else the first paragraph that says
// something (Open MPI's messages span several lines), in one line.
std::string first_error_line(const std::string& err) {
  std::istringstream in(err);
  std::string line, first;
  bool done = false;
  while (std::getline(in, line)) {
    if (line.find("error") != std::string::npos && line.rfind("parakit", 0) == 0) return line;
    // What the study asked the launcher and OpenMP to report (report_bindings) is not a message.
    if (line.rfind("parakit-affinity ", 0) == 0 || line.find("] MCW rank ") != std::string::npos ||
        line.find("cpu-bind=") != std::string::npos)
      continue;
    const bool blank = line.find_first_not_of(" \t-*") == std::string::npos;
    if (done || (blank && first.empty())) continue;
    if (blank) {
      done = true;
      continue;
    }
    if (!first.empty()) first += ' ';
    first += line.substr(line.find_first_not_of(" \t"));
  }
  if (first.size() > 400) first = first.substr(0, 400) + " ...";
  return first.empty() ? "(no message)" : first;
}

}  // namespace

std::string layout_name(const Layout& layout) {
  return fmt::format("{}x{}", layout.ranks, layout.threads);
}

std::vector<Layout> factorizations(int cores) {
  if (cores < 1 || cores > sys::kMaxThreads) {
    throw UsageError(fmt::format("--cores: {} is out of range (accepted: 1 to {})", cores, sys::kMaxThreads));
  }
  std::vector<Layout> layouts;
  for (int ranks = cores; ranks >= 1; --ranks) {
    if (cores % ranks == 0) layouts.push_back({ranks, cores / ranks});
  }
  return layouts;
}

Mode parse_mode(std::string_view name) {
  if (name == "processes") return Mode::kProcesses;
  if (name == "threads") return Mode::kThreads;
  if (name == "hybrid") return Mode::kHybrid;
  throw UsageError("--mode: '" + std::string(name) +
                   "' is not a mode (accepted: processes, threads, hybrid)");
}

Layout layout_for(Mode mode, int cores, int threads_per_rank) {
  switch (mode) {
    case Mode::kProcesses:
      return {cores, 1};
    case Mode::kThreads:
      return {1, cores};
    case Mode::kHybrid:
      break;
  }
  if (cores < threads_per_rank) return {1, cores};
  if (cores % threads_per_rank != 0) {
    throw UsageError(
        fmt::format("--cores: {} is not a multiple of --threads-per-rank {} (accepted in hybrid "
                    "mode: core counts below it or multiples of it)",
                    cores, threads_per_rank));
  }
  return {cores / threads_per_rank, threads_per_rank};
}

void refuse_inside_mpi_job() {
  if (env("OMPI_COMM_WORLD_SIZE") != nullptr || env("PMIX_RANK") != nullptr || env("PMI_RANK") != nullptr) {
    throw UsageError(
        "this command starts its own runs with mpirun or srun: run it directly, not under mpirun or srun");
  }
}

LaunchSettings detect_launch(std::string_view launcher, std::string_view fast_launch, bool mpi) {
  refuse_inside_mpi_job();
  if (fast_launch != "auto" && fast_launch != "off") {
    throw UsageError("--fast-launch: '" + std::string(fast_launch) +
                     "' is not a choice (accepted: auto, off)");
  }
  const bool in_slurm = env("SLURM_JOB_ID") != nullptr;
  LaunchSettings settings;
  if (launcher == "srun" || (launcher == "auto" && in_slurm)) {
    settings.launcher = Launcher::kSrun;
  } else if (launcher != "auto" && launcher != "mpirun") {
    throw UsageError("--launcher: " + parakit::quoted(launcher) +
                     " is not a launcher (accepted: auto, mpirun, srun)");
  }
  const std::string program = settings.launcher == Launcher::kSrun ? "srun" : "mpirun";
  settings.mpi = mpi;
  const bool needed = mpi || settings.launcher == Launcher::kSrun;  // one process needs no mpirun
  if (needed && !exec::find_executable(program)) {
    throw UsageError("--launcher: " + program + " is not in PATH (load your site's MPI module, or install " +
                     (program == "srun" ? std::string("Slurm") : std::string("Open MPI")) + ")");
  }
  if (needed && settings.launcher == Launcher::kMpirun) {
    // The command lines below use Open MPI's options (-x, --map-by slot:PE=T, --oversubscribe).
    const exec::ProcessOutcome version =
        exec::run_process({"mpirun", "--version"},
                          {.timeout_s = 30.0, .stdout_path = "", .stderr_path = "", .environment = {}});
    if (version.out.find("Open MPI") == std::string::npos &&
        version.out.find("OpenRTE") == std::string::npos) {
      throw UsageError("--launcher: the mpirun in PATH is not Open MPI's (" +
                       version.out.substr(0, version.out.find('\n')) +
                       "); parakit's studies drive Open MPI's mpirun, or srun (--launcher srun)");
    }
    settings.launcher_version = version.out.substr(0, version.out.find('\n'));
  }
  // Physical cores: mpirun's slots and --bind-to core count cores, not hardware threads.
  settings.available_cores = std::max(1, sys::read_topology().allowed_cores);
  settings.cores_per_node = settings.available_cores;
  if (in_slurm) {
    if (const char* cpus = env("SLURM_JOB_CPUS_PER_NODE"); cpus != nullptr && slurm_cpus(cpus).first > 0)
      std::tie(settings.available_cores, settings.cores_per_node) = slurm_cpus(cpus);
    if (const char* nodes = env("SLURM_JOB_NUM_NODES"); nodes != nullptr && std::atoi(nodes) > 0)
      settings.nodes = std::atoi(nodes);
  }
  // A batch system's host file (or Open MPI's default one) spreads mpirun's ranks over unknown hosts.
  const char* host_file = nullptr;
  for (const char* name :
       {"PBS_NODEFILE", "LSB_DJOB_HOSTFILE", "PE_HOSTFILE", "OMPI_MCA_orte_default_hostfile"}) {
    if (host_file == nullptr && env(name) != nullptr) host_file = name;
  }
  if (host_file != nullptr && settings.launcher == Launcher::kMpirun && !in_slurm) settings.nodes = 0;
  settings.fast_profile = fast_launch == "auto" && settings.nodes == 1;
  settings.description = fmt::format("{} on {} core{}", program, settings.available_cores,
                                     settings.available_cores == 1 ? "" : "s");
  settings.description += settings.nodes == 0
                              ? fmt::format(" of the hosts in ${}", host_file)
                              : fmt::format(" of {} node{}", settings.nodes, settings.nodes == 1 ? "" : "s");
  if (in_slurm) settings.description += fmt::format(" (Slurm job {})", env("SLURM_JOB_ID"));
  settings.description += settings.fast_profile
                              ? "; fast single-node launch profile: Open MPI pml ob1, btl self,vader "
                                "(shared memory), osc ^ucx"
                              : "; default Open MPI transports";
  return settings;
}

bool oversubscribed(const LaunchSettings& settings, const Layout& layout) {
  return layout.cores() > settings.available_cores || layout.threads > settings.cores_per_node;
}

std::vector<std::string> launch_argv(const LaunchSettings& settings, const Layout& layout,
                                     const std::vector<std::string>& program) {
  const bool over = oversubscribed(settings, layout);
  std::vector<std::string> argv;
  if (!settings.mpi && settings.launcher == Launcher::kMpirun) {
    argv = program;  // one process of its own: OMP_PLACES/OMP_PROC_BIND place its threads
    return argv;
  }
  if (!settings.mpi) {
    argv = {"srun", "--kill-on-bad-exit=1", "-n", "1", "-c", std::to_string(layout.threads)};
    if (over) {
      argv.insert(argv.end(), {"--overcommit", "--cpu-bind=none"});
    } else {
      argv.emplace_back(settings.report_bindings ? "--cpu-bind=verbose,cores" : "--cpu-bind=cores");
    }
    argv.insert(argv.end(), program.begin(), program.end());
    return argv;
  }
  if (settings.launcher == Launcher::kSrun) {
    // PMIx works with Debian's Open MPI; a site that sets SLURM_MPI_TYPE keeps its own choice.
    argv = {"srun"};
    if (env("SLURM_MPI_TYPE") == nullptr) argv.emplace_back("--mpi=pmix");
    argv.insert(argv.end(), {"--kill-on-bad-exit=1", "-n", std::to_string(layout.ranks), "-c",
                             std::to_string(layout.threads)});
    if (over) {
      argv.insert(argv.end(), {"--overcommit", "--cpu-bind=none"});
    } else {
      argv.emplace_back(settings.report_bindings ? "--cpu-bind=verbose,cores" : "--cpu-bind=cores");
    }
  } else {
    argv = {"mpirun", "-n", std::to_string(layout.ranks)};
    if (settings.report_bindings) argv.emplace_back("--report-bindings");
    if (over) {
      argv.insert(argv.end(), {"--oversubscribe", "--bind-to", "none"});
    } else {
      argv.insert(argv.end(),
                  {"--map-by", layout.threads == 1 ? "core" : fmt::format("slot:PE={}", layout.threads),
                   "--bind-to", "core"});
    }
    for (const std::string& variable : launch_environment(settings, layout))
      argv.insert(argv.end(), {"-x", variable.substr(0, variable.find('='))});
  }
  argv.insert(argv.end(), program.begin(), program.end());
  return argv;
}

std::vector<std::string> launch_environment(const LaunchSettings& settings, const Layout& layout) {
  std::vector<std::string> variables{"OMP_NUM_THREADS=" + std::to_string(layout.threads)};
  if (!oversubscribed(settings, layout)) {
    variables.insert(variables.end(), {"OMP_PLACES=cores", "OMP_PROC_BIND=close"});
  } else {
    variables.emplace_back("OMP_PROC_BIND=false");
  }
  if (settings.report_bindings) {
    variables.insert(variables.end(),
                     {"OMP_DISPLAY_AFFINITY=true", std::string("OMP_AFFINITY_FORMAT=") + kAffinityFormat});
  }
  variables.insert(variables.end(), settings.environment.begin(), settings.environment.end());
  if (settings.fast_profile && settings.mpi) {
    for (const char* setting : {"OMPI_MCA_pml=ob1", "OMPI_MCA_btl=self,vader", "OMPI_MCA_osc=^ucx"}) {
      const std::string name(setting, std::string_view(setting).find('='));
      if (env(name.c_str()) == nullptr) variables.emplace_back(setting);
    }
  }
  return variables;
}

std::string command_line(const std::vector<std::string>& words) {
  std::string line;
  for (const auto& word : words) {
    if (!line.empty()) line += ' ';
    line += exec::shell_quote(word);
  }
  return line;
}

Launched launch_program(const LaunchSettings& settings, const Layout& layout,
                        const std::vector<std::string>& program, const std::string& what, double timeout_s,
                        bool quote_errors) {
  const std::vector<std::string> argv = launch_argv(settings, layout, program);
  exec::ProcessOptions options;
  options.timeout_s = timeout_s;
  options.environment = launch_environment(settings, layout);
  const double start_s = sys::now_s();
  exec::ProcessOutcome outcome = exec::run_process(argv, options);
  Launched launched;
  launched.wall_s = sys::now_s() - start_s;
  const std::string command = command_line(argv);
  if (outcome.status != exec::Status::kOk) {
    const std::string line = first_error_line(outcome.err);
    constexpr std::string_view kPrefix = "parakit: error: ";
    if (!quote_errors && outcome.exit_code == kExitUsage && line.rfind(kPrefix, 0) == 0)
      throw UsageError(line.substr(kPrefix.size()));
    if (outcome.status == exec::Status::kTimedOut) {
      throw Error(fmt::format("{}: `{}` ran past {} s and was stopped", what, command, timeout_s));
    }
    if (outcome.status == exec::Status::kNotStarted)
      throw Error(fmt::format("{}: `{}` could not be started: {}", what, command, report::quoted(line)));
    throw Error(fmt::format("{}: `{}` exited with code {}: {}", what, command, outcome.exit_code,
                            quote_errors ? report::quoted(line, 300) : line));
  }
  launched.out = std::move(outcome.out);
  launched.err = std::move(outcome.err);
  return launched;
}

Launched launch(const LaunchSettings& settings, const Layout& layout, const std::vector<std::string>& program,
                const std::string& what, double timeout_s) {
  Launched launched = launch_program(settings, layout, program, what, timeout_s, false);
  const std::string command = command_line(launch_argv(settings, layout, program));
  // The record is the last line that is a JSON object (Open MPI may print notes before it).
  std::istringstream out(launched.out);
  std::string line, last;
  while (std::getline(out, line)) {
    if (line.starts_with('{')) last = line;
  }
  launched.record = nlohmann::json::parse(last, nullptr, /*allow_exceptions=*/false);
  if (!launched.record.is_object()) {
    throw Error(fmt::format("{}: `{}` printed no JSON record (its output began: {})", what, command,
                            launched.out.substr(0, 200)));
  }
  return launched;
}

std::string self_path() {
  std::error_code error;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", error);
  PARAKIT_REQUIRE(!error, "/proc/self/exe names this executable");
  return path.string();
}

std::string data_dir() {
  const auto dir = std::filesystem::path(self_path()).parent_path().parent_path() / "share" / "parakit";
  if (!std::filesystem::is_directory(dir)) {
    throw Error("parakit's data directory " + dir.string() +
                " is missing (it is made by the build and by cmake --install)");
  }
  return dir.string();
}

}  // namespace parakit::study
