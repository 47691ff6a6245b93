#include "process.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace parakit::test {
std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool is_png(const std::filesystem::path& path) {
  return slurp(path).rfind("\x89PNG\r\n\x1a\n", 0) == 0;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

pid_t start_process(const std::vector<std::string>& argv, const std::string& out_path,
                    const std::string& err_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);

  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) throw std::runtime_error("cannot start " + argv[0]);
  return pid;
}

int wait_process(pid_t pid, double timeout_s) {
  const auto start = std::chrono::steady_clock::now();
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > timeout_s) {
      ::kill(-pid, SIGKILL);  // the child's own process group: mpiexec and its ranks
      ::waitpid(pid, &status, 0);
      return kStillRunning;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? -WTERMSIG(status) : kStillRunning;
}

ProcessResult run_process(const std::vector<std::string>& argv, double timeout_s) {
  static int counter = 0;
  const auto base = std::filesystem::temp_directory_path() /
                    ("parakit_driver_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  const std::string out_path = base.string() + ".out", err_path = base.string() + ".err";
  ProcessResult result;
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = start_process(argv, out_path, err_path);
  const int code = wait_process(pid, timeout_s);
  result.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.timed_out = code == kStillRunning;
  result.exit_code = code >= 0 ? code : -1;
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  std::remove(out_path.c_str());
  std::remove(err_path.c_str());
  return result;
}

std::vector<std::string> mpiexec(int ranks) {
  std::vector<std::string> cmd = {PARAKIT_MPIEXEC, "-n", std::to_string(ranks)};
  std::istringstream flags(PARAKIT_MPIEXEC_FLAGS);
  for (std::string flag; flags >> flag;)
    cmd.push_back(flag);
  return cmd;
}

int count_lines_starting_with(const std::string& text, const std::string& prefix) {
  std::istringstream lines(text);
  int count = 0;
  for (std::string line; std::getline(lines, line);)
    count += line.starts_with(prefix) ? 1 : 0;
  return count;
}

std::vector<std::string> parakit_cmd(std::vector<std::string> args, int ranks) {
  std::vector<std::string> cmd = ranks > 0 ? mpiexec(ranks) : std::vector<std::string>{};
  cmd.push_back(PARAKIT_EXE);
  cmd.insert(cmd.end(), args.begin(), args.end());
  return cmd;
}

nlohmann::json run_json(std::vector<std::string> args, int ranks, double timeout_s) {
  args.insert(std::find(args.begin(), args.end(), "--"), {"--format", "json"});
  const ProcessResult r = run_process(parakit_cmd(args, ranks), timeout_s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "one JSON object and nothing else: " << r.out;
  // stderr carries diagnostics only: a good run has none but warnings (an oversubscribed layout).
  EXPECT_EQ(count_lines_starting_with(r.err, "parakit: warning: "),
            std::count(r.err.begin(), r.err.end(), '\n'))
      << r.err;
  return nlohmann::json::parse(r.out);
}

TempDir::TempDir() {
  static int counter = 0;
  path_ = std::filesystem::temp_directory_path() /
          ("parakit_e2e_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace parakit::test
