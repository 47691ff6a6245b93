#pragma once
/// @file
/// @brief Launching parakit itself in a given ranks x threads layout (mpirun, or srun inside a Slurm
/// allocation) and timing it from outside: what `parakit compare` and `parakit scale` are made of.
/// These run no MPI in the calling process: they start jobs.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace parakit::study {

/// @brief Ranks x OpenMP threads per rank.
struct Layout {
  int ranks = 1;
  int threads = 1;
  int cores() const { return ranks * threads; }
  bool operator==(const Layout&) const = default;
};

/// @brief "2x1".
std::string layout_name(const Layout& layout);

/// @brief Every layout with ranks x threads = @p cores, processes first: C x 1, ..., 1 x C.
/// @throws parakit::UsageError unless 1 <= cores <= 4096.
std::vector<Layout> factorizations(int cores);

/// @brief How `scale` turns a core count into a layout.
enum class Mode { kProcesses, kThreads, kHybrid };

/// @brief Parses "processes", "threads" or "hybrid". @throws parakit::UsageError otherwise.
Mode parse_mode(std::string_view name);

/// @brief The layout of @p cores in @p mode: processes p x 1, threads 1 x p, hybrid p/T x T with T =
/// @p threads_per_rank (1 x p below T).
/// @throws parakit::UsageError when hybrid's p is not a multiple of T.
Layout layout_for(Mode mode, int cores, int threads_per_rank);

/// @brief Which program starts the ranks.
enum class Launcher { kMpirun, kSrun };

/// @brief How every run of a study is launched.
struct LaunchSettings {
  Launcher launcher = Launcher::kMpirun;
  /// One host only: Open MPI's shared-memory transport, without probing the network stacks (UCX),
  /// which cuts the launch cost (here from about 0.3 s to 0.1 s). Set through OMPI_MCA_* variables
  /// the user has not set.
  bool fast_profile = false;
  int available_cores = 1;  ///< the cores the runs may use (this process's, or the Slurm allocation's CPUs)
  int cores_per_node = 1;   ///< of the smallest node: one rank's threads must fit on one node
  int nodes = 1;            ///< hosts the runs may use (0: unknown, a batch system's host file)
  std::string description;  ///< in words, for the report
  std::string launcher_version;  ///< the first line of `mpirun --version` (empty for srun)
  /// The runs are MPI programs. When false (a program study of an OpenMP-only or serial program) one
  /// process runs without mpirun (`srun -n 1` inside a Slurm allocation), and a layout has one rank.
  bool mpi = true;
  std::vector<std::string> environment;  ///< NAME=value for every run, beside launch_environment()'s own
  /// Ask the launcher and the OpenMP runtime to report the bindings they made (mpirun
  /// --report-bindings, srun --cpu-bind=verbose, OMP_DISPLAY_AFFINITY): on the runs' standard error.
  bool report_bindings = false;
};

/// @brief Throws parakit::UsageError when this process is a rank of an MPI job (started by mpirun or
/// srun): a study launches its own runs, and a launcher cannot be nested in a job.
void refuse_inside_mpi_job();

/// @brief The launch settings for @p launcher ("auto", "mpirun" or "srun") and @p fast_launch ("auto"
/// or "off"), from this process's environment: inside a Slurm allocation (SLURM_JOB_ID) auto means
/// srun, and the allocation's CPUs (SLURM_JOB_CPUS_PER_NODE) and nodes count; elsewhere mpirun on the
/// physical cores (hwloc) this process may run on. The fast profile is off with several nodes or a
/// PBS/LSF/SGE/Open MPI host file.
/// @throws parakit::UsageError for an unknown choice, a launcher that is missing (or an mpirun that
/// is not Open MPI's), or when called inside an MPI job (a launcher cannot be nested in one).
/// @p mpi false (a program study of a program that is not MPI): mpirun is neither needed nor checked.
LaunchSettings detect_launch(std::string_view launcher, std::string_view fast_launch, bool mpi = true);

/// @brief More threads than the cores the runs may use, or more threads per rank than one node has.
bool oversubscribed(const LaunchSettings& settings, const Layout& layout);

/// @brief The whole command line that runs @p program (its argv) in @p layout, ranks bound to cores
/// (or unbound and oversubscribed when the layout has more threads than CPUs).
std::vector<std::string> launch_argv(const LaunchSettings& settings, const Layout& layout,
                                     const std::vector<std::string>& program);

/// @brief The variables the launched ranks get: OMP_NUM_THREADS, OMP_PLACES/OMP_PROC_BIND (when
/// bound), the fast profile's OMPI_MCA_* (when on and not set by the user).
std::vector<std::string> launch_environment(const LaunchSettings& settings, const Layout& layout);

/// @brief @p words as one POSIX shell command line: each quoted (exec::shell_quote), joined by spaces.
std::string command_line(const std::vector<std::string>& words);

/// @brief One launch timed from outside.
struct Launched {
  double wall_s = 0.0;    ///< from fork to exit, measured here
  nlohmann::json record;  ///< the JSON record the program printed on its standard output
  std::string out;        ///< its standard output
  std::string err;        ///< its standard error
};

/// @brief Runs @p program in @p layout and returns its output, without reading a record.
/// @param quote_errors Quote the program's error line (report::quoted): it is not parakit's own.
/// @throws parakit::Error naming @p what, the command, and its exit code and first error line, or the
/// time limit it ran past.
Launched launch_program(const LaunchSettings& settings, const Layout& layout,
                        const std::vector<std::string>& program, const std::string& what, double timeout_s,
                        bool quote_errors);

/// @brief Runs @p program in @p layout and parses the one JSON record it prints.
/// @param what Names the run in messages, e.g. "pi in 2x1".
/// @throws parakit::UsageError carrying the program's own one-line message when it exited 2 (bad
/// options are the user's), parakit::Error naming the command, its exit code and its first error
/// line otherwise, or when it printed no JSON record.
Launched launch(const LaunchSettings& settings, const Layout& layout, const std::vector<std::string>& program,
                const std::string& what, double timeout_s = 0.0);

/// @brief This executable's path (/proc/self/exe), to launch parakit itself.
std::string self_path();

/// @brief The directory of the files parakit ships beside its binary (the gnuplot script, the seed's
/// Python versions): `<bin>/../share/parakit`, in the build tree and where it is installed.
/// @throws parakit::Error when it is missing.
std::string data_dir();

}  // namespace parakit::study
