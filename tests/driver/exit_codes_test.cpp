// One exit-code contract for every command (include/parakit/error.hpp, README "Exit codes"): what
// `map exec` returns where it used to follow GNU parallel's counts, and an empty task list.
#include <algorithm>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "parakit/error.hpp"

#include "process.hpp"

using namespace parakit::test;

// GNU parallel runs nothing and exits 0 for an empty input: so does `map exec`, at every rank count, with
// a record of no tasks and a joblog of its two header lines (so that --resume works on it).
TEST(ExitCodes, an_empty_task_list_is_nothing_to_do_not_an_error) {
  for (const int ranks : {1, 2}) {
    TempDir dir;
    write_file(dir.path() / "t.txt", "\n  \n");
    const std::string joblog = (dir.path() / "jobs.tsv").string();
    const ProcessResult r = run_process(parakit_cmd(
        {"map", "exec", "--tasks", std::string("@").append((dir.path() / "t.txt").string()), "--joblog",
         joblog, "--format", "json", "--", std::string("touch ").append((dir.path() / "ran").string())},
        ranks));
    EXPECT_EQ(r.exit_code, parakit::kExitOk) << r.err;
    const nlohmann::json record = nlohmann::json::parse(r.out);
    EXPECT_EQ(record["result"]["failed"], 0) << r.out;
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "ran"));
    const std::string log = slurp(joblog);
    EXPECT_EQ(log.rfind("# parakit joblog 1\n", 0), 0U) << log;
    EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 2) << log;
  }
}

// `map pi` has nothing to do with an empty list either, but its tasks are numbers the user meant to give.
TEST(ExitCodes, map_pi_still_refuses_an_empty_task_list) {
  TempDir dir;
  write_file(dir.path() / "t.txt", "\n");
  const ProcessResult r = run_process(
      parakit_cmd({"map", "pi", "--tasks", std::string("@").append((dir.path() / "t.txt").string())}, 2));
  EXPECT_EQ(r.exit_code, parakit::kExitUsage) << r.err;
  EXPECT_EQ(count_lines_starting_with(r.err, "parakit: error: "), 1) << r.err;
}

// Bad input is 2 for `map exec` as for every command (it was 255), failed tasks 4 whatever their number.
TEST(ExitCodes, map_exec_bad_input_is_2_and_failed_tasks_4) {
  TempDir dir;
  std::string tasks;
  for (int i = 0; i < 7; ++i)
    tasks += std::to_string(i) + "\n";
  write_file(dir.path() / "t.txt", tasks);
  const std::string list = std::string("@").append((dir.path() / "t.txt").string());
  const ProcessResult bad =
      run_process(parakit_cmd({"map", "exec", "--tasks", list, "--retries", "x", "--", "true"}, 2));
  EXPECT_EQ(bad.exit_code, parakit::kExitUsage) << bad.err;
  EXPECT_EQ(count_lines_starting_with(bad.err, "parakit: error: "), 1) << bad.err;
  const ProcessResult failed = run_process(parakit_cmd({"map", "exec", "--tasks", list, "--", "exit {}"}, 2));
  EXPECT_EQ(failed.exit_code, parakit::kExitTasksFailed) << "six tasks failed, not exit 6: " << failed.err;
  EXPECT_NE(failed.err.find("parakit: 6 of 7 tasks failed"), std::string::npos) << failed.err;
}
