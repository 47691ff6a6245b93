#include "parakit/exec/task_attempts.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/exec/process.hpp"

using namespace parakit::exec;
using parakit::report::FarmRecord;
namespace fs = std::filesystem;

namespace {

std::string file_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

// The fixture is outside the anonymous namespace: GCC refuses (-Wsubobject-linkage) a test class of
// a unity build whose base has internal linkage.
class TaskDir : public ::testing::Test {
 protected:
  fs::path dir = fs::temp_directory_path() / ("parakit_attempts_" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }

  // Runs @p command as task 5, piece 2, on rank 1 thread 3; returns its records.
  std::vector<FarmRecord> run(const std::string& command, const TaskRunOptions& options) {
    std::vector<FarmRecord> records;
    double clock = 10.0;
    run_task_attempts(
        {.piece = 2, .task = 5, .rank = 1, .thread = 3}, command, options, [&clock] { return clock += 1.0; },
        [&records](const FarmRecord& r) { records.push_back(r); });
    return records;
  }

  // The file descriptor of a new file in dir (the tasks' prefixed output goes there).
  int open_out(const std::string& name) {
    return ::open((dir / name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  }
};

TEST_F(TaskDir, a_failing_task_runs_again_until_it_succeeds_one_record_per_attempt) {
  const int out = open_out("out");
  ASSERT_GE(out, 0);
  // Fails twice (leaving a mark each time), then succeeds: 3 attempts of the 4 allowed.
  const std::string marks = (dir / "marks").string();
  const auto records = run("echo try >> " + marks + "; test $(wc -l < " + marks +
                               ") -ge 3 && echo $PARAKIT_TASK:$PARAKIT_RANK:$PARAKIT_THREAD",
                           {.retries = 3, .timeout_s = 0.0, .results_dir = "", .output_fd = out});
  ::close(out);
  ASSERT_EQ(records.size(), 3U);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(records[static_cast<std::size_t>(i)].piece, 2U);
    EXPECT_EQ(records[static_cast<std::size_t>(i)].attempt, i + 1);
    EXPECT_EQ(records[static_cast<std::size_t>(i)].status,
              static_cast<int>(i < 2 ? Status::kFailed : Status::kOk));
    EXPECT_EQ(records[static_cast<std::size_t>(i)].exit_code, i < 2 ? 1 : 0);
    // The clock ticks once before and once after each attempt.
    EXPECT_DOUBLE_EQ(records[static_cast<std::size_t>(i)].start_s, 11.0 + 2 * i);
    EXPECT_DOUBLE_EQ(records[static_cast<std::size_t>(i)].end_s, 12.0 + 2 * i);
  }
  EXPECT_EQ(file_text(dir / "out"), "[5] 5:1:3\n") << "prefixed, with the task's environment";
}

TEST_F(TaskDir, retries_end_at_their_limit_and_a_timeout_kills_the_attempt) {
  EXPECT_EQ(run("exit 4", {.retries = 2, .timeout_s = 0.0, .results_dir = "", .output_fd = 1}).size(), 3U);
  const auto slow = run("sleep 30", {.retries = 0, .timeout_s = 0.2, .results_dir = "", .output_fd = 1});
  ASSERT_EQ(slow.size(), 1U);
  EXPECT_EQ(slow[0].status, static_cast<int>(Status::kTimedOut));
  EXPECT_EQ(slow[0].signal, 15);
}

TEST_F(TaskDir, a_results_dir_gets_the_output_in_the_tasks_own_files) {
  const std::string results = (dir / "results").string();
  prepare_results_dir(results);
  EXPECT_TRUE(fs::is_directory(results));
  const auto records =
      run("echo out; echo err >&2", {.retries = 0, .timeout_s = 0.0, .results_dir = results, .output_fd = 1});
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(file_text(dir / "results" / "5.out"), "out\n");
  EXPECT_EQ(file_text(dir / "results" / "5.err"), "err\n");
}

TEST_F(TaskDir, a_results_dir_that_cannot_be_a_directory_is_refused) {
  std::ofstream(dir / "file") << "x";
  try {
    prepare_results_dir((dir / "file").string());
    ADD_FAILURE() << "accepted";
  } catch (const parakit::UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "--results " + (dir / "file").string() + ": not a directory that can be created");
  }
}

TEST_F(TaskDir, write_prefixed_prefixes_every_line_and_ends_the_last) {
  const int out = open_out("prefixed");
  ASSERT_GE(out, 0);
  write_prefixed(out, 12, "a\n\nb");
  write_prefixed(out, 3, "");
  write_prefixed(out, 3, "c\n");
  ::close(out);
  EXPECT_EQ(file_text(dir / "prefixed"), "[12] a\n[12] \n[12] b\n[3] c\n");
}
