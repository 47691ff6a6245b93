#pragma once
/// @file
/// @brief Facts about the calling process and its environment (no MPI): host, pid, CPUs, OMP_* settings.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parakit::sys {

/// @brief Seconds since an arbitrary fixed point: parakit's one clock (steady, monotonic), used for every
/// duration it measures, inside the ranks and outside them.
inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// @brief True when @p a and @p b name one regular file: the same device and inode when both exist, else
/// the same absolute path once normalised (symbolic links of existing parents followed). Devices and pipes
/// (/dev/null, /dev/stdout) may be named twice.
bool same_file(const std::string& a, const std::string& b);

/// @brief This host's name.
std::string hostname();

/// @brief The target of @p path when it is a symbolic link to a regular file, else @p path: writers that
/// replace a file by a rename use it, so that the link stays a link and its target is replaced.
std::string follow_file_link(const std::string& path);

/// @brief The permission bits a file that replaces @p path gets: those of the file at @p path when there
/// is one, else 0666 less the umask (what open(2) gives a new file; mkstemp's temporary files get 0600).
unsigned new_file_mode(const std::string& path);

/// @brief Keeps freed memory in this process for its next allocations (glibc: blocks up to 32 MiB come
/// from the heap, and up to 1 GiB of freed heap stays mapped). Repeated runs then reuse pages that are
/// already mapped, where each fresh page costs a fault and its zeroing (on a virtual machine a trap to
/// the host as well). Memory stays with the process until it ends; blocks larger than 32 MiB (columns)
/// are still mapped and unmapped on their own. Call it before the first allocation that matters.
void keep_freed_memory();

/// @brief This process's id.
long pid();

/// @brief The peak resident memory of this process so far (getrusage), in bytes.
long long peak_rss_bytes();

/// @brief The number of CPUs online on this host.
int online_cpus();

/// @brief The CPUs the calling thread may run on (its affinity mask; the process's before threads
/// bind themselves), ascending.
std::vector<int> allowed_cpus();

/// @brief The CPUs a team of @p threads OpenMP threads may run on together: the union of every team
/// thread's affinity. With OMP_PROC_BIND set, the calling thread alone is bound to one place, so
/// allowed_cpus() would see only that place's CPUs.
std::vector<int> team_allowed_cpus(int threads);

/// @brief Each thread's affinity in a team of @p threads OpenMP threads, by thread number: with
/// OMP_PLACES=cores and OMP_PROC_BIND=close, one core's CPUs each. Empty where a thread was not
/// started or its affinity could not be read.
std::vector<std::vector<int>> team_thread_cpus(int threads);

/// @brief The union of @p per_thread (as team_thread_cpus gives it), ascending; allowed_cpus() if empty.
std::vector<int> team_allowed_cpus(const std::vector<std::vector<int>>& per_thread);

/// @brief A CPU list in the kernel's compact form, e.g. "0-3,6".
std::string cpu_list(const std::vector<int>& cpus);

/// @brief More OpenMP threads per rank than this is a typo, not a machine.
inline constexpr int kMaxThreads = 4096;

/// @brief The default thread count of a rank: OMP_NUM_THREADS (its first entry) when set to a number
/// from 1 to kMaxThreads, else the number of CPUs the process may run on.
int default_threads();

/// @brief Every OMP_* and GOMP_* environment variable, sorted by name.
std::vector<std::pair<std::string, std::string>> openmp_environment();

/// @brief The Slurm job this process runs in, from the environment Slurm gives every task and batch
/// script: (field, value) pairs such as ("job_id", "1234"), ("node_list", "node[01-02]"); empty
/// outside a Slurm job. Fields: job_id, array_job_id, array_task_id, job_name, partition, cluster,
/// node_list, nodes, ntasks, ntasks_per_node, cpus_per_task, step_id, restart_count.
std::vector<std::pair<std::string, std::string>> slurm_job();

/// @brief The OpenMP version this was compiled against, e.g. "4.5 (201511)".
std::string openmp_version();

/// @brief The size of the OpenMP team a parallel region asking for @p threads gets (the runtime may give
/// fewer: OMP_THREAD_LIMIT, OMP_DYNAMIC). Starts that team.
int openmp_team(int threads);

/// @brief The OpenMP runtime's settings in effect for a new parallel region of the calling thread.
struct OpenMpSettings {
  int max_threads = 0;    ///< omp_get_max_threads()
  int thread_limit = 0;   ///< omp_get_thread_limit()
  bool dynamic = false;   ///< omp_get_dynamic()
  std::string proc_bind;  ///< omp_get_proc_bind(): "false", "true", "master", "close" or "spread"
  int num_places = 0;     ///< omp_get_num_places(): 0 when OMP_PLACES is not set
};

/// @brief The settings in effect now (after OMP_* variables were read by the runtime).
OpenMpSettings openmp_settings();

/// @brief The current UTC time in ISO 8601, e.g. "2026-11-25T15:04:05Z".
std::string utc_timestamp();

/// @brief True when file descriptor @p fd is a terminal.
bool is_terminal(int fd);

/// @brief Writes all of @p content to @p fd (again after EINTR and short writes); returns 0, or the
/// errno of the failure (EIO when write wrote nothing).
int write_all(int fd, std::string_view content);

}  // namespace parakit::sys
