// The watchdog, end to end: a rank that stops (SIGSTOP) or stops making progress ends the job within the
// limit and a few seconds, with one line naming the rank, its host and pid, and its phase; exit 6.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/sys.hpp"

#include "process.hpp"

namespace fs = std::filesystem;
using namespace parakit::test;

namespace {

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

// The parent pid of @p pid (0 when it is gone).
pid_t parent_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(text.substr(close + 2));
  char state = 0;
  pid_t parent = 0;
  rest >> state >> parent;
  return parent;
}

// The value of @p name in the environment of @p pid ("" when unset or unreadable).
std::string environment_of(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  std::string entry;
  while (std::getline(in, entry, '\0')) {
    if (entry.rfind(name + "=", 0) == 0) return entry.substr(name.size() + 1);
  }
  return "";
}

// The ranks mpiexec @p launcher started, by rank: its children with OMPI_COMM_WORLD_RANK.
std::map<int, pid_t> ranks_of(pid_t launcher) {
  std::map<int, pid_t> ranks;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    if (parent_of(pid) != launcher) continue;
    const std::string rank = environment_of(pid, "OMPI_COMM_WORLD_RANK");
    if (!rank.empty()) ranks[std::stoi(rank)] = pid;
  }
  return ranks;
}

// Whether the watchdog of process @p pid is armed: a thread named "parakit-watch" (kThreadName of
// parakit/mpi/watchdog.hpp). Before that a rank is starting (MPI_Init, the watchdog's own set-up).
bool armed(pid_t pid) {
  std::error_code error;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", error)) {
    std::ifstream in(task.path() / "comm");
    std::string name;
    if (std::getline(in, name) && name == "parakit-watch") return true;
  }
  return false;
}

struct Stalled {
  int exit_code = 0;
  double after_stop_s = 0.0;  // from the SIGSTOP to the end of mpiexec
  pid_t stopped = 0;
  std::string err;
};

// Starts @p argv (an mpiexec command line of @p ranks ranks), waits until every rank's watchdog is armed
// and then @p settle_s more (the run reaches its phase; start-up under a sanitizer takes seconds),
// SIGSTOPs rank @p victim and waits for the job to end (at most 60 s).
Stalled stop_a_rank(const std::vector<std::string>& argv, int ranks, int victim, double settle_s = 1.5) {
  TempDir dir;
  const std::string out = (dir.path() / "out").string(), err = (dir.path() / "err").string();
  const pid_t launcher = start_process(argv, out, err);
  std::map<int, pid_t> found;
  const auto start = std::chrono::steady_clock::now();
  while (static_cast<int>(found.size()) < ranks &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(30)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    found = ranks_of(launcher);
  }
  Stalled result;
  if (static_cast<int>(found.size()) < ranks) {
    ::kill(-launcher, SIGKILL);
    wait_process(launcher, 10);
    ADD_FAILURE() << "the ranks did not start: " << slurp(err);
    return result;
  }
  const auto every_rank_armed = [&found] {
    return std::all_of(found.begin(), found.end(), [](const auto& rank) { return armed(rank.second); });
  };
  while (!every_rank_armed() && std::chrono::steady_clock::now() - start < std::chrono::seconds(60))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (!every_rank_armed()) {
    ::kill(-launcher, SIGKILL);
    wait_process(launcher, 10);
    ADD_FAILURE() << "the watchdogs were not armed within 60 s: " << slurp(err);
    return result;
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(settle_s));
  result.stopped = found.at(victim);
  ::kill(result.stopped, SIGSTOP);
  const double stopped_at = parakit::sys::now_s();
  result.exit_code = wait_process(launcher, 60);
  result.after_stop_s = parakit::sys::now_s() - stopped_at;
  ::kill(result.stopped, SIGKILL);  // in case the job did not end it (the test fails then)
  result.err = slurp(err);
  return result;
}

void expect_named(const Stalled& s, int victim, const std::string& phase, double limit_s) {
  EXPECT_EQ(s.exit_code, parakit::kExitStalled) << s.err;
  EXPECT_LT(s.after_stop_s, limit_s + 5.0) << s.err;
  EXPECT_GE(s.after_stop_s, limit_s - 0.5) << "ended before the limit: " << s.err;
  const std::string line = "parakit: error: rank " + std::to_string(victim) + " (host " + host_name() +
                           ", pid " + std::to_string(s.stopped) + ") stalled: ";
  EXPECT_EQ(count_lines_starting_with(s.err, line), 1) << s.err;
  EXPECT_EQ(count_lines_starting_with(s.err, "parakit: error: "), 1) << "one line: " << s.err;
  EXPECT_NE(s.err.find("last seen in phase '" + phase + "'"), std::string::npos) << s.err;
  // Open MPI ends the stopped rank too (SIGCONT, SIGTERM, then SIGKILL): gone within seconds.
  const double until = parakit::sys::now_s() + 5.0;
  while (::kill(s.stopped, 0) == 0 && parakit::sys::now_s() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(::kill(s.stopped, 0), -1) << "the stopped rank is gone";
}

}  // namespace

class StoppedRank : public ::testing::TestWithParam<std::tuple<int, int>> {};

// pi: a run long enough to be stopped in its compute phase.
TEST_P(StoppedRank, ends_pi_naming_the_rank) {
  const auto [ranks, victim] = GetParam();
  const Stalled s = stop_a_rank(parakit_cmd({"pi", "--samples", "1e12", "--repeat", "1", "--warmup", "0",
                                             "--threads", "1", "--stall-timeout", "2"},
                                            ranks),
                                ranks, victim);
  expect_named(s, victim, "compute", 2.0);
}

// stats: many repeats of a describe() of a small file; the rank is stopped in one of them.
TEST_P(StoppedRank, ends_stats_naming_the_rank) {
  const auto [ranks, victim] = GetParam();
  TempDir dir;
  const std::string data = (dir.path() / "d.bin").string();
  ASSERT_EQ(run_process(parakit_cmd({"gen", data, "--rows", "200000", "--type", "binary"})).exit_code, 0);
  const Stalled s = stop_a_rank(parakit_cmd({"stats", data, "--type", "binary", "--repeat", "1000000",
                                             "--threads", "1", "--stall-timeout", "2"},
                                            ranks),
                                ranks, victim);
  EXPECT_EQ(s.exit_code, parakit::kExitStalled) << s.err;
  EXPECT_LT(s.after_stop_s, 7.0) << s.err;
  const std::string line = "parakit: error: rank " + std::to_string(victim) + " (host " + host_name() +
                           ", pid " + std::to_string(s.stopped) + ") stalled: ";
  EXPECT_EQ(count_lines_starting_with(s.err, line), 1) << s.err;
  EXPECT_EQ(count_lines_starting_with(s.err, "parakit: error: "), 1) << s.err;
}

// map exec: tasks keep every rank busy; the stopped rank (or rank 0, the coordinator) is in the farm.
TEST_P(StoppedRank, ends_map_exec_naming_the_rank) {
  const auto [ranks, victim] = GetParam();
  TempDir dir;
  std::string tasks;
  for (int i = 0; i < 400; ++i)
    tasks += std::to_string(i) + "\n";
  write_file(dir.path() / "tasks.txt", tasks);
  const Stalled s = stop_a_rank(
      parakit_cmd({"map", "exec", "--tasks", std::string("@").append((dir.path() / "tasks.txt").string()),
                   "--threads", "1", "--stall-timeout", "2", "--", "sleep 0.1 #"},
                  ranks),
      ranks, victim);
  expect_named(s, victim, "farm", 2.0);
}

INSTANTIATE_TEST_SUITE_P(Watchdog, StoppedRank,
                         ::testing::Values(std::make_tuple(2, 1), std::make_tuple(2, 0),
                                           std::make_tuple(4, 2), std::make_tuple(4, 0)),
                         [](const ::testing::TestParamInfo<std::tuple<int, int>>& p) {
                           return std::to_string(std::get<0>(p.param)) + "_ranks_stop_rank_" +
                                  std::to_string(std::get<1>(p.param));
                         });

// Alive but stuck in a system call while the others went on: named too, with the phase it is stuck in.
TEST(Watchdog, a_rank_stuck_in_a_system_call_while_the_others_went_on_is_named) {
  for (const int ranks : {2, 4}) {
    for (const int stuck : {ranks - 1, 0}) {
      std::vector<std::string> argv = mpiexec(ranks);
      argv.insert(argv.begin() + 1, {"-x", "PARAKIT_STALL_TIMEOUT=2"});
      argv.push_back(PARAKIT_STUCK_RANK_EXE);
      argv.push_back(std::to_string(stuck));
      const ProcessResult r = run_process(argv, 60);
      EXPECT_EQ(r.exit_code, parakit::kExitStalled) << r.err;
      EXPECT_LT(r.elapsed_s, 2.0 + 5.0 + 3.0) << "start-up, the limit and a few seconds: " << r.err;
      EXPECT_EQ(count_lines_starting_with(r.err, "stuck_rank_helper: error: rank " + std::to_string(stuck) +
                                                     " (host " + host_name()),
                1)
          << r.err;
      EXPECT_NE(r.err.find("no progress for"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("went on to 'reduce'"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("last seen in phase 'compute'"), std::string::npos) << r.err;
    }
  }
}

// A long task is not a stall: the rank that runs it is alive, and a farm has no phase boundary at its end
// that the others could pass.
TEST(Watchdog, a_long_task_or_an_idle_rank_is_not_a_stall) {
  TempDir dir;
  write_file(dir.path() / "tasks.txt", "4\n0\n");
  const ProcessResult r = run_process(
      parakit_cmd({"map", "exec", "--tasks", std::string("@").append((dir.path() / "tasks.txt").string()),
                   "--threads", "1", "--stall-timeout", "1", "--", "sleep {}"},
                  2),
      60);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("stalled"), std::string::npos) << r.err;
}

TEST(Watchdog, off_and_bad_limits) {
  const ProcessResult off =
      run_process(parakit_cmd({"pi", "--samples", "1e6", "--stall-timeout", "off", "--format", "json"}, 2));
  EXPECT_EQ(off.exit_code, 0) << off.err;
  for (const std::string bad : {"0", "-1", "nan", "1e9", "soon", ""}) {
    const ProcessResult r = run_process(parakit_cmd({"pi", "--stall-timeout", bad}, 2));
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_EQ(
        count_lines_starting_with(r.err, "parakit: error: --stall-timeout: '" + bad +
                                             "' is not a stall timeout (accepted: auto, off, or seconds"),
        1)
        << r.err;
  }
}
