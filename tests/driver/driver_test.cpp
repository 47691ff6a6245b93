// End-to-end tests of the real binaries: processes, files, exit codes and messages.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "parakit/kernels/monte_carlo_pi.hpp"

#include "process.hpp"

using nlohmann::json;
using parakit::test::count_lines_starting_with;
using parakit::test::mpiexec;
using parakit::test::parakit_cmd;
using parakit::test::ProcessResult;
using parakit::test::run_json;
using parakit::test::run_process;
using parakit::test::TempDir;
namespace fs = std::filesystem;

TEST(PiCommand, json_record_carries_the_contract_fields) {
  const json r = run_json(
      {"pi", "--samples", "1e5,3.2e6", "--seed", "7", "--repeat", "3", "--warmup", "1", "--threads", "2"});
  EXPECT_EQ(r["schema"], "parakit.run/1");
  EXPECT_EQ(r["kernel"], "pi");
  EXPECT_EQ(r["ranks"], 1);
  EXPECT_EQ(r["threads_per_rank"], 2);
  EXPECT_EQ(r["seed"], 7);
  EXPECT_EQ(r["samples"], 3'300'000);
  const json& result = r["result"];
  ASSERT_EQ(result["tasks"].size(), 2U);
  const json& t0 = result["tasks"][0];
  const json& t1 = result["tasks"][1];
  EXPECT_EQ(t0["samples"], 100'000);
  EXPECT_EQ(t1["samples"], 3'200'000);
  EXPECT_EQ(result["inside"], t0["inside"].get<std::uint64_t>() + t1["inside"].get<std::uint64_t>());
  // The seed's series.apply(sample).mean(): the mean of the two estimates, not the pooled one.
  EXPECT_DOUBLE_EQ(result["estimate"].get<double>(),
                   (t0["estimate"].get<double>() + t1["estimate"].get<double>()) / 2);
  EXPECT_DOUBLE_EQ(t1["estimate"].get<double>(), 4.0 * t1["inside"].get<double>() / 3.2e6);
  // 6 standard errors: a correct run misses with probability ~2e-9.
  EXPECT_NEAR(result["estimate"].get<double>(), std::numbers::pi, 6 * result["std_error"].get<double>());
  EXPECT_EQ(r["timing"]["n"], 3);
  EXPECT_GT(r["timing"]["median_s"].get<double>(), 0.0);
  EXPECT_NEAR(r["throughput_per_s"].get<double>(), 3.3e6 / r["timing"]["median_s"].get<double>(),
              1e-6 * 3.3e6 / r["timing"]["median_s"].get<double>());
  for (const char* phase : {"partition_s", "scatter_s", "compute_s", "reduce_s", "imbalance"}) {
    EXPECT_TRUE(r["phases"].contains(phase)) << phase;
  }
  ASSERT_EQ(r["per_rank"].size(), 1U);
  EXPECT_EQ(r["per_rank"][0]["threads"], 2);
  EXPECT_EQ(r["per_rank"][0]["pid"].get<long>() > 0, true);
  for (const char* key : {"command_line", "version", "git_commit", "mpi_library", "openmp_version", "omp_env",
                          "hosts", "timestamp_utc"}) {
    EXPECT_TRUE(r["context"].contains(key)) << key;
  }
  EXPECT_NE(r["context"]["command_line"].get<std::string>().find("pi --samples 1e5,3.2e6"),
            std::string::npos);
}

TEST(PiCommand, inside_counts_are_identical_for_layouts_1x1_1x4_2x2_3x1_4x1) {
  const std::vector<std::pair<int, int>> layouts = {{1, 1}, {1, 4}, {2, 2}, {3, 1}, {4, 1}};
  json reference;
  for (const auto& [ranks, threads] : layouts) {
    const json r = run_json({"pi", "--samples", "1e5,3.2e6", "--threads", std::to_string(threads), "--repeat",
                             "1", "--warmup", "0"},
                            ranks);
    EXPECT_EQ(r["ranks"], ranks);
    EXPECT_EQ(r["threads_per_rank"], threads);
    ASSERT_EQ(r["per_rank"].size(), static_cast<std::size_t>(ranks));
    if (reference.is_null()) {
      reference = r["result"];
      continue;
    }
    EXPECT_EQ(r["result"]["inside"], reference["inside"]) << ranks << "x" << threads;
    for (std::size_t t = 0; t < 2; ++t) {
      EXPECT_EQ(r["result"]["tasks"][t]["inside"], reference["tasks"][t]["inside"])
          << ranks << "x" << threads;
    }
    EXPECT_EQ(r["result"]["estimate"], reference["estimate"]) << "bitwise, as the counts are";
  }
}

TEST(PiCommand, warns_once_when_threads_outnumber_the_cpus) {
  // 128 threads on one rank: more than the CPUs of any machine this runs on.
  const ProcessResult r =
      run_process(parakit_cmd({"pi", "--samples", "1e5", "--threads", "128", "--format", "json"}, 1));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines_starting_with(r.err, "parakit: warning: oversubscribed: on "), 1) << r.err;
  EXPECT_NE(r.err.find(" 1 rank runs 128 threads on "), std::string::npos) << r.err;
  const json record = json::parse(r.out);
  ASSERT_EQ(record["warnings"].size(), 1U);
  EXPECT_TRUE(record["warnings"][0].get<std::string>().starts_with("oversubscribed: "));
}

TEST(PiCommand, text_and_csv_formats) {
  const ProcessResult text = run_process(parakit_cmd({"pi", "--samples", "1000", "--repeat", "1"}));
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(text.out.starts_with("parakit pi: 1 rank x ")) << text.out;
  EXPECT_NE(text.out.find("estimate"), std::string::npos);
  EXPECT_NE(text.out.find("throughput"), std::string::npos);

  const ProcessResult csv = run_process(parakit_cmd({"pi", "--samples", "10,20,30", "--format", "csv"}));
  EXPECT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 4) << "a header and one row per task";
  EXPECT_TRUE(csv.out.starts_with("task.task,task.samples,task.inside,task.estimate,task.std_error,schema,"));
  EXPECT_NE(csv.out.find("timing.median_s"), std::string::npos);
}

TEST(PiCommand, output_file_is_written_whole_and_stdout_stays_empty) {
  TempDir dir;
  const fs::path file = dir.path() / "pi.json";
  const ProcessResult r =
      run_process(parakit_cmd({"pi", "--samples", "1e4", "--format", "json", "--output", file.string()}, 2));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  std::ifstream in(file);
  const json record = json::parse(in);
  EXPECT_EQ(record["ranks"], 2);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 1)
      << "no temporaries";
}

struct BadInput {
  std::vector<std::string> args;
  std::string message;
};

class PiBadInput : public ::testing::TestWithParam<std::tuple<BadInput, int>> {};

TEST_P(PiBadInput, exits_2_with_one_clear_line_and_no_output_file) {
  const auto& [bad, ranks] = GetParam();
  TempDir dir;
  std::vector<std::string> args = bad.args;
  if (std::find(args.begin(), args.end(), "--output") == args.end()) {
    args.insert(args.end(), {"--output", (dir.path() / "out.json").string()});
  }
  const ProcessResult r = run_process(parakit_cmd(args, ranks), 30.0);
  EXPECT_TRUE(fs::is_empty(dir.path())) << "nothing written, not even a temporary";
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(count_lines_starting_with(r.err, "parakit: error: "), 1) << r.err;
  EXPECT_EQ(count_lines_starting_with(r.err, "parakit"), 1) << "printed once, not once per rank: " << r.err;
  EXPECT_NE(r.err.find(bad.message), std::string::npos) << r.err;
  EXPECT_LT(r.elapsed_s, 20.0);
}

INSTANTIATE_TEST_SUITE_P(
    Driver, PiBadInput,
    ::testing::Combine(
        ::testing::Values(BadInput{{"pi", "--bogus"}, "unrecognised option '--bogus'"},
                          BadInput{{"pi", "--samples", "-5"},
                                   "--samples: '-5' is negative (accepted: a whole number from 1"},
                          BadInput{{"pi", "--samples", "abc"}, "--samples: 'abc' is not a number"},
                          BadInput{{"pi", "--samples", "1e30"}, "--samples: '1e30' is too large"},
                          BadInput{{"pi", "--samples", "5e18,5e18"}, "add up to more than"},
                          BadInput{{"pi", "--threads", "0"},
                                   "--threads: 0 is too small (accepted: a whole number from 1 to 4096)"},
                          BadInput{{"pi", "--threads", "two"}, "--threads"},
                          BadInput{{"pi", "--repeat", "0"}, "--repeat: 0 is too small"},
                          BadInput{{"pi", "--seed", "-1"}, "--seed: '-1' is not a seed"},
                          BadInput{{"pi", "--format", "xml"},
                                   "--format: 'xml' is not a format (accepted: text, json, csv)"},
                          BadInput{{"pi", "--output", "/nonexistent-dir/pi.json"},
                                   "--output: cannot write '/nonexistent-dir/pi.json'"},
                          BadInput{{"pi", "--repeat", "5000000"},
                                   "--repeat: 5000000 is too large (accepted: a whole number from 1"},
                          BadInput{{"pi", "--warmup", "-1"}, "--warmup: -1 is too small"},
                          BadInput{{"pi", "--threads", "100000"}, "--threads: 100000 is too large"},
                          BadInput{{"pi", "--progress", "sometimes"},
                                   "--progress: 'sometimes' is not a choice"},
                          BadInput{{"pi", "1e5"}, "unexpected argument '1e5': options start with --"},
                          BadInput{{"frobnicate"}, "unknown command 'frobnicate' (accepted: pi"}),
        ::testing::Values(0, 2)));

TEST(PiCommand, unwritable_output_is_refused_before_the_run_and_leaves_nothing) {
  TempDir dir;
  const fs::path target = dir.path() / "sub";  // a directory where a file is expected
  fs::create_directories(target);
  const ProcessResult r =
      run_process(parakit_cmd({"pi", "--samples", "2e10", "--output", target.string()}, 2), 30.0);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_LT(r.elapsed_s, 10.0) << "refused before sampling 2e10 points";
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 1);
}

TEST(Driver, help_and_version) {
  const ProcessResult help = run_process(parakit_cmd({"pi", "--help"}));
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--samples"), std::string::npos);
  EXPECT_NE(help.out.find("--threads"), std::string::npos);
  const ProcessResult top = run_process(parakit_cmd({"--help"}));
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("pi"), std::string::npos);
  EXPECT_NE(top.out.find("compare"), std::string::npos);
  EXPECT_NE(top.out.find("scale"), std::string::npos);
  const ProcessResult none = run_process(parakit_cmd({}));
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(none.out, "");
  EXPECT_EQ(
      none.err,
      "parakit: error: no command given (accepted: pi, heat, map, stats, gen, info, empty, compare, scale; "
      "see 'parakit "
      "--help')\n");
  const ProcessResult version = run_process(parakit_cmd({"--version"}));
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_TRUE(version.out.starts_with("parakit 0.")) << version.out;
}

TEST(PiCommand, progress_bar_on_request_for_runs_over_a_second) {
  // --progress always: under mpirun stderr is a pipe, so auto would stay silent. 3 x 4e9 samples on
  // 2 threads take about 2.7 s in a Release build here (longer under load or sanitizers), well past
  // the bar's 1 s threshold even on a CPU twice as fast.
  const ProcessResult r =
      run_process(parakit_cmd({"pi", "--samples", "4e9", "--threads", "2", "--repeat", "3", "--warmup", "0",
                               "--progress", "always", "--format", "json"}),
                  240.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("\r[#"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" %  "), std::string::npos) << r.err;
  EXPECT_EQ(json::parse(r.out)["samples"], 4'000'000'000) << "the bar stays off stdout";
  const ProcessResult quiet = run_process(parakit_cmd({"pi", "--samples", "1e6", "--progress", "always"}));
  EXPECT_EQ(quiet.err, "") << "no bar for runs under a second";
}

TEST(Driver, a_rank_that_fails_ends_the_whole_job_within_seconds) {
  std::vector<std::string> cmd = mpiexec(3);
  cmd.push_back(PARAKIT_FAILING_RANK_EXE);
  const ProcessResult r = run_process(cmd, 45.0);
  EXPECT_FALSE(r.timed_out) << "the other ranks were left waiting";
  EXPECT_NE(r.exit_code, 0);
  EXPECT_LT(r.elapsed_s, 20.0);
  EXPECT_EQ(count_lines_starting_with(r.err, "failing_rank_helper: error [rank 2]: deliberate failure"), 1)
      << r.err;
}

TEST(Example, midpoint_rule_kernel_written_as_a_user_would) {
  if (std::string(PARAKIT_EXAMPLE_EXE).empty()) GTEST_SKIP() << "examples not built";
  for (const int ranks : {1, 3}) {
    std::vector<std::string> cmd = mpiexec(ranks);
    cmd.insert(cmd.end(), {PARAKIT_EXAMPLE_EXE, "1000000"});
    const ProcessResult r = run_process(cmd);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream out(r.out);
    std::string label;
    double value = 0, error = 0;
    out >> label >> value >> label >> error;
    // The midpoint rule's error for 4/(1+x^2), n = 1e6, is h^2/24 * abs(f'(1) - f'(0)) = 8e-14; summation
    // rounding adds at most ~1e-13. 1e-11 leaves room and still fails a lost or doubled range.
    EXPECT_NEAR(value, std::numbers::pi, 1e-11) << r.out;
    EXPECT_NEAR(error, std::abs(value - std::numbers::pi), 1e-15) << r.out;
  }
}

TEST(Example, the_seeds_sample_and_mean_as_a_task_graph) {
  if (std::string(PARAKIT_GRAPH_EXAMPLE_EXE).empty()) GTEST_SKIP() << "examples not built";
  // The example's tasks draw from the streams `map pi --seed 42` gives tasks 0 and 1.
  const auto sample = [](std::uint64_t n, std::uint64_t task) {
    return parakit::kernels::estimate_pi(
        n, parakit::kernels::count_inside(parakit::kernels::task_stream_seed(42, task), 0, n));
  };
  const std::vector<parakit::kernels::PiEstimate> tasks = {sample(100'000, 0), sample(3'200'000, 1)};
  const parakit::kernels::PiEstimate mean = parakit::kernels::mean_estimate(tasks);
  for (const int ranks : {1, 3}) {
    std::vector<std::string> cmd = mpiexec(ranks);
    cmd.push_back(PARAKIT_GRAPH_EXAMPLE_EXE);
    const ProcessResult r = run_process(cmd);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream out(r.out);
    std::string label;
    double pi = 0, std_error = 0, makespan = 0, bound = 0;
    std::uint64_t bytes = 0;
    out >> label >> pi >> label >> std_error >> label >> makespan >> label >> bound >> label >> bytes;
    ASSERT_TRUE(out) << r.out;
    EXPECT_NEAR(pi, mean.estimate, 5e-10) << "printed with 9 decimals: " << r.out;
    // The standard error is printed with 2 significant digits: within 3 % of the mean's (2.6e-3, the small
    // task's error dominating); pi lies within 5 of them.
    EXPECT_NEAR(std_error, mean.std_error, 0.03 * mean.std_error) << r.out;
    EXPECT_NEAR(pi, std::numbers::pi, 5 * std_error) << r.out;
    EXPECT_GT(bound, 0.0) << r.out;
    EXPECT_LE(bound, makespan + 1e-6) << "no schedule beats the lower bound (printed in us): " << r.out;
    if (ranks == 1) {
      EXPECT_EQ(bytes, 0U) << "one rank moves nothing: " << r.out;
    }
  }
}
