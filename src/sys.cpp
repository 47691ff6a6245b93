#include "parakit/sys.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string_view>
#include <system_error>

#include <malloc.h>
#include <omp.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

extern char** environ;

namespace parakit::sys {

bool same_file(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  struct stat sa {};
  struct stat sb {};
  const bool has_a = ::stat(a.c_str(), &sa) == 0;
  const bool has_b = ::stat(b.c_str(), &sb) == 0;
  if (has_a && has_b) return S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (has_a != has_b) return false;
  std::error_code ea;
  std::error_code eb;
  const fs::path pa = fs::weakly_canonical(fs::absolute(a), ea);
  const fs::path pb = fs::weakly_canonical(fs::absolute(b), eb);
  if (ea || eb) return fs::absolute(a).lexically_normal() == fs::absolute(b).lexically_normal();
  return pa == pb;
}

std::string hostname() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) return "unknown";
  return name.data();
}

unsigned new_file_mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return st.st_mode & 07777;
  const mode_t mask = ::umask(0);  // reading the umask means setting it: put it back at once
  ::umask(mask);
  return 0666 & ~mask;
}

void keep_freed_memory() {
#if defined(__GLIBC__)
  // Fixed thresholds (glibc's own grow only once a block of that size has been freed). 32 MiB is the
  // largest mmap threshold glibc takes on 64-bit systems.
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

long pid() {
  return static_cast<long>(getpid());
}

long long peak_rss_bytes() {
  struct rusage usage {};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<long long>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

int online_cpus() {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 0;
}

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return cpus;
  for (std::size_t cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(static_cast<int>(cpu));
  }
  return cpus;
}

std::string follow_file_link(const std::string& path) {
  struct stat st {};
  struct stat link {};
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::lstat(path.c_str(), &link) == 0 &&
      S_ISLNK(link.st_mode)) {
    if (char* real = ::realpath(path.c_str(), nullptr)) {
      std::string resolved(real);
      std::free(real);
      return resolved;
    }
  }
  return path;
}

std::vector<std::vector<int>> team_thread_cpus(int threads) {
  std::vector<cpu_set_t> sets(static_cast<std::size_t>(std::max(threads, 1)));
  std::vector<char> known(sets.size(), 0);
#pragma omp parallel num_threads(threads)
  {
    const auto me = static_cast<std::size_t>(omp_get_thread_num());
    if (me < sets.size()) {
      CPU_ZERO(&sets[me]);
      known[me] = sched_getaffinity(0, sizeof(cpu_set_t), &sets[me]) == 0 ? 1 : 0;
    }
  }
  std::vector<std::vector<int>> cpus(sets.size());
  for (std::size_t t = 0; t < sets.size(); ++t) {
    if (known[t] == 0) continue;
    for (std::size_t cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &sets[t])) cpus[t].push_back(static_cast<int>(cpu));
    }
  }
  return cpus;
}

std::vector<int> team_allowed_cpus(int threads) {
  return team_allowed_cpus(team_thread_cpus(threads));
}

std::vector<int> team_allowed_cpus(const std::vector<std::vector<int>>& per_thread) {
  std::vector<int> all;
  for (const std::vector<int>& mine : per_thread)
    all.insert(all.end(), mine.begin(), mine.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all.empty() ? allowed_cpus() : all;
}

std::string cpu_list(const std::vector<int>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1)
      ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

int default_threads() {
  if (const char* env = std::getenv("OMP_NUM_THREADS")) {
    // OMP_NUM_THREADS may be a nesting list such as "4,2": the first entry is the outer level.
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end != env && n > 0 && n <= kMaxThreads) return static_cast<int>(n);
  }
  const auto n = allowed_cpus().size();
  return n > 0 ? static_cast<int>(n) : 1;
}

std::vector<std::pair<std::string, std::string>> openmp_environment() {
  std::vector<std::pair<std::string, std::string>> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (!entry.starts_with("OMP_") && !entry.starts_with("GOMP_")) continue;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    vars.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
  }
  std::sort(vars.begin(), vars.end());
  return vars;
}

std::vector<std::pair<std::string, std::string>> slurm_job() {
  static constexpr std::array<std::pair<const char*, const char*>, 13> kFields = {{
      {"job_id", "SLURM_JOB_ID"},
      {"array_job_id", "SLURM_ARRAY_JOB_ID"},
      {"array_task_id", "SLURM_ARRAY_TASK_ID"},
      {"job_name", "SLURM_JOB_NAME"},
      {"partition", "SLURM_JOB_PARTITION"},
      {"cluster", "SLURM_CLUSTER_NAME"},
      {"node_list", "SLURM_JOB_NODELIST"},
      {"nodes", "SLURM_JOB_NUM_NODES"},
      {"ntasks", "SLURM_NTASKS"},
      {"ntasks_per_node", "SLURM_NTASKS_PER_NODE"},
      {"cpus_per_task", "SLURM_CPUS_PER_TASK"},
      {"step_id", "SLURM_STEP_ID"},
      {"restart_count", "SLURM_RESTART_COUNT"},
  }};
  std::vector<std::pair<std::string, std::string>> fields;
  if (std::getenv("SLURM_JOB_ID") == nullptr) return fields;
  for (const auto& [field, variable] : kFields) {
    if (const char* value = std::getenv(variable); value != nullptr) fields.emplace_back(field, value);
  }
  return fields;
}

std::string openmp_version() {
  const long date = _OPENMP;
  // The _OPENMP dates of the OpenMP specifications.
  const char* name = date >= 202111   ? "5.2"
                     : date >= 202011 ? "5.1"
                     : date >= 201811 ? "5.0"
                     : date >= 201511 ? "4.5"
                     : date >= 201307 ? "4.0"
                                      : "3.x";
  return std::string(name) + " (" + std::to_string(date) + ")";
}

int openmp_team(int threads) {
  int team = 0;
#pragma omp parallel num_threads(threads)
  {
#pragma omp single
    team = omp_get_num_threads();
  }
  return team;
}

OpenMpSettings openmp_settings() {
  OpenMpSettings s;
  s.max_threads = omp_get_max_threads();
  s.thread_limit = omp_get_thread_limit();
  s.dynamic = omp_get_dynamic() != 0;
  switch (omp_get_proc_bind()) {
    case omp_proc_bind_false:
      s.proc_bind = "false";
      break;
    case omp_proc_bind_true:
      s.proc_bind = "true";
      break;
    case omp_proc_bind_master:
      s.proc_bind = "master";
      break;
    case omp_proc_bind_close:
      s.proc_bind = "close";
      break;
    case omp_proc_bind_spread:
      s.proc_bind = "spread";
      break;
    default:
      s.proc_bind = "unknown";
      break;
  }
  s.num_places = omp_get_num_places();
  return s;
}

std::string utc_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text.data();
}

bool is_terminal(int fd) {
  return isatty(fd) == 1;
}

int write_all(int fd, std::string_view content) {
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : EIO;
    written += static_cast<std::size_t>(n);
  }
  return 0;
}

}  // namespace parakit::sys
