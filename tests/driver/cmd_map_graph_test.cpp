// End-to-end tests of `parakit map exec --graph` (issue 20): the real binary, alone and under mpiexec,
// with real graph files, joblogs, exit codes and messages.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "parakit/kernels/task_graph.hpp"

#include "process.hpp"

using nlohmann::json;
using parakit::test::parakit_cmd;
using parakit::test::ProcessResult;
using parakit::test::run_process;
using parakit::test::slurp;
using parakit::test::TempDir;
using parakit::test::write_file;
namespace fs = std::filesystem;

namespace {

// One line of a graph run's joblog.
struct GraphLogLine {
  std::string task, status, command;
  int rank = 0, attempt = 0;
  double start = 0.0, duration_s = 0.0;
};

// The joblog of a graph run: its fingerprint line and its entries.
std::vector<GraphLogLine> graph_joblog_lines(const fs::path& path, std::string* fingerprint = nullptr) {
  std::istringstream in(slurp(path));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "# parakit joblog 1");
  std::getline(in, line);
  EXPECT_EQ(line.rfind("# graph ", 0), 0U) << line;
  EXPECT_EQ(line.size(), 8U + 16U) << line;
  if (fingerprint != nullptr) *fingerprint = line.substr(8);
  std::getline(in, line);
  EXPECT_EQ(line.rfind("task\trank\t", 0), 0U) << line;
  std::vector<GraphLogLine> lines;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::size_t pos = 0;
    for (int c = 0; c < 10; ++c) {
      const std::size_t tab = line.find('\t', pos);
      f.push_back(line.substr(pos, tab - pos));
      pos = tab + 1;
    }
    f.push_back(line.substr(pos));
    lines.push_back({.task = f[0],
                     .status = f[9],
                     .command = f[10],
                     .rank = std::stoi(f[1]),
                     .attempt = std::stoi(f[8]),
                     .start = std::stod(f[4]),
                     .duration_s = std::stod(f[5])});
  }
  return lines;
}

// The status of each task's last line, by task number.
std::map<std::string, std::string> last_status(const std::vector<GraphLogLine>& lines) {
  std::map<std::string, std::string> status;
  for (const GraphLogLine& l : lines)
    status[l.task] = l.status;
  return status;
}

// A graph of every shape the issue names, as independent parts of one file: a chain, a diamond, a wide
// fan-out/fan-in and a random DAG.
std::string shapes_graph(const parakit::kernels::TaskGraph& random) {
  std::string text = "# chain\n";
  for (int i = 0; i < 12; ++i)
    text += "c" + std::to_string(i) + (i > 0 ? " after c" + std::to_string(i - 1) : "") + ": c" +
            std::to_string(i) + "\n";
  text +=
      "\n# diamond\nd_top: x\nd_left after d_top: x\nd_right after d_top: x\nd_bottom after d_left, "
      "d_right: x\n# fan-out, fan-in\nf_root: x\n";
  std::string all;
  for (int i = 0; i < 40; ++i) {
    text += "f" + std::to_string(i) + " after f_root: x\n";
    all += (i > 0 ? "," : "") + std::string("f") + std::to_string(i);
  }
  text += "f_sink after " + all + ": x\n";
  for (parakit::kernels::TaskId t = 0; t < random.size(); ++t) {
    text += "r" + random.task(t).name;
    for (std::size_t i = 0; i < random.predecessors(t).size(); ++i)
      text += (i == 0 ? " after r" : ",r") + random.task(random.predecessors(t)[i]).name;
    text += ": x\n";
  }
  return text;
}

}  // namespace

// Every task once, and never before every task it waits for ended (from the joblog's times, which have
// millisecond precision: a start is rounded by up to 0.5 ms and an end by up to 1 ms, hence 2 ms).
TEST(MapExecGraph, chains_diamonds_fans_and_a_random_dag_run_each_task_once_after_its_predecessors) {
  TempDir dir;
  const auto random = parakit::kernels::random_task_graph(300, 3, 20, 1.0, 1.0, 2024);
  const fs::path graph_path = dir.path() / "shapes.txt";
  write_file(graph_path, shapes_graph(random));
  const std::string graph = "@" + graph_path.string();
  // The names and dependencies as the test wrote them.
  std::map<std::string, std::vector<std::string>> after;
  {
    std::istringstream in(slurp(graph_path));
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      const std::string head = line.substr(0, line.find(':'));
      const std::size_t a = head.find(" after ");
      std::vector<std::string>& deps = after[head.substr(0, a)];
      if (a == std::string::npos) continue;
      std::istringstream list(head.substr(a + 7));
      for (std::string d; std::getline(list, d, ',');)
        deps.push_back(d.substr(d.find_first_not_of(' ')));
    }
  }
  ASSERT_EQ(after.size(), 12U + 4U + 42U + 300U);
  const std::vector<std::tuple<int, int, std::string>> layouts = {
      {0, 2, "critical-path"}, {2, 2, "critical-path"}, {3, 1, "fifo"}, {4, 1, "critical-path"}};
  for (const auto& [ranks, threads, order] : layouts) {
    const std::string where =
        std::to_string(std::max(ranks, 1)) + "x" + std::to_string(threads) + " " + order;
    const fs::path joblog = dir.path() / ("run" + std::to_string(ranks) + ".tsv");
    const ProcessResult r = run_process(
        parakit_cmd({"map", "exec", "--graph", graph, "--threads", std::to_string(threads), "--order", order,
                     "--joblog", joblog.string(), "--format", "json", "--", "true"},
                    ranks));
    ASSERT_EQ(r.exit_code, 0) << where << "\n" << r.err;
    const json record = json::parse(r.out);
    EXPECT_EQ(record["result"]["graph"]["tasks"], after.size()) << where;
    EXPECT_EQ(record["result"]["graph"]["done"], after.size()) << where;
    EXPECT_EQ(record["result"]["graph"]["order"], order) << where;
    EXPECT_EQ(record["result"]["succeeded"], after.size()) << where;
    EXPECT_LE(record["result"]["graph"]["makespan_vs_bound"].get<double>(), 1e6);
    // Map the joblog's task numbers (the file's order) to names.
    std::vector<std::string> names;
    {
      std::istringstream in(slurp(graph_path));
      for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line[0] != '#') names.push_back(line.substr(0, line.find_first_of(" :")));
      }
    }
    std::map<std::string, GraphLogLine> by_name;
    for (const GraphLogLine& l : graph_joblog_lines(joblog)) {
      const std::string& name = names.at(std::stoul(l.task));
      EXPECT_EQ(l.status, "ok") << where << " " << name;
      EXPECT_TRUE(by_name.emplace(name, l).second) << where << ": " << name << " ran twice";
    }
    ASSERT_EQ(by_name.size(), after.size()) << where;
    for (const auto& [name, deps] : after) {
      for (const std::string& d : deps) {
        const GraphLogLine &task = by_name.at(name), &dep = by_name.at(d);
        EXPECT_GE(task.start, dep.start + dep.duration_s - 0.002)
            << where << ": " << name << " started before " << d << " ended";
      }
    }
  }
}

// The issue's size: a random DAG of 10,000 commands on 2 ranks x 2 threads, checked from the joblog alone
// (the file declares task i on its i-th line, so the joblog's task numbers are the graph's).
TEST(MapExecGraph, a_random_dag_of_10000_commands_runs_each_once_after_its_predecessors) {
  TempDir dir;
  const auto g = parakit::kernels::random_task_graph(10000, 3, 50, 1.0, 1.0, 7);
  std::string text;
  for (parakit::kernels::TaskId t = 0; t < g.size(); ++t) {
    text += g.task(t).name;
    for (std::size_t i = 0; i < g.predecessors(t).size(); ++i)
      text += (i == 0 ? " after " : ",") + g.task(g.predecessors(t)[i]).name;
    text += ": x\n";
  }
  const fs::path graph_path = dir.path() / "random.txt", joblog = dir.path() / "run.tsv";
  write_file(graph_path, text);
  const ProcessResult r =
      run_process(parakit_cmd({"map", "exec", "--graph", "@" + graph_path.string(), "--threads", "2",
                               "--joblog", joblog.string(), "--", "true"},
                              2),
                  300.0);  // about 10 s on 2 quiet cores, minutes under a sanitizer (its ctest TIMEOUT too)
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<const GraphLogLine*> line_of(g.size(), nullptr);
  const std::vector<GraphLogLine> lines = graph_joblog_lines(joblog);
  ASSERT_EQ(lines.size(), g.size());
  for (const GraphLogLine& l : lines) {
    const std::size_t t = std::stoul(l.task);
    ASSERT_LT(t, g.size());
    EXPECT_EQ(l.status, "ok") << t;
    ASSERT_EQ(line_of[t], nullptr) << "task " << t << " ran twice";
    line_of[t] = &l;
  }
  std::size_t checked = 0;
  for (parakit::kernels::TaskId t = 0; t < g.size(); ++t) {
    for (const parakit::kernels::TaskId p : g.predecessors(t)) {
      ASSERT_GE(line_of[t]->start, line_of[p]->start + line_of[p]->duration_s - 0.002)
          << g.task(t).name << " started before " << g.task(p).name << " ended";
      ++checked;
    }
  }
  EXPECT_EQ(checked, g.edges());
}

// The pipeline of the failure and resume tests: b fails until the file `fixed` exists; c, d and f
// wait for it (directly or not), e and g do not.
class MapExecGraphFailure : public ::testing::Test {
 protected:
  TempDir dir;
  fs::path graph_path = dir.path() / "pipeline.txt", joblog = dir.path() / "run.log";
  std::string command = "[ -e " + (dir.path() / "fixed").string() + " ] || exit {}";
  void SetUp() override {
    write_file(graph_path,
               "a: 0\nb after a: 3\nc after b: 0\nd after c: 0\ne after a: 0\nf after b,e: 0\ng: 0\n");
  }
  ProcessResult run(const std::vector<std::string>& extra, int ranks = 0) {
    std::vector<std::string> args = {"map",      "exec",         "--graph", "@" + graph_path.string(),
                                     "--joblog", joblog.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {"--", command});
    return run_process(parakit_cmd(args, ranks));
  }
};

TEST_F(MapExecGraphFailure, dependents_of_a_failed_task_are_skipped_the_rest_runs_and_resume_runs_the_rest) {
  const fs::path record = dir.path() / "run1.json";
  const ProcessResult r = run({"--threads", "2", "--json", record.string()}, 2);
  ASSERT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("parakit: 1 of 7 tasks failed; see " + joblog.string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("parakit: 3 tasks skipped because a task they wait for failed: 'c', 'd', 'f'"),
            std::string::npos)
      << r.err;
  std::string fingerprint;
  const auto lines = graph_joblog_lines(joblog, &fingerprint);
  EXPECT_EQ(lines.size(), 7U);
  EXPECT_EQ(last_status(lines), (std::map<std::string, std::string>{{"0", "ok"},
                                                                    {"1", "failed"},
                                                                    {"2", "skipped"},
                                                                    {"3", "skipped"},
                                                                    {"4", "ok"},
                                                                    {"5", "skipped"},
                                                                    {"6", "ok"}}));
  const json j = json::parse(slurp(record));
  EXPECT_EQ(j["graph_file"], graph_path.string());
  EXPECT_EQ(j["order"], "critical-path");
  EXPECT_FALSE(j.contains("schedule"));
  EXPECT_EQ(j["result"]["failed"], 1);
  EXPECT_EQ(j["result"]["skipped"], 3);
  EXPECT_EQ(j["result"]["tasks_run"], 4);
  EXPECT_EQ(j["result"]["graph"]["skipped_tasks"], (json{"c", "d", "f"}));
  ASSERT_EQ(j["result"]["graph"]["failed_tasks"].size(), 1U);
  EXPECT_EQ(j["result"]["graph"]["failed_tasks"][0]["task"], "b");
  EXPECT_NE(j["result"]["graph"]["failed_tasks"][0]["error"].get<std::string>().find("exit 3"),
            std::string::npos);

  // A graph file changed since: refused with one line, the joblog untouched.
  const std::string logged = slurp(joblog), graph_text = slurp(graph_path);
  write_file(graph_path, graph_text + "h after g: 0\n");
  const ProcessResult changed = run({"--resume"});
  EXPECT_EQ(changed.exit_code, 2) << changed.err;
  EXPECT_EQ(changed.err, "parakit: error: --resume: the graph file " + graph_path.string() +
                             " changed since the joblog " + joblog.string() + " was written (graph " +
                             "fingerprint " + changed.err.substr(changed.err.find("fingerprint ") + 12, 16) +
                             ", the joblog's " + fingerprint +
                             "); restore the file or start a new joblog (nothing was changed)\n");
  EXPECT_EQ(slurp(joblog), logged);
  // Neither is a graph's joblog resumed with --tasks.
  const ProcessResult as_list =
      run_process(parakit_cmd({"map", "exec", "--tasks", "@" + graph_path.string(), "--joblog",
                               joblog.string(), "--resume", "--", "true"}));
  EXPECT_EQ(as_list.exit_code, 2);
  EXPECT_NE(as_list.err.find("is the joblog of a graph run; resume it with --graph"), std::string::npos)
      << as_list.err;
  EXPECT_EQ(slurp(joblog), logged);

  // Fixed: --resume runs the failed task and the skipped ones, and nothing that was done.
  write_file(graph_path, graph_text);
  write_file(dir.path() / "fixed", "");
  const fs::path record2 = dir.path() / "run2.json";
  const ProcessResult resumed = run({"--resume", "--threads", "2", "--json", record2.string()}, 2);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const json j2 = json::parse(slurp(record2));
  EXPECT_EQ(j2["result"]["skipped_done"], 3);
  EXPECT_EQ(j2["result"]["tasks_run"], 4);
  const auto all = graph_joblog_lines(joblog);
  ASSERT_EQ(all.size(), 11U);
  std::map<std::string, int> ok;
  for (const GraphLogLine& l : all) {
    if (l.status == "ok") ++ok[l.task];
  }
  EXPECT_EQ(
      ok, (std::map<std::string, int>{{"0", 1}, {"1", 1}, {"2", 1}, {"3", 1}, {"4", 1}, {"5", 1}, {"6", 1}}));
  // c ran after b's new run.
  EXPECT_GE(all.back().start, all[7].start);
}

TEST_F(MapExecGraphFailure, halt_on_failure_starts_nothing_after_the_first_failure) {
  // One worker and the failing task first (the longest remaining path): nothing else starts.
  std::string text = "x: 1\ny after x: 0\nz after y: 0\n";
  for (int i = 0; i < 20; ++i)
    text += "i" + std::to_string(i) + ": 0\n";
  write_file(graph_path, text);
  const ProcessResult r = run({"--halt-on-failure", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("parakit: --halt-on-failure: 20 tasks not started after the first failure"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(last_status(graph_joblog_lines(joblog)),
            (std::map<std::string, std::string>{{"0", "failed"}, {"1", "skipped"}, {"2", "skipped"}}));
}

// Bad graphs and options: one line naming the problem, exit 2, nothing run, no joblog.
TEST_F(MapExecGraphFailure, bad_graphs_and_options_are_refused_with_one_line_and_nothing_run) {
  const fs::path marker = dir.path() / "ran";
  command = "touch " + marker.string();
  const auto refused = [&](const std::string& text, const std::vector<std::string>& extra,
                           const std::string& fragment, int ranks = 0) {
    write_file(graph_path, text);
    const ProcessResult r = run(extra, ranks);
    EXPECT_EQ(r.exit_code, 2) << fragment << "\n" << r.err;
    EXPECT_EQ(parakit::test::count_lines_starting_with(r.err, "parakit: error"), 1) << r.err;
    EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(joblog)) << fragment;
    EXPECT_FALSE(fs::exists(marker)) << fragment;
  };
  refused("a after c: 1\nb after a: 2\nc after b: 3\nd: 4\n", {},
          "pipeline.txt: a cycle: 'a' -> 'b' -> 'c' -> 'a'", 2);
  refused("a: 1\nb after a, nope: 2\n", {}, ":2: task 'b' waits for 'nope', which is not declared");
  refused("a: 1\nb: 2\na: 3\n", {}, ":3: task 'a' is declared twice, first on line 1");
  refused("a: 1\n", {"--schedule", "static"}, "--schedule: not with --graph");
  refused("a: 1\n", {"--chunk", "2"}, "--chunk: not with --graph");
  refused("a: 1\n", {"--order", "lifo"}, "--order: 'lifo' is not an order");
  const ProcessResult halt = run_process(
      parakit_cmd({"map", "exec", "--tasks", "@" + graph_path.string(), "--halt-on-failure", "--", "true"}));
  EXPECT_EQ(halt.exit_code, 2);
  EXPECT_NE(halt.err.find("--halt-on-failure: only with --graph"), std::string::npos) << halt.err;
}
