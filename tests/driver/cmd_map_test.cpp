// End-to-end tests of `parakit map`: the real binary, alone and under mpiexec, with real files,
// exit codes and messages.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <unistd.h>

#include "parakit/kernels/monte_carlo_pi.hpp"

#include "process.hpp"

using nlohmann::json;
using parakit::test::count_lines_starting_with;
using parakit::test::parakit_cmd;
using parakit::test::ProcessResult;
using parakit::test::run_json;
using parakit::test::run_process;
using parakit::test::slurp;
using parakit::test::TempDir;
using parakit::test::write_file;
namespace fs = std::filesystem;

namespace {

std::string numbers_file(const fs::path& path, int count) {
  std::string text;
  for (int i = 1; i <= count; ++i)
    text += std::to_string(i) + "\n";
  write_file(path, text);
  return std::string("@").append(path.string());
}

// The joblog's entries as maps from column name to value.
std::vector<std::map<std::string, std::string>> read_joblog(const fs::path& path) {
  std::istringstream in(slurp(path));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "# parakit joblog 1");
  std::getline(in, line);
  std::vector<std::string> columns;
  std::istringstream header(line);
  for (std::string c; std::getline(header, c, '\t');)
    columns.push_back(c);
  EXPECT_EQ(columns.size(), 11U) << line;
  std::vector<std::map<std::string, std::string>> entries;
  while (std::getline(in, line)) {
    std::map<std::string, std::string> e;
    std::size_t pos = 0;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const std::size_t tab = c + 1 < columns.size() ? line.find('\t', pos) : std::string::npos;
      e[columns[c]] = line.substr(pos, tab == std::string::npos ? std::string::npos : tab - pos);
      pos = tab + 1;
    }
    entries.push_back(e);
  }
  return entries;
}

}  // namespace

TEST(MapPi, task_results_do_not_depend_on_the_schedule_or_the_layout) {
  const std::vector<std::uint64_t> samples = {100000, 3200000, 7, 250000};
  std::vector<std::uint64_t> expected;
  for (std::uint64_t t = 0; t < samples.size(); ++t)
    expected.push_back(
        parakit::kernels::count_inside(parakit::kernels::task_stream_seed(42, t), 0, samples[t]));
  const std::vector<std::pair<int, int>> layouts = {{0, 1}, {0, 3}, {2, 1}, {3, 2}, {4, 1}};
  for (const auto& [ranks, threads] : layouts) {
    for (const std::string schedule : {"static", "cyclic", "dynamic", "split"}) {
      std::vector<std::string> args = {
          "map", "pi",         "--tasks", "1e5,3.2e6,7,250000", "--seed",
          "42",  "--schedule", schedule,  "--threads",          std::to_string(threads)};
      if (schedule == "split") args.insert(args.end(), {"--chunk", "100000"});
      const json r = run_json(args, ranks);
      const std::string where =
          schedule + " on " + std::to_string(std::max(ranks, 1)) + "x" + std::to_string(threads);
      ASSERT_EQ(r["result"]["tasks"].size(), samples.size()) << where;
      for (std::size_t t = 0; t < samples.size(); ++t) {
        EXPECT_EQ(r["result"]["tasks"][t]["inside"].get<std::uint64_t>(), expected[t])
            << where << ", task " << t;
      }
      const auto& result = r["result"];
      const int workers = std::max(ranks, 1) * threads;
      EXPECT_EQ(r["workers"], workers);
      ASSERT_EQ(result["workers"].size(), static_cast<std::size_t>(workers)) << where;
      std::uint64_t runs = 0;
      for (const auto& w : result["workers"]) {
        runs += w["runs"].get<std::uint64_t>();
        EXPECT_GE(w["busy_s"].get<double>(), 0.0);
        EXPECT_GE(w["idle_s"].get<double>(), -1e-9);
        EXPECT_NEAR(w["busy_s"].get<double>() + w["idle_s"].get<double>(), result["makespan_s"].get<double>(),
                    1e-9);
      }
      EXPECT_EQ(runs, r["pieces"].get<std::uint64_t>()) << where;
      EXPECT_EQ(r["pieces"], schedule == "split" ? 1 + 32 + 1 + 3 : 4) << where;
      EXPECT_LE(result["lower_bound_s"].get<double>(), result["makespan_s"].get<double>() * (1 + 1e-9))
          << where;
      EXPECT_GT(result["efficiency"].get<double>(), 0.0);
      EXPECT_LE(result["efficiency"].get<double>(), 1.0 + 1e-9);
    }
  }
}

TEST(MapPi, static_keeps_a_big_task_whole_and_split_shares_it_among_workers) {
  const json whole = run_json({"map", "pi", "--tasks", "1e5,2e8", "--schedule", "static", "--threads", "2"});
  EXPECT_EQ(whole["result"]["tasks"][1]["pieces"], 1);
  // The bound is the big task itself: no schedule of whole tasks can beat it.
  EXPECT_GE(whole["result"]["lower_bound_s"].get<double>(),
            whole["result"]["tasks"][1]["busy_s"].get<double>() * (1 - 1e-9));

  const json split = run_json({"map", "pi", "--tasks", "1e5,2e8", "--schedule", "split", "--threads", "2"});
  EXPECT_EQ(split["chunk"], (200100000 + 63) / 64) << "default chunk: 32 pieces per worker";
  EXPECT_GE(split["result"]["tasks"][1]["pieces"].get<int>(), 60);
  for (const auto& w : split["result"]["workers"])
    EXPECT_GE(w["runs"].get<int>(), 5) << "both workers take pieces of the big task";
  EXPECT_EQ(split["result"]["tasks"][1]["inside"], whole["result"]["tasks"][1]["inside"]);
}

TEST(MapPi, trace_and_gantt_show_one_box_per_piece_in_rank_by_thread_lanes) {
  TempDir dir;
  const auto trace = dir.path() / "trace.json", gantt = dir.path() / "gantt.png";
  const json r = run_json({"map", "pi", "--tasks", "1e6,2e6,3e6,4e6,5e6", "--threads", "2", "--trace",
                           trace.string(), "--gantt", gantt.string()},
                          2);
  const json t = json::parse(slurp(trace));
  int boxes = 0;
  std::set<std::pair<int, int>> lanes;
  for (const auto& e : t["traceEvents"]) {
    if (e["ph"] != "X") continue;
    ++boxes;
    lanes.insert({e["pid"].get<int>(), e["tid"].get<int>()});
    EXPECT_GE(e["dur"].get<double>(), 0.0);
  }
  EXPECT_EQ(boxes, 5);
  for (const auto& [rank, thread] : lanes) {
    EXPECT_TRUE(rank >= 0 && rank < 2 && thread >= 0 && thread < 2) << rank << "," << thread;
  }
  const std::string png = slurp(gantt);
  ASSERT_GT(png.size(), 1000U);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

struct MapBadInput {
  std::vector<std::string> args;
  std::string message;
  int exit_code;
};

class MapBadInputs : public ::testing::TestWithParam<std::tuple<MapBadInput, int>> {};

TEST_P(MapBadInputs, one_clear_line_printed_once_and_the_documented_exit_code) {
  const auto& [bad, ranks] = GetParam();
  TempDir dir;
  write_file(dir.path() / "empty.txt", "\n\n");
  write_file(dir.path() / "bad.txt", "1000\n2e6\n\nthree\n");
  std::vector<std::string> args;
  for (std::string a : bad.args) {
    if (a.starts_with("@DIR/")) a = std::string("@").append((dir.path() / a.substr(5)).string());
    if (a.starts_with("DIR/")) a = (dir.path() / a.substr(4)).string();
    args.push_back(a);
  }
  const ProcessResult r = run_process(parakit_cmd(args, ranks), 30.0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, bad.exit_code) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(count_lines_starting_with(r.err, "parakit: error: "), 1) << r.err;
  EXPECT_EQ(count_lines_starting_with(r.err, "parakit"), 1) << "printed once, not once per rank: " << r.err;
  EXPECT_NE(r.err.find(bad.message), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Driver, MapBadInputs,
    ::testing::Combine(
        ::testing::Values(
            MapBadInput{{"map"}, "map: no kernel given (accepted: pi, exec", 2},
            MapBadInput{{"map", "sort"}, "map: 'sort' is not a kernel (accepted: pi, exec", 2},
            MapBadInput{{"map", "pi"}, "map pi: --tasks is required", 2},
            MapBadInput{{"map", "pi", "--tasks", "1e5", "--chunk", "0"}, "--chunk: 0 is not a chunk", 2},
            MapBadInput{{"map", "pi", "--tasks", "1e5", "--schedule", "guided"},
                        "--schedule: 'guided' is not a schedule (accepted: static, cyclic, dynamic, split)",
                        2},
            MapBadInput{{"map", "pi", "--tasks", "1e5", "--schedule", "static", "--chunk", "4"},
                        "the static schedule has no chunk",
                        2},
            MapBadInput{
                {"map", "pi", "--tasks", "@DIR/missing.txt"}, "missing.txt: No such file or directory", 2},
            MapBadInput{{"map", "pi", "--tasks", "@DIR/empty.txt"}, "no tasks in the file", 2},
            MapBadInput{{"map", "pi", "--tasks", "@DIR/bad.txt"}, "bad.txt:4: 'three' is not a number", 2},
            MapBadInput{{"map", "pi", "--tasks", "2e7", "--schedule", "split", "--chunk", "1"},
                        "pieces (accepted: at most",
                        2},
            MapBadInput{
                {"map", "exec", "--tasks", "@DIR/empty.txt"}, "map exec: no '--' before the command", 2},
            MapBadInput{
                {"map", "exec", "--tasks", "@DIR/empty.txt", "--"}, "map exec: no command after '--'", 2},
            MapBadInput{{"map", "pi", "--tasks", "1e5", "1e6"},
                        "unexpected argument '1e6': options start with --",
                        2},
            MapBadInput{{"map", "exec", "--tasks", "@DIR/bad.txt", "--seed", "1", "--", "echo"},
                        "unrecognised option '--seed'",
                        2},
            MapBadInput{{"map", "exec", "--tasks", "@DIR/bad.txt", "--timeout", "1e8", "--", "echo"},
                        "--timeout: 100000000 is too long",
                        2},
            MapBadInput{
                {"map", "exec", "--tasks", "a,b", "--", "echo"}, "map exec: --tasks @FILE is required", 2},
            MapBadInput{{"map", "exec", "--tasks", "@DIR/missing.txt", "--", "echo"}, "No such file", 2},
            MapBadInput{{"map", "exec", "--tasks", "@DIR/bad.txt", "--schedule", "split", "--", "echo"},
                        "commands cannot be cut",
                        2},
            MapBadInput{
                {"map", "exec", "--tasks", "@DIR/bad.txt", "--chunk", "0", "--", "echo"}, "--chunk: 0", 2},
            MapBadInput{{"map", "exec", "--tasks", "@DIR/bad.txt", "--retries", "-1", "--", "echo"},
                        "--retries: -1",
                        2},
            MapBadInput{{"map", "exec", "--tasks", "@DIR/bad.txt", "--timeout", "0", "--", "echo"},
                        "--timeout: 0",
                        2},
            MapBadInput{{"map", "exec", "--tasks", "@DIR/bad.txt", "--resume", "--", "echo"},
                        "--resume needs --joblog",
                        2},
            MapBadInput{
                {"map", "exec", "--tasks", "@DIR/bad.txt", "--stop-file", "DIR/none/stop", "--", "echo"},
                "is in no existing directory, so it could never appear",
                2}),
        ::testing::Values(0, 2)));

TEST(MapExec, joblog_has_a_line_per_task_and_the_exit_code_counts_failures) {
  TempDir dir;
  const auto joblog = dir.path() / "jobs.tsv";
  const ProcessResult r = run_process(parakit_cmd(
      {"map", "exec", "--tasks", numbers_file(dir.path() / "t.txt", 6), "--threads", "2", "--joblog",
       joblog.string(), "--format", "json", "--", "test {} -ne 3 && test {} -ne 5 && echo did {}"},
      2));
  EXPECT_EQ(r.exit_code, 4) << "two tasks failed: " << r.err;
  EXPECT_NE(r.err.find("parakit: 2 of 6 tasks failed; see " + joblog.string()), std::string::npos) << r.err;
  // With a JSON record on stdout, the tasks' output goes to stderr, prefixed.
  for (int i : {1, 2, 4, 6})
    EXPECT_NE(r.err.find(std::string("[")
                             .append(std::to_string(i - 1))
                             .append("] did ")
                             .append(std::to_string(i))
                             .append("\n")),
              std::string::npos)
        << r.err;
  const json record = json::parse(r.out);  // stdout is the record and nothing else
  EXPECT_EQ(record["result"]["failed"], 2);
  EXPECT_EQ(record["result"]["succeeded"], 4);
  EXPECT_EQ(record["result"]["failed_tasks"][0]["task"].get<int>() +
                record["result"]["failed_tasks"][1]["task"].get<int>(),
            2 + 4);

  const auto entries = read_joblog(joblog);
  ASSERT_EQ(entries.size(), 6U);
  std::set<std::string> tasks;
  for (const auto& e : entries) {
    tasks.insert(e.at("task"));
    const bool fails = e.at("task") == "2" || e.at("task") == "4";
    EXPECT_EQ(e.at("status"), fails ? "failed" : "ok");
    EXPECT_EQ(e.at("exit"), fails ? "1" : "0");
    EXPECT_TRUE(e.at("rank") == "0" || e.at("rank") == "1");
    EXPECT_EQ(e.at("attempt"), "1");
    EXPECT_GT(std::stod(e.at("start")), 1.7e9) << "Unix time";
    EXPECT_GE(std::stod(e.at("duration_s")), 0.0);
  }
  EXPECT_EQ(tasks.size(), 6U);
}

TEST(MapExec, retries_run_a_failing_task_again_until_it_succeeds) {
  TempDir dir;
  const auto joblog = dir.path() / "jobs.tsv";
  write_file(dir.path() / "t.txt", (dir.path() / "a").string() + "\n" + (dir.path() / "b").string() + "\n");
  // Fails on the first attempt (and leaves a mark), succeeds on the second.
  const ProcessResult r = run_process(parakit_cmd(
      {"map", "exec", "--tasks", std::string("@").append((dir.path() / "t.txt").string()), "--retries", "3",
       "--joblog", joblog.string(), "--", "test -e {}.seen || { touch {}.seen; exit 1; }"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto entries = read_joblog(joblog);
  ASSERT_EQ(entries.size(), 4U);
  for (const auto& e : entries)
    EXPECT_EQ(e.at("status"), e.at("attempt") == "1" ? "failed" : "ok");
}

TEST(MapExec, a_task_over_its_timeout_is_killed_and_the_others_go_on) {
  TempDir dir;
  const auto joblog = dir.path() / "jobs.tsv";
  write_file(dir.path() / "t.txt", "slow\nfast\nquick\n");
  const ProcessResult r = run_process(parakit_cmd(
      {"map", "exec", "--tasks", std::string("@").append((dir.path() / "t.txt").string()), "--threads", "1",
       "--timeout", "0.5", "--joblog", joblog.string(), "--", "test {} != slow || sleep 30"}));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_LT(r.elapsed_s, 15.0);
  EXPECT_NE(r.err.find("1 of 3 tasks failed (1 timed out)"), std::string::npos) << r.err;
  const auto entries = read_joblog(joblog);
  ASSERT_EQ(entries.size(), 3U);
  for (const auto& e : entries) {
    EXPECT_EQ(e.at("status"), e.at("task") == "0" ? "timeout" : "ok");
    if (e.at("task") == "0") {
      EXPECT_EQ(e.at("signal"), "15");
      EXPECT_NEAR(std::stod(e.at("duration_s")), 0.5, 0.4);
    }
  }
}

// Few equal tasks on 2 ranks: no rank may hold tasks in reserve that another could run now.
TEST(MapExec, dynamic_shares_few_tasks_evenly_between_ranks) {
  TempDir dir;
  const ProcessResult r =
      run_process(parakit_cmd({"map", "exec", "--tasks", numbers_file(dir.path() / "t.txt", 4), "--threads",
                               "1", "--format", "json", "--", "sleep 0.3 #"},
                              2));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json record = json::parse(r.out);
  for (const auto& w : record["result"]["workers"])
    EXPECT_EQ(w["runs"], 2) << r.out;
}

TEST(MapExec, a_missing_command_fails_every_task_and_ends_with_a_summary) {
  TempDir dir;
  const ProcessResult r = run_process(parakit_cmd(
      {"map", "exec", "--tasks", numbers_file(dir.path() / "t.txt", 3), "--", "no-such-command-parakit"}, 2));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_LT(r.elapsed_s, 20.0);
  EXPECT_NE(r.err.find("parakit: 3 of 3 tasks failed"), std::string::npos) << r.err;
  EXPECT_EQ(count_lines_starting_with(r.err, "["), 3) << "each task's own error, prefixed: " << r.err;
}

TEST(MapExec, tasks_know_their_number_rank_and_thread_from_the_environment) {
  TempDir dir;
  const ProcessResult r = run_process(
      parakit_cmd({"map", "exec", "--tasks", numbers_file(dir.path() / "t.txt", 4), "--schedule", "cyclic",
                   "--threads", "1", "--", "echo $PARAKIT_TASK:$PARAKIT_RANK:$PARAKIT_THREAD:{}"},
                  2));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* line : {"[0] 0:0:0:1\n", "[1] 1:1:0:2\n", "[2] 2:0:0:3\n", "[3] 3:1:0:4\n"})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << " in " << r.out;
}

TEST(MapExec, results_dir_gets_each_tasks_output_in_its_own_files) {
  TempDir dir;
  const auto results = dir.path() / "out";
  const ProcessResult r =
      run_process(parakit_cmd({"map", "exec", "--tasks", numbers_file(dir.path() / "t.txt", 3), "--results",
                               results.string(), "--", "echo out {}; echo err {} >&2"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("out 1"), std::string::npos) << "task output went to the files";
  EXPECT_EQ(slurp(results / "2.out"), "out 3\n");
  EXPECT_EQ(slurp(results / "0.err"), "err 1\n");
}

TEST(MapExec, an_existing_foreign_or_corrupt_joblog_is_refused_and_left_untouched) {
  TempDir dir;
  const auto joblog = dir.path() / "jobs.tsv";
  const std::string tasks = numbers_file(dir.path() / "t.txt", 3);
  const auto refused = [&](const std::vector<std::string>& extra, const std::string& message) {
    const std::string before = slurp(joblog);
    std::vector<std::string> args = {"map", "exec", "--tasks", tasks, "--joblog", joblog.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    const ProcessResult r = run_process(parakit_cmd(args, 2));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(count_lines_starting_with(r.err, "parakit: error: "), 1) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_EQ(slurp(joblog), before) << "the joblog was changed";
  };
  write_file(joblog, "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n");
  refused({"--resume", "--", "echo"}, "not a parakit joblog");
  refused({"--", "echo"}, "the file exists; add --resume");

  fs::remove(joblog);
  ASSERT_EQ(
      run_process(parakit_cmd({"map", "exec", "--tasks", tasks, "--joblog", joblog.string(), "--", "echo"}))
          .exit_code,
      0);
  refused({"--resume", "--", "printf"}, "the log is of another run");
  write_file(joblog, slurp(joblog) + "0\t0\t0\thost\tsoon\t0.1\t0\t0\t1\tok\techo 1\n");
  refused({"--resume", "--", "echo"}, "jobs.tsv:6: a number field does not parse");
}

// A rank killed by PID mid-run: the job ends within seconds; --resume runs exactly the tasks the joblog
// does not show done, so none is logged done twice and none is missing.
TEST(MapExec, resume_after_a_killed_rank_finishes_the_job_without_running_done_tasks_again) {
  TempDir dir;
  const auto joblog = dir.path() / "jobs.tsv", done = dir.path() / "done.txt", pids = dir.path() / "pids";
  fs::create_directories(pids);
  const std::string tasks = numbers_file(dir.path() / "t.txt", 40);
  // The task's shell is the child of a supervisor, the child of the rank: the fourth field of
  // /proc/<supervisor>/stat is the rank's pid.
  const std::string command = "awk '{print $4}' /proc/$PPID/stat > " + pids.string() + "/{}.tmp && mv " +
                              pids.string() + "/{}.tmp " + pids.string() + "/{}; sleep 0.1; echo {} >> " +
                              done.string();
  const auto out = dir.path() / "run1.out", err = dir.path() / "run1.err";
  const auto start = std::chrono::steady_clock::now();
  const pid_t job = parakit::test::start_process(
      parakit_cmd(
          {"map", "exec", "--tasks", tasks, "--threads", "2", "--joblog", joblog.string(), "--", command}, 2),
      out.string(), err.string());
  // Wait until some tasks are done, then kill the rank that ran task 4.
  const auto lines = [](const fs::path& p) {
    const std::string text = slurp(p);
    return std::count(text.begin(), text.end(), '\n');
  };
  while (lines(done) < 8 && std::chrono::steady_clock::now() - start < std::chrono::seconds(30))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_GE(lines(done), 8) << slurp(err);
  pid_t rank = 0;
  for (const auto& entry : fs::directory_iterator(pids)) {
    if (entry.path().extension() != ".tmp") rank = std::stoi(slurp(entry.path()));
  }
  ASSERT_GT(rank, 1);
  ASSERT_EQ(::kill(rank, SIGKILL), 0);
  const auto killed = std::chrono::steady_clock::now();
  const int code = parakit::test::wait_process(job, 30.0);
  EXPECT_NE(code, 0);
  EXPECT_NE(code, parakit::test::kStillRunning) << "the job did not end";
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count(), 15.0);

  // Done: in the joblog, or in the journal of the other rank (what it ran before rank 0 heard of it).
  std::set<std::string> done_before;
  for (const auto& file : fs::directory_iterator(dir.path())) {
    const std::string name = file.path().filename().string();
    if (name != "jobs.tsv" && (name.rfind("jobs.tsv.rank", 0) != 0 || fs::file_size(file.path()) == 0))
      continue;
    for (const auto& e : read_joblog(file.path())) {
      if (e.at("status") == "ok") done_before.insert(e.at("task"));
    }
  }
  ASSERT_LT(done_before.size(), 40U) << "the kill came too late to test anything";
  const ProcessResult r =
      run_process(parakit_cmd({"map", "exec", "--tasks", tasks, "--threads", "2", "--joblog", joblog.string(),
                               "--resume", "--format", "json", "--", command},
                              2));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json record = json::parse(r.out);
  EXPECT_EQ(record["result"]["skipped_done"].get<std::size_t>(), done_before.size());
  EXPECT_EQ(record["result"]["tasks_run"].get<std::size_t>(), 40 - done_before.size());

  std::map<std::string, int> ok_count;
  for (const auto& e : read_joblog(joblog)) {
    if (e.at("status") == "ok") ++ok_count[e.at("task")];
  }
  EXPECT_EQ(ok_count.size(), 40U) << "every task done";
  for (const auto& [task, n] : ok_count)
    EXPECT_EQ(n, 1) << "task " << task << " logged done " << n << " times";
}

// What slurm/taskfarm.sbatch does at a time limit: the stop file drains the farm (the running tasks
// finish and are logged, no new one starts), exit 5; --resume then runs exactly the rest.
TEST(MapExec, a_stop_file_ends_the_farm_cleanly_and_resume_runs_each_remaining_task_once) {
  TempDir dir;
  const auto joblog = dir.path() / "jobs.tsv", done = dir.path() / "done.txt", stop = dir.path() / "stop";
  const auto record1 = dir.path() / "run1.json";
  const std::string tasks = numbers_file(dir.path() / "t.txt", 60);
  // A task that starts marks itself; one that finishes says so: an interrupted task would leave a mark
  // without its done line.
  const std::string command =
      "echo start {} >> " + done.string() + "; sleep 0.1; echo done {} >> " + done.string();
  const pid_t job = parakit::test::start_process(
      parakit_cmd({"map", "exec", "--tasks", tasks, "--threads", "2", "--joblog", joblog.string(),
                   "--stop-file", stop.string(), "--json", record1.string(), "--", command},
                  2),
      (dir.path() / "run1.out").string(), (dir.path() / "run1.err").string());
  const auto start = std::chrono::steady_clock::now();
  while (slurp(done).find("done 8\n") == std::string::npos &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(30))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  write_file(stop, "");
  const int code = parakit::test::wait_process(job, 30.0);
  ASSERT_EQ(code, 5) << slurp(dir.path() / "run1.err");
  EXPECT_EQ(parakit::test::count_lines_starting_with(slurp(dir.path() / "run1.err"), "parakit: stopped by "),
            1)
      << slurp(dir.path() / "run1.err");
  const json first = json::parse(slurp(record1));
  const auto not_run = first["result"]["not_run"].get<std::size_t>();
  EXPECT_TRUE(first["result"]["stopped"].get<bool>());
  EXPECT_GT(not_run, 10U) << "the stop came too late to test anything";
  EXPECT_EQ(first["result"]["succeeded"].get<std::size_t>() + not_run, 60U);

  const ProcessResult r =
      run_process(parakit_cmd({"map", "exec", "--tasks", tasks, "--threads", "2", "--joblog", joblog.string(),
                               "--resume", "--format", "json", "--", command},
                              2));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["result"]["tasks_run"].get<std::size_t>(), not_run);
  std::map<std::string, int> starts, ends;
  std::istringstream lines(slurp(done));
  for (std::string what, task; lines >> what >> task;)
    ++(what == "start" ? starts : ends)[task];
  EXPECT_EQ(starts.size(), 60U);
  for (const auto& [task, n] : starts)
    EXPECT_TRUE(n == 1 && ends[task] == 1)
        << "task " << task << " started " << n << " times, ended " << ends[task];
}

TEST(MapExec, a_stop_file_there_at_the_start_runs_no_task) {
  TempDir dir;
  const auto stop = dir.path() / "stop", done = dir.path() / "done.txt";
  write_file(stop, "");
  const ProcessResult r = run_process(
      parakit_cmd({"map", "exec", "--tasks", numbers_file(dir.path() / "t.txt", 5), "--threads", "2",
                   "--stop-file", stop.string(), "--format", "json", "--", "echo {} >> " + done.string()},
                  2));
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_EQ(json::parse(r.out)["result"]["not_run"], 5);
  EXPECT_FALSE(fs::exists(done)) << "no task ran";
}

// What the program does with a stop file there at the start (above) is what --help and the README say
// (issue 18, defect 8: the README said the file must not exist at the start).
TEST(MapExec, help_and_readme_say_what_a_stop_file_there_at_the_start_does) {
  const auto one_line = [](const std::string& text) {  // Boost wraps --help: whitespace runs as one space
    std::string out;
    for (const char c : text) {
      const bool blank = c == ' ' || c == '\n' || c == '\t';
      if (!blank || (!out.empty() && out.back() != ' ')) out += blank ? ' ' : c;
    }
    return out;
  };
  const ProcessResult help = run_process(parakit_cmd({"map", "exec", "--help"}));
  ASSERT_EQ(help.exit_code, 0) << help.err;
  EXPECT_NE(one_line(help.out).find("once FILE exists (or if it does at the start), start no more tasks"),
            std::string::npos)
      << help.out;
  const std::string readme = one_line(slurp(fs::path(PARAKIT_SOURCE_DIR) / "README.md"));
  EXPECT_NE(readme.find("A FILE already there at the start stops the farm before any task (exit 5, every "
                        "task `not_run`)"),
            std::string::npos);
  EXPECT_EQ(readme.find("must not exist at the start"), std::string::npos);
}

// parakit info: one entry per rank x thread, each on a CPU it may run on.
TEST(Info, one_line_per_rank_and_thread_with_valid_cpus) {
  for (const int ranks : {0, 1, 2, 3}) {
    for (const int threads : {1, 2}) {
      const json r = run_json({"info", "--threads", std::to_string(threads)}, ranks);
      const int n = std::max(ranks, 1) * threads;
      const std::string where = std::to_string(std::max(ranks, 1)) + "x" + std::to_string(threads);
      ASSERT_EQ(r["result"]["threads"].size(), static_cast<std::size_t>(n)) << where;
      std::set<std::pair<int, int>> seen;
      for (const auto& t : r["result"]["threads"]) {
        seen.insert({t["rank"].get<int>(), t["thread"].get<int>()});
        const int cpu = t["cpu"].get<int>();
        EXPECT_GE(cpu, 0) << where;
        EXPECT_GT(t["pid"].get<long>(), 0);
        EXPECT_FALSE(t["host"].get<std::string>().empty());
        // cpu must lie in the cpuset, e.g. "0-1,3"
        bool inside = false;
        std::istringstream ranges(t["cpuset"].get<std::string>());
        for (std::string range; std::getline(ranges, range, ',');) {
          const auto dash = range.find('-');
          const int lo = std::stoi(range.substr(0, dash));
          const int hi = dash == std::string::npos ? lo : std::stoi(range.substr(dash + 1));
          inside = inside || (cpu >= lo && cpu <= hi);
        }
        EXPECT_TRUE(inside) << "cpu " << cpu << " outside its cpuset " << t["cpuset"] << " in " << where;
      }
      EXPECT_EQ(seen.size(), static_cast<std::size_t>(n)) << "every rank x thread once, " << where;
      EXPECT_GE(r["machine"]["cores"].get<int>(), 1);
      EXPECT_GE(r["machine"]["hardware_threads"].get<int>(), r["machine"]["cores"].get<int>());
    }
  }
}

TEST(Info, bench_measures_the_machines_ceilings_on_every_rank) {
  const json r = run_json({"info", "--bench", "--threads", "1"}, 2);
  const auto& c = r["ceilings"];
  // Each thread's array: 4 x the last-level cache hwloc reports (all of them), 64 MiB to 1 GiB.
  double llc = 0.0;
  for (const auto& cache : r["machine"]["caches"])
    llc = std::max(llc, cache["size_bytes"].get<double>() * cache["count"].get<double>());
  const double per_thread = c["memory_bytes_per_thread"].get<double>();
  EXPECT_GE(per_thread, std::min(4.0 * llc, 1024.0 * 1024 * 1024) - 4096) << "outgrows the caches";
  EXPECT_GE(per_thread, 64.0 * 1024 * 1024);
  EXPECT_LE(per_thread, 1024.0 * 1024 * 1024);
  EXPECT_EQ(c["memory_bytes"].get<double>(), 2.0 * per_thread) << "one thread on each of 2 ranks";
  EXPECT_GT(c["memory_read_bytes_per_s"].get<double>(), 1e8);
  EXPECT_GT(c["pi_slowest_core_samples_per_s"].get<double>(), 1e6) << "every thread measured";
}

// Two ranks, each bound to one core (Open MPI's default for 2 ranks), two threads each: every host
// sees 4 threads on 2 CPUs, and two threads on each CPU.
TEST(Info, warns_in_words_about_oversubscribed_and_overlapping_threads) {
  const ProcessResult r = run_process(parakit_cmd({"info", "--threads", "2"}, 2));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("parakit: warning: oversubscribed: 4 threads on "), std::string::npos) << r.err;
  EXPECT_EQ(count_lines_starting_with(r.err, "parakit: warning: overlapping: 2 threads on "), 2) << r.err;
  EXPECT_EQ(count_lines_starting_with(r.out, "     "), 4) << "one line per rank x thread: " << r.out;
}

namespace {

// True while process @p pid runs: it exists and is not a zombie (a zombie has ended; only its parent
// has not collected its status yet).
bool is_running(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  const std::size_t paren = stat.rfind(") ");
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z' &&
         stat[paren + 2] != 'X';
}

// Waits up to @p timeout_s until none of @p pids runs; returns those still running.
std::vector<pid_t> wait_gone(const std::vector<pid_t>& pids, double timeout_s) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<pid_t> left = pids;
  while (true) {
    std::erase_if(left, [](pid_t p) { return !is_running(p); });
    if (left.empty() || std::chrono::steady_clock::now() - start > std::chrono::duration<double>(timeout_s))
      return left;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// The number in @p path (0 when it cannot be read).
pid_t read_pid(const fs::path& path) {
  std::istringstream in(slurp(path));
  pid_t pid = 0;
  in >> pid;
  return pid;
}

// Waits up to @p timeout_s until every file of @p paths exists.
bool wait_files(const std::vector<fs::path>& paths, double timeout_s) {
  const auto start = std::chrono::steady_clock::now();
  while (!std::all_of(paths.begin(), paths.end(), [](const fs::path& p) { return fs::exists(p); })) {
    if (std::chrono::steady_clock::now() - start > std::chrono::duration<double>(timeout_s)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// A task that records its processes in @p dir and then waits for a `sleep 300` of its own: the
// supervisor ($PPID: DIR/<task>.sup), the rank (the supervisor's parent: .rank), the background sleep
// (.sleep) and the task's shell (.sh, written last: once it is there, all are).
std::string recording_sleeper(const fs::path& dir) {
  const std::string d = dir.string() + "/{}";
  return "echo $PPID > " + d + ".sup; awk '{print $4}' /proc/$PPID/stat > " + d +
         ".rank; sleep 300 & echo $! > " + d + ".sleep; echo $$ > " + d + ".tmp && mv " + d + ".tmp " + d +
         ".sh; wait";
}

}  // namespace

// Issue 18, defect 9: rank 0 killed (SIGKILL) in the middle of a farm. Every task that had completed
// (the last thing a task does is append its number to done.txt) must be in the joblog, so that
// --resume never runs it again; every task runs to completion once in all.
TEST(MapExec, resume_after_rank_0_is_killed_runs_no_completed_task_again) {
  TempDir dir;
  const auto joblog = dir.path() / "jobs.tsv", done = dir.path() / "done.txt", rank0 = dir.path() / "rank0";
  const std::string tasks = numbers_file(dir.path() / "t.txt", 40);
  const std::string command = "if [ $PARAKIT_RANK = 0 ]; then awk '{print $4}' /proc/$PPID/stat > " +
                              rank0.string() + ".tmp && mv " + rank0.string() + ".tmp " + rank0.string() +
                              "; fi; sleep 0.2; echo {} >> " + done.string();
  const auto err = dir.path() / "run1.err";
  const pid_t job = parakit::test::start_process(
      parakit_cmd(
          {"map", "exec", "--tasks", tasks, "--threads", "2", "--joblog", joblog.string(), "--", command}, 2),
      (dir.path() / "run1.out").string(), err.string());
  const auto lines = [&] {
    const std::string text = slurp(done);
    return std::count(text.begin(), text.end(), '\n');
  };
  const auto start = std::chrono::steady_clock::now();
  while (lines() < 10 && std::chrono::steady_clock::now() - start < std::chrono::seconds(30))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const pid_t rank = read_pid(rank0);
  ASSERT_GT(rank, 1) << slurp(err);
  ASSERT_EQ(::kill(rank, SIGKILL), 0);
  const int code = parakit::test::wait_process(job, 30.0);
  EXPECT_NE(code, 0);
  ASSERT_NE(code, parakit::test::kStillRunning) << "the job did not end";
  std::set<std::string> completed;
  {
    std::istringstream in(slurp(done));
    for (std::string task; in >> task;)
      completed.insert(task);
  }
  ASSERT_LT(completed.size(), 40U) << "the kill came too late to test anything";

  const ProcessResult r =
      run_process(parakit_cmd({"map", "exec", "--tasks", tasks, "--threads", "2", "--joblog", joblog.string(),
                               "--resume", "--format", "json", "--", command},
                              2));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, int> runs;
  std::istringstream in(slurp(done));
  for (std::string task; in >> task;)
    ++runs[task];
  EXPECT_EQ(runs.size(), 40U) << "every task completed";
  for (const auto& [task, n] : runs)
    EXPECT_EQ(n, 1) << "task " << task << " completed " << n << " times"
                    << (completed.count(task) != 0 ? " (it had completed before the kill)" : "");
  std::map<std::string, int> ok_count;
  for (const auto& e : read_joblog(joblog)) {
    if (e.at("status") == "ok") ++ok_count[e.at("task")];
  }
  EXPECT_EQ(ok_count.size(), 40U) << "every task logged done";
  for (const auto& [task, n] : ok_count)
    EXPECT_EQ(n, 1) << "task " << task << " logged done " << n << " times";
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().rfind("jobs.tsv.rank", 0), std::string::npos)
        << entry.path() << ": a rank's journal left after a complete run";
}

// Issue 18, defect 9: a rank killed with SIGKILL takes the tasks it runs with it, with their own
// children (here a background sleep): the supervisor of each task kills the task's process group.
TEST(MapExec, a_killed_rank_leaves_none_of_its_tasks_processes_running) {
  TempDir dir;
  const pid_t job = parakit::test::start_process(
      parakit_cmd({"map", "exec", "--tasks", numbers_file(dir.path() / "t.txt", 2), "--schedule", "cyclic",
                   "--threads", "1", "--", recording_sleeper(dir.path())},
                  2),
      (dir.path() / "run.out").string(), (dir.path() / "run.err").string());
  const fs::path p = dir.path();
  ASSERT_TRUE(wait_files({p / "1.sh", p / "2.sh"}, 30.0)) << slurp(p / "run.err");
  std::vector<pid_t> tasks;
  for (const char* t : {"1", "2"}) {
    for (const char* what : {".sh", ".sleep", ".sup"})
      tasks.push_back(read_pid(p / (std::string(t) + what)));
  }
  const pid_t rank0 = read_pid(p / "1.rank");
  ASSERT_GT(rank0, 1);
  ASSERT_EQ(::kill(rank0, SIGKILL), 0);
  // Rank 0's own task at once (its supervisor sees the death of its parent); rank 1's once mpiexec has
  // ended rank 1, within seconds.
  const std::vector<pid_t> left0 = wait_gone({tasks[0], tasks[1], tasks[2]}, 2.0);
  const std::vector<pid_t> left = wait_gone(tasks, 15.0);
  for (const pid_t pid : tasks)
    if (is_running(pid)) ::kill(pid, SIGKILL);  // ours (the test's tasks): leave nothing behind
  EXPECT_TRUE(left0.empty()) << left0.size() << " processes of rank 0's task still ran 2 s after the kill";
  EXPECT_TRUE(left.empty()) << left.size() << " processes of the tasks still ran 15 s after the kill";
  EXPECT_NE(parakit::test::wait_process(job, 30.0), parakit::test::kStillRunning);
}

// Issue 18, defect 9: a task's supervisor killed with SIGKILL does not leave its task running: the
// rank kills the task's process group, logs the attempt failed (signal 9) and goes on.
TEST(MapExec, a_killed_supervisor_leaves_none_of_its_tasks_processes_running) {
  TempDir dir;
  const auto joblog = dir.path() / "jobs.tsv";
  const fs::path p = dir.path();
  write_file(p / "t.txt", "1\n2\n");
  const std::string command = "if [ {} = 1 ]; then " + recording_sleeper(p) + "; fi";
  const pid_t job = parakit::test::start_process(
      parakit_cmd({"map", "exec", "--tasks", std::string("@").append((p / "t.txt").string()), "--threads",
                   "1", "--joblog", joblog.string(), "--", command}),
      (p / "run.out").string(), (p / "run.err").string());
  ASSERT_TRUE(wait_files({p / "1.sh"}, 30.0)) << slurp(p / "run.err");
  const std::vector<pid_t> task = {read_pid(p / "1.sh"), read_pid(p / "1.sleep")};
  const pid_t supervisor = read_pid(p / "1.sup");
  ASSERT_GT(supervisor, 1);
  ASSERT_EQ(::kill(supervisor, SIGKILL), 0);
  const std::vector<pid_t> left = wait_gone(task, 2.0);
  for (const pid_t pid : task)
    if (is_running(pid)) ::kill(pid, SIGKILL);
  EXPECT_TRUE(left.empty()) << left.size()
                            << " processes of the task still ran 2 s after its supervisor died";
  EXPECT_EQ(parakit::test::wait_process(job, 30.0), 4) << slurp(p / "run.err");
  const auto entries = read_joblog(joblog);
  ASSERT_EQ(entries.size(), 2U);
  for (const auto& e : entries) {
    EXPECT_EQ(e.at("status"), e.at("task") == "0" ? "failed" : "ok");
    if (e.at("task") == "0") {
      EXPECT_EQ(e.at("signal"), "9");
    }
  }
}
