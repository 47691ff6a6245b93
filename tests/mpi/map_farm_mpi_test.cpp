// The library calls behind `parakit map` under mpiexec at 1 to 4 ranks: the Monte Carlo tasks
// (mpi::run_pi_tasks), the task file read once (mpi::read_tasks_everywhere) and the command farm with its
// joblog, resume and stop file (mpi::run_commands).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/serialization/string.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/exec/joblog.hpp"
#include "parakit/kernels/monte_carlo_pi.hpp"
#include "parakit/mpi/command_farm.hpp"
#include "parakit/mpi/pi_farm.hpp"
#include "parakit/mpi/task_file.hpp"

using namespace parakit;
using kernels::Schedule;
namespace fs = std::filesystem;

namespace {

// A directory every rank sees (the ranks share a host), named by rank 0, removed at the end.
class SharedDir {
 public:
  explicit SharedDir(const boost::mpi::communicator& comm) : comm_(comm) {
    std::string name =
        (fs::temp_directory_path() / ("parakit_map_farm_" + std::to_string(::getpid()))).string();
    boost::mpi::broadcast(comm_, name, 0);
    path_ = name;
    if (comm_.rank() == 0) fs::create_directories(path_);
    comm_.barrier();
  }
  SharedDir(const SharedDir&) = delete;
  SharedDir& operator=(const SharedDir&) = delete;
  ~SharedDir() {
    comm_.barrier();
    if (comm_.rank() == 0) fs::remove_all(path_);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  const boost::mpi::communicator& comm_;
  fs::path path_;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> numbered_commands(const fs::path& dir, int count) {
  std::vector<std::string> commands;
  for (int i = 0; i < count; ++i)
    commands.push_back("echo " + std::to_string(i) + " >> " + (dir / "ran").string());
  return commands;
}

}  // namespace

TEST(MapPiTasks, every_tasks_count_is_its_own_streams_under_every_schedule_and_layout) {
  const boost::mpi::communicator world;
  const std::vector<std::uint64_t> samples = {100'000, 7, 0, 250'000};
  std::vector<std::uint64_t> expected;
  for (std::uint64_t t = 0; t < samples.size(); ++t)
    expected.push_back(kernels::count_inside(kernels::task_stream_seed(42, t), 0, samples[t]));
  for (const Schedule schedule :
       {Schedule::kStatic, Schedule::kCyclic, Schedule::kDynamic, Schedule::kSplit}) {
    for (const int threads : {1, 3}) {
      const std::uint64_t chunk = schedule == Schedule::kSplit ? 30'000 : 1;
      const auto run = mpi::run_pi_tasks(
          world, {.samples = samples, .seed = 42, .schedule = schedule, .chunk = chunk, .threads = threads});
      // split: 4 + 1 + 0 + 9 pieces; otherwise one per task, the empty one included.
      EXPECT_EQ(run.pieces.size(), schedule == Schedule::kSplit ? 14U : 4U);
      if (world.rank() != 0) {
        EXPECT_TRUE(run.tasks.empty());
        continue;
      }
      ASSERT_EQ(run.tasks.size(), samples.size());
      for (std::size_t t = 0; t < samples.size(); ++t) {
        EXPECT_EQ(run.tasks[t].value, expected[t])
            << "task " << t << ", schedule " << static_cast<int>(schedule);
        EXPECT_GE(run.tasks[t].busy_s, 0.0);
      }
      EXPECT_EQ(run.tasks[3].pieces, schedule == Schedule::kSplit ? 9U : 1U);
      EXPECT_EQ(run.farm.records.size(), run.pieces.size());
    }
  }
}

TEST(ReadTasksEverywhere, every_rank_gets_rank_0s_lines_or_every_rank_the_same_error) {
  const boost::mpi::communicator world;
  const SharedDir dir(world);
  const fs::path file = dir.path() / "tasks.txt";
  if (world.rank() == 0) std::ofstream(file) << "first\n\n  second line \r\nthird";
  world.barrier();
  const auto lines = mpi::read_tasks_everywhere(world, file.string(), "--tasks");
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0].line, 1U);
  EXPECT_EQ(lines[0].text, "first");
  EXPECT_EQ(lines[1].line, 3U);
  EXPECT_EQ(lines[1].text, "  second line ");
  EXPECT_EQ(lines[2].line, 4U);
  EXPECT_EQ(lines[2].text, "third");
  EXPECT_THROW(mpi::read_tasks_everywhere(world, (dir.path() / "missing.txt").string(), "--tasks"),
               UsageError);
}

TEST(RunCommands, runs_every_task_once_logs_every_attempt_and_agrees_on_the_exit_code) {
  const boost::mpi::communicator world;
  const SharedDir dir(world);
  std::vector<std::string> commands = numbered_commands(dir.path(), 9);
  commands[4] = "exit 3";
  commands[7] = "exit 3";
  const std::string joblog = (dir.path() / "jobs.tsv").string();
  int planned_calls = 0;
  const auto run =
      mpi::run_commands(world, {.commands = commands,
                                .task_file = "t.txt",
                                .joblog = joblog,
                                .resume = false,
                                .stop_file = "",
                                .run = {.retries = 1, .timeout_s = 0.0, .results_dir = "", .output_fd = 1},
                                .schedule = Schedule::kDynamic,
                                .chunk = 2,
                                .threads = 2,
                                .graph = nullptr,
                                .graph_fingerprint = "",
                                .order = kernels::GraphOrder::kCriticalPath,
                                .halt_on_failure = false,
                                .planned = [&](const exec::ResumePlan& plan) {
                                  ++planned_calls;
                                  EXPECT_EQ(plan.todo.size(), 9U);
                                  EXPECT_FALSE(plan.torn_tail);
                                }});
  EXPECT_EQ(planned_calls, world.rank() == 0 ? 1 : 0) << "rank 0 alone";
  EXPECT_EQ(run.todo.size(), 9U);
  EXPECT_EQ(run.skipped_done, 0U);
  EXPECT_EQ(run.outcomes.failed, 2U) << "on every rank";
  EXPECT_EQ(run.outcomes.exit_code(), parakit::kExitTasksFailed);
  if (world.rank() != 0) return;
  EXPECT_EQ(run.outcomes.attempts, 7U + 2 * 2) << "the two failing tasks ran twice (--retries 1)";
  ASSERT_EQ(run.outcomes.failures.size(), 2U);
  EXPECT_EQ(run.outcomes.failures[0].task, 4U);
  EXPECT_EQ(run.outcomes.failures[1].task, 7U);
  EXPECT_EQ(run.outcomes.failures[1].attempts, 2);
  const exec::Joblog log = exec::read_joblog(joblog);
  EXPECT_EQ(log.entries.size(), 11U);
  std::multiset<std::string> ran;
  std::istringstream lines(slurp(dir.path() / "ran"));
  for (std::string l; std::getline(lines, l);)
    ran.insert(l);
  EXPECT_EQ(ran, (std::multiset<std::string>{"0", "1", "2", "3", "5", "6", "8"}));
}

TEST(RunCommands, resume_runs_only_what_the_joblog_does_not_show_done) {
  const boost::mpi::communicator world;
  const SharedDir dir(world);
  const std::vector<std::string> commands = numbered_commands(dir.path(), 6);
  const std::string joblog = (dir.path() / "jobs.tsv").string();
  if (world.rank() == 0) {
    std::string text = exec::joblog_header();
    for (const std::uint64_t t : {0U, 2U, 5U}) {
      text += exec::format_joblog_line({.task = t,
                                        .rank = 0,
                                        .thread = 0,
                                        .host = "h",
                                        .start = 1.7e9,
                                        .duration_s = 0.1,
                                        .exit_code = 0,
                                        .signal = 0,
                                        .attempt = 1,
                                        .status = t == 2 ? "failed" : "ok",
                                        .command = commands[t]});
    }
    std::ofstream(joblog, std::ios::binary) << text << "3\t0";  // and a torn line
  }
  world.barrier();
  bool torn = false;
  mpi::CommandFarmOptions options{
      .commands = commands,
      .task_file = "t.txt",
      .joblog = joblog,
      .resume = true,
      .stop_file = "",
      .run = {},
      .schedule = Schedule::kCyclic,
      .chunk = 1,
      .threads = 1,
      .graph = nullptr,
      .graph_fingerprint = "",
      .order = kernels::GraphOrder::kCriticalPath,
      .halt_on_failure = false,
      .planned = [&torn](const exec::ResumePlan& plan) { torn = plan.torn_tail; }};
  const auto run = mpi::run_commands(world, options);
  EXPECT_EQ(run.todo, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(run.skipped_done, 2U);
  EXPECT_EQ(run.outcomes.exit_code(), 0);
  if (world.rank() == 0) {
    EXPECT_TRUE(torn);
    const exec::Joblog log = exec::read_joblog(joblog);
    EXPECT_FALSE(log.torn_tail) << "the torn line was cut off";
    EXPECT_EQ(log.entries.size(), 3U + 4U);
  }
  // Without --resume the same joblog is refused on every rank, untouched.
  options.resume = false;
  const std::string before = world.rank() == 0 ? slurp(joblog) : "";
  EXPECT_THROW(mpi::run_commands(world, options), UsageError);
  if (world.rank() == 0) {
    EXPECT_EQ(slurp(joblog), before);
  }
}

TEST(RunCommands, a_stop_file_there_at_the_start_runs_nothing_and_exits_stopped) {
  const boost::mpi::communicator world;
  const SharedDir dir(world);
  const fs::path stop = dir.path() / "stop";
  if (world.rank() == 0) std::ofstream(stop) << "";
  world.barrier();
  const auto run = mpi::run_commands(world, {.commands = numbered_commands(dir.path(), 5),
                                             .task_file = "t.txt",
                                             .joblog = "",
                                             .resume = false,
                                             .stop_file = stop.string(),
                                             .run = {},
                                             .schedule = Schedule::kDynamic,
                                             .chunk = 1,
                                             .threads = 2,
                                             .graph = nullptr,
                                             .graph_fingerprint = "",
                                             .order = kernels::GraphOrder::kCriticalPath,
                                             .halt_on_failure = false,
                                             .planned = {}});
  EXPECT_EQ(run.outcomes.not_run, 5U) << "on every rank";
  EXPECT_EQ(run.outcomes.exit_code(), kExitStopped);
  EXPECT_FALSE(fs::exists(dir.path() / "ran"));
}
