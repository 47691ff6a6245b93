#pragma once
// Runs a real program as a child process, with its output captured in files and a time limit.

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/types.h>

namespace parakit::test {

struct ProcessResult {
  int exit_code = -1;  // -1 if killed by a signal or by the time limit
  bool timed_out = false;
  double elapsed_s = 0.0;
  std::string out;
  std::string err;
};

/// Runs @p argv (argv[0] looked up in PATH) in its own process group; after @p timeout_s the whole
/// group is killed. Standard input is /dev/null.
ProcessResult run_process(const std::vector<std::string>& argv, double timeout_s = 60.0);

/// Starts @p argv like run_process, in the background: stdout and stderr go to @p out_path and
/// @p err_path. Returns the child's pid (also its process group).
pid_t start_process(const std::vector<std::string>& argv, const std::string& out_path,
                    const std::string& err_path);

/// wait_process's answer for a child that outlived its time limit.
inline constexpr int kStillRunning = -1000;

/// Waits up to @p timeout_s for @p pid; returns its exit code, minus the signal that ended it, or
/// kStillRunning if it was still running (then its whole group is killed).
int wait_process(pid_t pid, double timeout_s);

/// The mpiexec command line prefix for @p ranks ranks.
std::vector<std::string> mpiexec(int ranks);

/// Lines of @p text that start with @p prefix.
int count_lines_starting_with(const std::string& text, const std::string& prefix);

/// The parakit command line: mpiexec -n @p ranks ... parakit ARGS, or parakit ARGS alone for 0 ranks.
std::vector<std::string> parakit_cmd(std::vector<std::string> args, int ranks = 0);

/// Runs parakit with --format json (before a `--`, after which the words are a studied program's) and
/// checks that it succeeded with one JSON object on stdout and nothing but warnings on stderr.
nlohmann::json run_json(std::vector<std::string> args, int ranks = 0, double timeout_s = 60.0);

/// A fresh directory, removed with its contents at the end of the scope.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// The whole content of a file ("" if it cannot be read).
std::string slurp(const std::filesystem::path& path);

/// @brief Whether @p path starts with the PNG signature.
bool is_png(const std::filesystem::path& path);

/// Writes @p text, byte for byte, as the whole content of @p path.
void write_file(const std::filesystem::path& path, const std::string& text);

}  // namespace parakit::test
