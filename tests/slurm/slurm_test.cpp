// The sbatch templates in slurm/, submitted to a real local Slurm (scripts/slurm-local.sh, brought up
// with two nodes by the CTest fixture `slurm`): each job must end COMPLETED with exit 0, and its
// records must show the ranks, threads, hosts and Slurm job they ran in, with the same results as
// the same work under plain mpiexec.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../driver/process.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using parakit::test::ProcessResult;
using parakit::test::run_process;
using parakit::test::slurp;
using parakit::test::TempDir;

namespace {

const std::string kTemplates = std::string(PARAKIT_SOURCE_DIR) + "/slurm/";

// A submitted job once it has ended, as scontrol sees it.
struct Job {
  std::string id;
  std::string state;      // COMPLETED, FAILED, ...
  std::string exit_code;  // "0:0": the script's exit code and the signal that ended it
  int restarts = 0;
  std::string output;  // the job's output file
};

// The value of `Key=` in scontrol's one-line job description.
std::string field(const std::string& line, const std::string& key) {
  const auto at = line.find(" " + key + "=");
  if (at == std::string::npos) return "";
  const auto start = at + key.size() + 2;
  return line.substr(start, line.find(' ', start) - start);
}

// The environment jobs are submitted with (sbatch exports it to them): parakit found through
// $PARAKIT, results in @p dir/results, and Open MPI allowed to talk TCP between the fake nodes (the
// tests' own setting allows shared memory only).
std::vector<std::string> job_environment(const fs::path& dir) {
  return {"env",
          "-u",
          "OMPI_MCA_btl",
          "OMPI_MCA_btl=self,vader,tcp",
          "OMPI_MCA_btl_tcp_if_include=lo",
          "OMPI_MCA_oob_tcp_if_include=lo",
          std::string("PARAKIT=") + PARAKIT_EXE,
          "PARAKIT_RESULTS=" + (dir / "results").string()};
}

// sbatch --wait in @p dir (results in dir/results/<jobid>), at most @p timeout_s, so that a job that
// can never run fails the test instead of hanging it.
Job submit(const fs::path& dir, const std::vector<std::string>& args, double timeout_s = 120.0) {
  std::vector<std::string> argv = job_environment(dir);
  argv.insert(argv.end(), {"sbatch", "--parsable", "--wait", "--chdir=" + dir.string()});
  argv.insert(argv.end(), args.begin(), args.end());
  const ProcessResult r = run_process(argv, timeout_s);
  EXPECT_FALSE(r.timed_out) << "sbatch --wait did not return within " << timeout_s << " s";
  Job job;
  std::istringstream out(r.out);
  std::getline(out, job.id);
  job.id = job.id.substr(0, job.id.find(';'));
  const ProcessResult show = run_process({"scontrol", "show", "job", "-o", job.id}, 30.0);
  job.state = field(" " + show.out, "JobState");
  job.exit_code = field(" " + show.out, "ExitCode");
  job.restarts = std::atoi(field(" " + show.out, "Restarts").c_str());
  job.output = slurp(field(" " + show.out, "StdOut"));
  return job;
}

json read_json(const fs::path& path) {
  const std::string text = slurp(path);
  EXPECT_FALSE(text.empty()) << path << " is missing or empty";
  return text.empty() ? json::object() : json::parse(text);
}

std::set<std::string> hosts_of(const json& record) {
  std::set<std::string> hosts;
  for (const auto& rank : record["per_rank"])
    hosts.insert(rank["host"].get<std::string>());
  return hosts;
}

// "0-2,5" -> {0, 1, 2, 5}.
std::set<int> cpu_set(const std::string& list) {
  std::set<int> cpus;
  std::istringstream in(list);
  for (std::string part; std::getline(in, part, ',');) {
    const auto dash = part.find('-');
    const int first = std::stoi(part.substr(0, dash));
    const int last = dash == std::string::npos ? first : std::stoi(part.substr(dash + 1));
    for (int cpu = first; cpu <= last; ++cpu)
      cpus.insert(cpu);
  }
  return cpus;
}

// The checks every run record made under Slurm must pass: its job, its nodes, each thread's CPUs.
void expect_slurm_record(const json& record, const Job& job, int ranks, int threads) {
  EXPECT_EQ(record["ranks"], ranks);
  EXPECT_EQ(record["threads_per_rank"], threads);
  const json& slurm = record["context"]["slurm"];
  EXPECT_EQ(std::to_string(slurm.value("job_id", 0)), job.id);
  EXPECT_FALSE(slurm.value("node_list", "").empty());
  // Bound: each thread on CPUs of its own, all among the rank's.
  for (const auto& rank : record["per_rank"]) {
    ASSERT_EQ(rank["thread_cpus"].size(), static_cast<std::size_t>(threads)) << rank.dump();
    const std::set<int> mine = cpu_set(rank["cpus"].get<std::string>());
    std::set<int> seen;
    for (const auto& cpus : rank["thread_cpus"]) {
      const std::set<int> thread = cpu_set(cpus.get<std::string>());
      EXPECT_FALSE(thread.empty()) << rank.dump();
      for (const int cpu : thread) {
        EXPECT_TRUE(mine.count(cpu) == 1 && seen.insert(cpu).second) << rank.dump();
      }
    }
  }
}

// The same pi work under plain mpiexec on this host: the reference count.
json plain_pi(const std::vector<std::string>& options) {
  std::vector<std::string> args{"pi"};
  args.insert(args.end(), options.begin(), options.end());
  args.insert(args.end(), {"--threads", "1", "--repeat", "1", "--warmup", "0"});
  return parakit::test::run_json(args, 1);
}

void expect_completed(const Job& job) {
  EXPECT_EQ(job.state, "COMPLETED") << job.output;
  EXPECT_EQ(job.exit_code, "0:0") << job.output;
}

// omp_harmonic's own time of each run, for studies of it.
constexpr const char* kTimeRegex = "time_s ([0-9.eE+-]+)";

// A layout's launch of a program (its record's "launch") inside an allocation: one srun job step of
// @p ranks x @p threads, then @p command as given.
void expect_srun_launch(const json& launch, int ranks, int threads, const std::string& command) {
  const std::string line = launch.value("command", "");
  EXPECT_EQ(line.rfind("srun ", 0), 0U) << line;
  EXPECT_NE(line.find(" -n " + std::to_string(ranks) + " -c " + std::to_string(threads) + " "),
            std::string::npos)
      << line;
  EXPECT_TRUE(line.ends_with(" " + command)) << line;
}

}  // namespace

// pi.sbatch as submitted: nodes x ranks per node x threads per rank.
struct PiJob {
  int nodes;
  int ranks_per_node;
  int threads;
};

class SlurmPi : public ::testing::TestWithParam<PiJob> {};

TEST_P(SlurmPi, runs_its_layout_on_distinct_hosts_with_the_count_of_plain_mpiexec) {
  const PiJob p = GetParam();
  TempDir dir;
  const Job job = submit(dir.path(), {"--nodes=" + std::to_string(p.nodes),
                                      "--ntasks-per-node=" + std::to_string(p.ranks_per_node),
                                      "--cpus-per-task=" + std::to_string(p.threads),
                                      kTemplates + "pi.sbatch", "--samples", "3e7", "--repeat", "2"});
  expect_completed(job);
  const json record = read_json(dir.path() / "results" / job.id / "pi.json");
  expect_slurm_record(record, job, p.nodes * p.ranks_per_node, p.threads);
  EXPECT_EQ(hosts_of(record).size(), static_cast<std::size_t>(p.nodes)) << record["per_rank"].dump();
  EXPECT_EQ(record["context"]["slurm"]["nodes"], p.nodes);
  EXPECT_EQ(record["result"]["inside"], plain_pi({"--samples", "3e7"})["result"]["inside"]);
  EXPECT_NE(job.output.find("parakit pi: " + std::to_string(p.nodes * p.ranks_per_node) + " ranks"),
            std::string::npos)
      << job.output;
}

// One node with two ranks; two nodes with one hybrid rank each.
INSTANTIATE_TEST_SUITE_P(Templates, SlurmPi, ::testing::Values(PiJob{1, 2, 1}, PiJob{2, 1, 2}));

TEST(SlurmCompare, compares_the_layouts_of_the_allocation_with_srun) {
  TempDir dir;
  const Job job = submit(dir.path(), {"--cpus-per-task=2", kTemplates + "compare.sbatch", "pi", "--samples",
                                      "2e7", "--repeat", "2", "--warmup", "0"});
  expect_completed(job);
  const fs::path out = dir.path() / "results" / job.id;
  const json record = read_json(out / "compare.json");
  std::set<std::pair<int, int>> layouts;
  for (const auto& row : record["rows"])
    layouts.insert({row["ranks"].get<int>(), row["threads_per_rank"].get<int>()});
  EXPECT_EQ(layouts, (std::set<std::pair<int, int>>{{1, 1}, {1, 2}, {2, 1}})) << record["rows"].dump();
  // The binding of every rank x thread of every layout.
  ASSERT_EQ(record["bindings"].size(), 3U) << record.dump();
  for (const auto& layout : record["bindings"]) {
    const std::string name = layout["layout"].get<std::string>();  // "RxT"
    const auto x = name.find('x');
    EXPECT_EQ(layout["per_rank"].size(), std::stoul(name.substr(0, x))) << layout.dump();
    for (const auto& rank : layout["per_rank"])
      EXPECT_EQ(rank["thread_cpus"].size(), std::stoul(name.substr(x + 1))) << layout.dump();
  }
  EXPECT_NE(record["launcher"].get<std::string>().find("srun"), std::string::npos) << record["launcher"];
  EXPECT_EQ(std::to_string(record["context"]["slurm"].value("job_id", 0)), job.id);
  EXPECT_TRUE(fs::exists(out / "compare.csv"));
  EXPECT_TRUE(fs::exists(out / "compare.txt"));
}

TEST(SlurmScaling, strong_over_two_nodes_and_weak_on_one_inside_one_allocation) {
  TempDir dir;
  const Job strong =
      submit(dir.path(), {"--nodes=2", "--ntasks-per-node=1", kTemplates + "strong-scaling.sbatch", "pi",
                          "--samples", "2e7", "--cores", "1,2", "--repeat", "2", "--warmup", "0"});
  expect_completed(strong);
  const json s = read_json(dir.path() / "results" / strong.id / "strong.json");
  ASSERT_EQ(s["rows"].size(), 2U);
  EXPECT_EQ(s["rows"][1]["ranks"], 2);
  EXPECT_EQ(s["context"]["hosts"].size(), 2U) << "the 2-rank point spans both nodes: " << s["context"].dump();

  const Job weak =
      submit(dir.path(), {"--nodes=1", "--ntasks-per-node=2", kTemplates + "weak-scaling.sbatch", "pi",
                          "--samples", "1e7", "--cores", "1,2", "--repeat", "2", "--warmup", "0"});
  expect_completed(weak);
  const json w = read_json(dir.path() / "results" / weak.id / "weak.json");
  ASSERT_EQ(w["rows"].size(), 2U);
  EXPECT_EQ(w["rows"][1]["work"], 2e7) << "weak: 2 cores, twice the work";
}

// slurm/submit-scaling-array.sh with --wait: the array's points, then the collector; its output says
// the array job id.
ProcessResult submit_array(const fs::path& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv = job_environment(dir);
  argv.insert(argv.end(), {"bash", "-c", "cd \"$0\" && exec \"$@\"", dir.string(),
                           kTemplates + "submit-scaling-array.sh"});
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, 180.0);
}

std::string array_id(const std::string& out) {
  const auto at = out.find("array job ");
  return at == std::string::npos ? "" : out.substr(at + 10, out.find(':', at) - at - 10);
}

TEST(SlurmScaling, job_array_runs_one_point_per_task_and_the_collector_makes_the_table) {
  TempDir dir;
  const ProcessResult r = submit_array(dir.path(), {"strong", "--cores", "1,2", "--wait", "--", "pi",
                                                    "--samples", "2e7", "--repeat", "2", "--warmup", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const fs::path out = dir.path() / "results" / array_id(r.out);
  const json table = read_json(out / "strong.json");
  ASSERT_EQ(table["rows"].size(), 2U) << r.out;
  EXPECT_EQ(table["rows"][0]["cores"], 1);
  EXPECT_EQ(table["rows"][1]["cores"], 2);
  EXPECT_EQ(table["repeat"], 2) << "what the records say";
  const json point = read_json(out / "point-00001.json");
  EXPECT_EQ(point["context"]["slurm"]["array_job_id"].dump(), array_id(r.out));
  EXPECT_EQ(point["context"]["slurm"]["array_task_id"], 1);
  EXPECT_EQ(point["ranks"], 2);
  EXPECT_EQ(point["result"]["inside"], plain_pi({"--samples", "2e7"})["result"]["inside"]);

  // Weak scaling in hybrid mode: parakit gives each point its layout (1 core: 1x1; 2 cores: 1x2 with
  // --threads-per-rank 2) and its work (--samples per core times the cores), as `parakit scale` would.
  const ProcessResult weak =
      submit_array(dir.path(), {"weak", "--cores", "1,2", "--mode", "hybrid", "--threads-per-rank", "2",
                                "--wait", "--", "pi", "--samples", "1e7", "--repeat", "2", "--warmup", "0"});
  ASSERT_EQ(weak.exit_code, 0) << weak.out << weak.err;
  const json w = read_json(dir.path() / "results" / array_id(weak.out) / "weak.json");
  ASSERT_EQ(w["rows"].size(), 2U) << weak.out;
  EXPECT_EQ(w["rows"][0]["work"], 1e7);
  EXPECT_EQ(w["rows"][1]["work"], 2e7);
  EXPECT_EQ(w["rows"][1]["ranks"], 1);
  EXPECT_EQ(w["rows"][1]["threads"], 2);
  EXPECT_EQ(w["mode"], "threads") << "1x1 and 1x2: what the records show";

  // A point that fails: the collector is cancelled, and --wait says so with a non-zero exit.
  const ProcessResult failed = submit_array(
      dir.path(), {"strong", "--cores", "1,2", "--mode", "bogus", "--wait", "--", "pi", "--samples", "1e6"});
  EXPECT_NE(failed.exit_code, 0) << failed.out << failed.err;
  EXPECT_NE(failed.err.find("a point failed"), std::string::npos) << failed.err;
}

// compare.sbatch -- PROGRAM ARGS: a program built on parakit (MPI, its own run records) in every layout
// of the allocation's two cores, each one srun job step.
TEST(SlurmProgram, compare_runs_a_program_in_every_layout_of_the_allocation_with_srun) {
  if (std::string(PARAKIT_EXAMPLE_EXE).empty()) GTEST_SKIP() << "examples not built";
  TempDir dir;
  const Job job = submit(
      dir.path(), {"--cpus-per-task=2", kTemplates + "compare.sbatch", "--repeat", "2", "--warmup", "0",
                   "--result-regex", "pi ([0-9.]+)", "--rtol", "1e-12", "--", PARAKIT_EXAMPLE_EXE, "200000"});
  expect_completed(job);
  const fs::path out = dir.path() / "results" / job.id;
  const json record = read_json(out / "compare.json");
  EXPECT_EQ(record["kernel"], "program");
  EXPECT_EQ(record["command"], std::string(PARAKIT_EXAMPLE_EXE) + " 200000");
  EXPECT_EQ(record["program"]["mpi"], true) << record["program"].dump();
  EXPECT_EQ(record["time_source"], "record") << "midpoint_pi times its own runs";
  EXPECT_EQ(record["results_checked"], "result regex within rtol");
  EXPECT_EQ(record["cores"], 2) << "the template's --cores: the allocation's";
  EXPECT_EQ(record["repeat"], 2);
  EXPECT_NEAR(record["result"]["value"].get<double>(), 3.14159265358979, 1e-9);
  std::set<std::pair<int, int>> layouts;
  for (const auto& row : record["rows"]) {
    layouts.insert({row["ranks"].get<int>(), row["threads_per_rank"].get<int>()});
    EXPECT_EQ(row["repeats"], 2) << row.dump();
    EXPECT_GT(row["median_s"].get<double>(), 0.0) << row.dump();
  }
  EXPECT_EQ(layouts, (std::set<std::pair<int, int>>{{1, 1}, {1, 2}, {2, 1}})) << record["rows"].dump();
  ASSERT_EQ(record["bindings"].size(), 3U) << record.dump();
  for (const auto& layout : record["bindings"]) {
    const std::string name = layout["layout"].get<std::string>();  // "RxT"
    const auto x = name.find('x');
    const int ranks = std::stoi(name.substr(0, x)), threads = std::stoi(name.substr(x + 1));
    expect_srun_launch(layout["launch"], ranks, threads, std::string(PARAKIT_EXAMPLE_EXE) + " 200000");
    EXPECT_EQ(layout["per_rank"].size(), static_cast<std::size_t>(ranks)) << layout.dump();
  }
  EXPECT_NE(record["launcher"].get<std::string>().find("srun"), std::string::npos) << record["launcher"];
  EXPECT_EQ(std::to_string(record["context"]["slurm"].value("job_id", 0)), job.id);
  EXPECT_TRUE(fs::exists(out / "compare.csv"));
  EXPECT_NE(slurp(out / "compare.txt").find("1x2"), std::string::npos) << job.output;
}

// weak-scaling.sbatch --work N -- PROGRAM {work}: a program that is not MPI, one srun -n 1 -c T step
// per point, {work} replaced by N x cores.
TEST(SlurmProgram, weak_scaling_gives_an_openmp_program_the_work_times_the_cores) {
  TempDir dir;
  const Job job = submit(dir.path(), {"--nodes=1",
                                      "--ntasks-per-node=2",
                                      kTemplates + "weak-scaling.sbatch",
                                      "--cores",
                                      "1,2",
                                      "--mode",
                                      "threads",
                                      "--repeat",
                                      "2",
                                      "--warmup",
                                      "0",
                                      "--work",
                                      "1e6",
                                      "--time-regex",
                                      kTimeRegex,
                                      "--mpi",
                                      "no",
                                      "--",
                                      PARAKIT_OMP_PROGRAM_EXE,
                                      "{work}"});
  expect_completed(job);
  const json w = read_json(dir.path() / "results" / job.id / "weak.json");
  EXPECT_EQ(w["kernel"], "program");
  EXPECT_EQ(w["program"]["mpi"], false);
  EXPECT_EQ(w["time_source"], "regex");
  EXPECT_EQ(w["fit"]["law"], "gustafson");
  ASSERT_EQ(w["rows"].size(), 2U) << w.dump();
  ASSERT_EQ(w["bindings"].size(), 2U) << w.dump();
  for (int i = 0; i < 2; ++i) {
    const json& row = w["rows"][static_cast<std::size_t>(i)];
    EXPECT_EQ(row["cores"], i + 1);
    EXPECT_EQ(row["ranks"], 1);
    EXPECT_EQ(row["threads"], i + 1);
    EXPECT_EQ(row["work"], 1e6 * (i + 1)) << "weak: the work times the cores";
    EXPECT_GT(row["median_s"].get<double>(), 0.0);
    expect_srun_launch(w["bindings"][static_cast<std::size_t>(i)]["launch"], 1, i + 1,
                       std::string(PARAKIT_OMP_PROGRAM_EXE) + (i == 0 ? " 1000000" : " 2000000"));
  }
}

// submit-scaling-array.sh ... -- PROGRAM ARGS: an OpenMP-only program (found not to be MPI), one
// point per array task, and the collector's table from the records alone (no kernel given).
TEST(SlurmProgram, job_array_runs_a_program_one_point_per_task_and_the_collector_makes_the_table) {
  TempDir dir;
  const ProcessResult r = submit_array(dir.path(), {"strong",
                                                    "--cores",
                                                    "1,2",
                                                    "--mode",
                                                    "threads",
                                                    "--repeat",
                                                    "2",
                                                    "--warmup",
                                                    "0",
                                                    "--work",
                                                    "2e6",
                                                    "--unit",
                                                    "terms",
                                                    "--time-regex",
                                                    kTimeRegex,
                                                    "--result-regex",
                                                    "sum ([0-9.]+)",
                                                    "--wait",
                                                    "--",
                                                    PARAKIT_OMP_PROGRAM_EXE,
                                                    "{work}"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const fs::path out = dir.path() / "results" / array_id(r.out);
  const json table = read_json(out / "strong.json");
  EXPECT_EQ(table["kernel"], "program");
  EXPECT_EQ(table["program"]["mpi"], false) << table["program"].dump();
  const std::string command = table["command"].get<std::string>();  // as given, {work} (shell-quoted) in it
  EXPECT_TRUE(command.starts_with(std::string(PARAKIT_OMP_PROGRAM_EXE) + " ") &&
              command.find("{work}") != std::string::npos)
      << command;
  EXPECT_EQ(table["time_source"], "regex");
  EXPECT_EQ(table["results_checked"], "result regex within rtol");
  EXPECT_EQ(table["unit"], "terms");
  EXPECT_EQ(table["mode"], "threads");
  EXPECT_EQ(table["repeat"], 2) << "what the records say";
  EXPECT_EQ(table["fit"]["law"], "amdahl");
  ASSERT_EQ(table["rows"].size(), 2U) << r.out;
  for (int i = 0; i < 2; ++i) {
    const json& row = table["rows"][static_cast<std::size_t>(i)];
    EXPECT_EQ(row["cores"], i + 1);
    EXPECT_EQ(row["ranks"], 1);
    EXPECT_EQ(row["threads"], i + 1);
    EXPECT_EQ(row["work"], 2e6) << "strong: the same work on every point";
    EXPECT_EQ(row["repeats"], 2);
    EXPECT_GT(row["median_s"].get<double>(), 0.0);
  }
  EXPECT_TRUE(fs::exists(out / "strong.csv"));
  EXPECT_TRUE(fs::exists(out / "strong.txt"));
  ASSERT_EQ(table["bindings"].size(), 2U) << table.dump();
  EXPECT_EQ(table["bindings"][1]["per_rank"][0]["thread_cpus"].size(), 2U) << "OpenMP's own report of 1x2";
  // Each point ran in its array task (its output file says so: a program's record has no Slurm context
  // of its own), as one srun step of 1 x its threads, and summed the same series.
  for (int i = 0; i < 2; ++i) {
    const std::string log =
        slurp(dir.path() / ("parakit-point-" + array_id(r.out) + "_" + std::to_string(i) + ".out"));
    EXPECT_NE(log.find("point " + std::to_string(i) + " of 2: " + std::to_string(i + 1) + " cores as 1x" +
                       std::to_string(i + 1)),
              std::string::npos)
        << log;
    const json point = read_json(out / ("point-0000" + std::to_string(i) + ".json"));
    EXPECT_EQ(point["threads_per_rank"], i + 1);
    expect_srun_launch(point["launch"], 1, i + 1, std::string(PARAKIT_OMP_PROGRAM_EXE) + " 2000000");
    // H(2e6) = ln(2e6) + Euler's gamma + 1/(4e6) - ...
    EXPECT_NEAR(point["result"]["value"].get<double>(), 15.0858736535, 1e-8) << point["result"].dump();
  }
}

TEST(SlurmStats, reads_a_shared_file_on_two_nodes_with_the_result_of_a_plain_run) {
  TempDir dir;
  const fs::path data = dir.path() / "values.csv";
  const ProcessResult gen = run_process(parakit::test::parakit_cmd(
      {"gen", data.string(), "--rows", "200000", "--dist", "normal", "--columns", "x,y", "--seed", "5"}));
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const Job job = submit(dir.path(), {"--nodes=2", "--ntasks-per-node=1", "--cpus-per-task=2",
                                      kTemplates + "stats.sbatch", data.string(), "--column", "y"});
  expect_completed(job);
  const json record = read_json(dir.path() / "results" / job.id / "stats.json");
  expect_slurm_record(record, job, 2, 2);
  EXPECT_EQ(hosts_of(record).size(), 2U);
  const json plain = parakit::test::run_json({"stats", data.string(), "--column", "y", "--threads", "1"}, 1);
  EXPECT_EQ(record["result"], plain["result"]) << "bitwise the same statistics";
}

// heat.sbatch on two nodes: a 2x1 process grid across them, halos by messages between the nodes (no
// shared window spans two), and the final field of a plain one-rank run, to the bit.
TEST(SlurmHeat, runs_its_process_grid_across_two_nodes_with_the_field_of_plain_mpiexec) {
  TempDir dir;
  const std::vector<std::string> work = {"--grid", "37x53", "--steps", "30", "--init", "random"};
  std::vector<std::string> args = {"--nodes=2",
                                   "--ntasks-per-node=1",
                                   "--cpus-per-task=2",
                                   kTemplates + "heat.sbatch",
                                   "--exchange",
                                   "shared",
                                   "--halo",
                                   "2"};
  args.insert(args.end(), work.begin(), work.end());
  const Job job = submit(dir.path(), args);
  expect_completed(job);
  const json record = read_json(dir.path() / "results" / job.id / "heat.json");
  expect_slurm_record(record, job, 2, 2);
  EXPECT_EQ(hosts_of(record).size(), 2U) << record["per_rank"].dump();
  EXPECT_EQ(record["process_grid"], json({2, 1}));
  for (const auto& rank : record["per_rank"]) {
    EXPECT_EQ(rank["shared_neighbours"], 0) << rank.dump();
    EXPECT_EQ(rank["message_neighbours"], 1) << rank.dump();
  }
  std::vector<std::string> plain = {"heat", "--threads", "1"};
  plain.insert(plain.end(), work.begin(), work.end());
  EXPECT_EQ(record["result"], parakit::test::run_json(plain, 1)["result"]) << "bitwise the same field";
  EXPECT_NE(job.output.find("parakit heat: 2 ranks x 2 threads"), std::string::npos) << job.output;
}

// The time limit: Slurm signals the script, the farm stops cleanly and the job requeues itself; the
// next run resumes from the joblog (and may be stopped and requeued again).
TEST(SlurmTaskfarm, the_time_limit_stops_and_requeues_the_farm_and_every_task_runs_once) {
  TempDir dir;
  std::string tasks;
  // 360 tasks of 0.25 s on 2 threads: 45 s of work, longer than the signal can take to come (slurmctld
  // checks time limits every 30 s, so USR1@50 with a 1-minute limit arrives 10 to 40 s after the start).
  for (int i = 1; i <= 360; ++i)
    tasks += std::to_string(i) + "\n";
  parakit::test::write_file(dir.path() / "tasks.txt", tasks);
  const std::string done = (dir.path() / "done.txt").string();
  const Job job =
      submit(dir.path(),
             {"--time=1", "--signal=B:USR1@50", "--cpus-per-task=2", kTemplates + "taskfarm.sbatch",
              "tasks.txt", "--", "echo start {} >> " + done + "; sleep 0.25; echo end {} >> " + done},
             240.0);
  expect_completed(job);
  EXPECT_GE(job.restarts, 1) << "the farm was not stopped by the time limit: " << job.output;
  EXPECT_NE(job.output.find("time limit near"), std::string::npos) << job.output;
  std::map<std::string, int> starts, ends;
  std::istringstream lines(slurp(done));
  for (std::string what, task; lines >> what >> task;)
    ++(what == "start" ? starts : ends)[task];
  EXPECT_EQ(starts.size(), 360U) << "no task lost";
  for (const auto& [task, n] : starts)
    EXPECT_TRUE(n == 1 && ends[task] == 1)
        << "task " << task << " started " << n << " times, ended " << ends[task];
  // Two records: the stopped run, and the one that finished.
  const fs::path out = dir.path() / "results" / job.id;
  const json first = read_json(out / "farm-0.json");
  EXPECT_TRUE(first["result"]["stopped"].get<bool>());
  EXPECT_EQ(read_json(out / ("farm-" + std::to_string(job.restarts) + ".json"))["result"]["not_run"], 0);
}

// Issue 20: the task-farm template takes a graph like a list (--graph before the file): every task
// runs once, after the tasks it waits for, and the joblog carries the graph's fingerprint.
TEST(SlurmTaskfarm, takes_a_graph_and_runs_each_task_after_those_it_waits_for) {
  TempDir dir;
  parakit::test::write_file(
      dir.path() / "pipeline.txt",
      "prep: a\nleft after prep: b\nright after prep: c\nsummary after left,right: d\n");
  const std::string done = (dir.path() / "done.txt").string();
  const Job job = submit(dir.path(), {"--cpus-per-task=2", kTemplates + "taskfarm.sbatch", "--graph",
                                      "pipeline.txt", "--", "echo {} >> " + done});
  expect_completed(job);
  std::istringstream lines(slurp(done));
  std::vector<std::string> order;
  for (std::string word; lines >> word;)
    order.push_back(word);
  ASSERT_EQ(order.size(), 4U) << slurp(done);
  EXPECT_EQ(order.front(), "a");
  EXPECT_EQ(order.back(), "d");
  const std::string joblog = slurp(dir.path() / "results" / job.id / "joblog");
  EXPECT_EQ(joblog.rfind("# parakit joblog 1\n# graph ", 0), 0U) << joblog;
  EXPECT_EQ(read_json(dir.path() / "results" / job.id / "farm-0.json")["result"]["graph"]["done"], 4);
}

TEST(SlurmTemplates, a_missing_parakit_or_a_failing_run_fails_the_job_with_a_clear_line) {
  TempDir dir;
  const Job missing =
      submit(dir.path(), {"--export=ALL,PARAKIT=/nonexistent/parakit", kTemplates + "pi.sbatch"});
  EXPECT_EQ(missing.state, "FAILED");
  EXPECT_EQ(missing.exit_code, "2:0");
  EXPECT_NE(missing.output.find("pi.sbatch: parakit not found"), std::string::npos) << missing.output;
  const Job bad = submit(dir.path(), {kTemplates + "pi.sbatch", "--samples", "lots"});
  EXPECT_EQ(bad.state, "FAILED");
  EXPECT_NE(bad.exit_code, "0:0");
  EXPECT_NE(bad.output.find("parakit: error: "), std::string::npos) << bad.output;
}

namespace {

// "S 1 2 ... starttime ...": the fields of /proc/PID/stat after the command name, or none when there
// is no such process.
std::vector<std::string> proc_stat(const std::string& pid) {
  const std::string stat = slurp("/proc/" + pid + "/stat");
  const std::size_t paren = stat.rfind(") ");
  std::vector<std::string> fields;
  if (paren == std::string::npos) return fields;
  std::istringstream in(stat.substr(paren + 2));
  for (std::string f; in >> f;)
    fields.push_back(f);
  return fields;
}

}  // namespace

// Issue 18, defect 10: `slurm-local.sh down` returns only once every daemon it stopped is gone, so an
// `up` right after it starts a working cluster (the fixture's: two nodes, as the other tests expect).
TEST(SlurmLocal, down_returns_once_every_daemon_is_gone_and_up_right_after_works) {
  const std::string script = std::string(PARAKIT_SOURCE_DIR) + "/scripts/slurm-local.sh";
  const char* state = std::getenv("PARAKIT_SLURM_DIR");
  ASSERT_NE(state, nullptr) << "the slurm fixture's environment sets PARAKIT_SLURM_DIR";
  // Each daemon's pid and start time (field 22 of /proc/PID/stat), which tells it from a later process
  // that might get the same pid.
  std::map<std::string, std::string> started;
  std::vector<fs::path> pid_files = {fs::path(state) / "munge" / "munged.pid",
                                     fs::path(state) / "run" / "slurmctld.pid"};
  for (const auto& entry : fs::directory_iterator(fs::path(state) / "run")) {
    if (entry.path().filename().string().rfind("slurmd-", 0) == 0 && entry.path().extension() == ".pid")
      pid_files.push_back(entry.path());
  }
  for (const fs::path& f : pid_files) {
    std::string pid = slurp(f);
    pid = pid.substr(0, pid.find('\n'));
    const std::vector<std::string> stat = proc_stat(pid);
    ASSERT_GE(stat.size(), 20U) << f << ": the daemon " << pid << " is not running";
    started[pid] = stat[19];
  }
  ASSERT_EQ(started.size(), 4U) << "munged, slurmctld and two slurmd";

  const ProcessResult down = run_process({script, "down"}, 60.0);
  ASSERT_EQ(down.exit_code, 0) << down.err;
  for (const auto& [pid, start] : started) {
    const std::vector<std::string> stat = proc_stat(pid);
    // Gone: no such pid, or another process's by now. (Init collects its orphans within a second;
    // `down` waits for that, at most 2 s.)
    EXPECT_TRUE(stat.size() < 20 || stat[19] != start)
        << "daemon " << pid << " still exists when down has returned (state " << stat[0] << ")";
  }

  const ProcessResult up = run_process({script, "up", "--nodes", "2"}, 120.0);
  ASSERT_EQ(up.exit_code, 0) << up.err;
  const ProcessResult sinfo = run_process({"sinfo", "-h", "-N", "-o", "%N %T"}, 30.0);
  EXPECT_EQ(sinfo.out, "pk1 idle\npk2 idle\n") << sinfo.err;
}
