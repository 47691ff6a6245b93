// parakit compare, parakit scale, parakit empty and the scaling scripts, end to end: real launches with
// mpirun, real files, exit codes and messages. Sizes are small: the numbers' arithmetic is unit-tested
// (tests/study), here the point is that the whole chain measures, agrees and reports.

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sched.h>

#include "process.hpp"

namespace parakit::test {
namespace {

int available_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return CPU_COUNT(&set);
}

// The columns of a CSV file's first line.
std::vector<std::string> csv_header(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line, cell;
  std::getline(in, line);
  std::vector<std::string> cells;
  std::istringstream cells_in(line);
  while (std::getline(cells_in, cell, ','))
    cells.push_back(cell);
  return cells;
}

int csv_lines(const std::filesystem::path& path) {
  const std::string text = slurp(path);
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

void expect_columns(const std::vector<std::string>& header, const std::vector<std::string>& wanted) {
  for (const auto& column : wanted)
    EXPECT_NE(std::find(header.begin(), header.end(), column), header.end()) << "no column " << column;
}

nlohmann::json row_of(const nlohmann::json& record, const std::string& layout) {
  for (const auto& row : record["rows"])
    if (row["layout"] == layout) return row;
  ADD_FAILURE() << "no row " << layout;
  return {};
}

TEST(Empty, starts_every_rank_with_its_openmp_team_and_does_nothing_else) {
  const auto record = run_json({"empty", "--threads", "2"}, 2);
  EXPECT_EQ(record["kernel"], "empty");
  EXPECT_EQ(record["ranks"], 2);
  EXPECT_EQ(record["threads_per_rank"], 2);
  EXPECT_EQ(record["result"]["team"], 2);
}

TEST(RunReport, carries_every_repeat_and_the_ranks_peak_memory) {
  const auto record = run_json({"pi", "--samples", "1e6", "--repeat", "4"}, 2);
  const auto times = record["timing"]["times_s"].get<std::vector<double>>();
  ASSERT_EQ(times.size(), 4U);
  std::vector<double> sorted = times;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_DOUBLE_EQ(record["timing"]["median_s"].get<double>(), 0.5 * (sorted[1] + sorted[2]));
  for (const auto& rank : record["per_rank"])
    EXPECT_GT(rank["peak_rss_bytes"].get<double>(), 1 << 20) << "a rank of an MPI program uses megabytes";
}

TEST(Compare, every_layout_of_the_cores_side_by_side_with_launch_cost_and_files) {
  TempDir dir;
  const auto plot = dir.path() / "compare.png", csv = dir.path() / "compare.csv";
  const ProcessResult r = run_process(
      parakit_cmd({"compare", "pi", "--samples", "4e7,1e6", "--seed", "7", "--cores", "2", "--repeat", "3",
                   "--warmup", "0", "--format", "json", "--plot", plot.string(), "--csv", csv.string()}),
      120.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto record = nlohmann::json::parse(r.out);
  EXPECT_EQ(record["schema"], "parakit.compare/1");
  EXPECT_EQ(record["cores"], 2);
  ASSERT_EQ(record["rows"].size(), 3U);
  const std::vector<std::pair<int, int>> layouts{{1, 1}, {2, 1}, {1, 2}};
  for (std::size_t i = 0; i < layouts.size(); ++i) {
    const auto& row = record["rows"][i];
    EXPECT_EQ(row["ranks"], layouts[i].first);
    EXPECT_EQ(row["threads_per_rank"], layouts[i].second);
    EXPECT_GT(row["median_s"].get<double>(), 0.0);
    EXPECT_GT(row["launch_s"].get<double>(), 0.0);
    EXPECT_LT(row["launch_s"].get<double>(), 30.0);
    EXPECT_GT(row["wall_s"].get<double>(), row["median_s"].get<double>()) << "the launch holds the runs";
    EXPECT_GE(row["comm_share"].get<double>(), 0.0);
    EXPECT_LE(row["comm_share"].get<double>(), 1.0);
    EXPECT_GT(row["peak_rss_per_rank_bytes"].get<double>(), 1 << 20);
    EXPECT_NEAR(row["peak_rss_total_bytes"].get<double>(),
                row["peak_rss_per_rank_bytes"].get<double>() * layouts[i].first,
                0.5 * row["peak_rss_total_bytes"].get<double>());
    EXPECT_NEAR(row["efficiency"].get<double>(),
                row["speedup"].get<double>() / (layouts[i].first * layouts[i].second), 1e-12);
    EXPECT_EQ(row["repeats"], 3);
    // Cores are physical (hwloc): the study says how many it saw.
    EXPECT_EQ(row["oversubscribed"].get<bool>(), record["available_cores"].get<int>() < 2 && i > 0);
  }
  EXPECT_EQ(record["rows"][0]["speedup"], 1.0);
  // The same work and seed in every layout: the same count, which compare checks and reports.
  const auto single = run_json({"pi", "--samples", "4e7,1e6", "--seed", "7", "--repeat", "1"});
  EXPECT_EQ(record["result"]["inside"], single["result"]["inside"]);
  EXPECT_EQ(record["comparisons"].size(), 1U);
  EXPECT_EQ(record["comparisons"][0]["verdict"], "too_few_repeats") << "3 repeats can show nothing";
  EXPECT_NE(record["launcher"].get<std::string>().find("mpirun"), std::string::npos);
  EXPECT_TRUE(is_png(plot));
  EXPECT_EQ(csv_lines(csv), 4);
  expect_columns(csv_header(csv), {"layout", "ranks", "threads_per_rank", "median_s", "speedup", "efficiency",
                                   "launch_s", "oversubscribed"});
}

TEST(Compare, more_cores_than_the_machine_has_still_runs_and_flags_the_oversubscribed_rows) {
  const int cores = available_cpus() + 1;
  if (cores > 8) GTEST_SKIP() << "a machine this large would need a long test";
  const ProcessResult r = run_process(parakit_cmd({"compare", "pi", "--samples", "2e6", "--cores",
                                                   std::to_string(cores), "--repeat", "2", "--warmup", "0"}),
                                      120.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("oversubscribed"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("parakit: warning: " + std::to_string(cores) + "x1: oversubscribed"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("1x1"), std::string::npos);
  EXPECT_NE(r.out.find("launch_s"), std::string::npos);
}

TEST(Compare, with_python_adds_the_seeds_three_versions_on_the_same_work) {
  const ProcessResult r =
      run_process(parakit_cmd({"compare", "pi", "--samples", "2e4,3e4", "--cores", "2", "--repeat", "2",
                               "--warmup", "0", "--with-python", "--format", "json"}),
                  180.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto record = nlohmann::json::parse(r.out);
  ASSERT_EQ(record["rows"].size(), 6U);
  for (const char* name : {"python pandas.apply", "python Pool.map", "python dask"}) {
    const auto row = row_of(record, name);
    EXPECT_EQ(row["implementation"], "python");
    EXPECT_GT(row["median_s"].get<double>(), 0.0);
    EXPECT_GT(row["launch_s"].get<double>(), 0.0) << "the interpreter's start-up";
    EXPECT_TRUE(row["compute_s"].is_null());
  }
  EXPECT_EQ(row_of(record, "python Pool.map")["ranks"], 2);
  EXPECT_EQ(row_of(record, "python dask")["threads_per_rank"], 2);
  // Same 50,000 samples: pure Python is far slower per run than parakit's 1x1.
  EXPECT_LT(row_of(record, "python pandas.apply")["speedup"].get<double>(), 0.5);
}

TEST(Scale, strong_scaling_table_fit_and_plots) {
  TempDir dir;
  const auto prefix = dir.path() / "strong";
  const ProcessResult r = run_process(
      parakit_cmd({"scale", "strong", "pi", "--samples", "4e7", "--cores", "1,2", "--mode", "processes",
                   "--repeat", "3", "--warmup", "0", "--format", "json", "--plot", prefix.string()}),
      120.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto record = nlohmann::json::parse(r.out);
  EXPECT_EQ(record["schema"], "parakit.scale/1");
  EXPECT_EQ(record["scaling"], "strong");
  ASSERT_EQ(record["rows"].size(), 2U);
  for (const char* column :
       {"cores", "ranks", "threads", "work", "median_s", "spread_s", "speedup", "efficiency", "karp_flatt"})
    EXPECT_TRUE(record["rows"][1].contains(column)) << column;
  EXPECT_EQ(record["rows"][0]["work"], 4e7);
  EXPECT_EQ(record["rows"][1]["work"], 4e7) << "strong: the same work";
  EXPECT_EQ(record["rows"][1]["ranks"], 2);
  EXPECT_LE(record["available_cores"].get<int>(), available_cpus());
  if (record["available_cores"].get<int>() >= 2) {
    EXPECT_EQ(record["fit"]["law"], "amdahl");
    EXPECT_TRUE(record["fit"]["r_squared"].is_null()) << "two points: any Amdahl curve passes through both";
    EXPECT_NE(record["fit"]["note"].get<std::string>().find("2 points"), std::string::npos);
  } else {
    EXPECT_TRUE(record["fit"].is_null()) << "the oversubscribed 2-core point is left out";
  }
  EXPECT_TRUE(record["rows"][0]["karp_flatt"].is_null());
  EXPECT_TRUE(is_png(prefix.string() + "-speedup.png"));
  EXPECT_TRUE(is_png(prefix.string() + "-efficiency.png"));
}

// What a Slurm job array's collector does: the points ran elsewhere (here: plain mpiexec runs writing
// --json records); scale --records builds the same table from them without launching anything.
TEST(Scale, records_from_runs_made_elsewhere_give_the_table_and_plots) {
  TempDir dir;
  const auto records = dir.path() / "records";
  std::filesystem::create_directories(records);
  for (const int ranks : {2, 1}) {
    const auto file = records / ("point-" + std::to_string(ranks) + ".json");
    const ProcessResult run = run_process(parakit_cmd(
        {"pi", "--samples", "2e7", "--threads", "1", "--repeat", "3", "--json", file.string()}, ranks));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.out.find("parakit pi: "), std::string::npos) << "the text report still goes to stdout";
  }
  write_file(dir.path() / "not-json.txt", "ignored: not *.json");
  const auto prefix = dir.path() / "strong";
  const ProcessResult r = run_process(parakit_cmd({"scale", "strong", "pi", "--records", records.string(),
                                                   "--format", "json", "--plot", prefix.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto record = nlohmann::json::parse(r.out);
  ASSERT_EQ(record["rows"].size(), 2U);
  EXPECT_EQ(record["rows"][0]["cores"], 1);
  EXPECT_EQ(record["rows"][1]["ranks"], 2);
  EXPECT_EQ(record["mode"], "processes");
  EXPECT_EQ(record["rows"][1]["work"], 2e7);
  EXPECT_TRUE(record["rows"][1]["launch_s"].is_null()) << "not measured: the runs were launched elsewhere";
  const auto one = nlohmann::json::parse(slurp(records / "point-1.json"));
  EXPECT_EQ(record["rows"][0]["median_s"], one["timing"]["median_s"]);
  EXPECT_TRUE(is_png(prefix.string() + "-speedup.png"));

  // The collector can run again: the study's own record beside the points is not a point.
  write_file(records / "strong.json", r.out);
  const ProcessResult again =
      run_process(parakit_cmd({"scale", "strong", "pi", "--records", records.string()}));
  EXPECT_EQ(again.exit_code, 0) << again.err;

  // Two records of one core count, another kernel's record, weak scaling over unequal work per core,
  // a directory without records, or none at all: refused, one line, exit 2.
  const auto refused = [](const std::vector<std::string>& args, const std::string& message) {
    const ProcessResult bad = run_process(parakit_cmd(args));
    EXPECT_EQ(bad.exit_code, 2) << bad.err;
    EXPECT_NE(bad.err.find(message), std::string::npos) << bad.err;
    EXPECT_EQ(parakit::test::count_lines_starting_with(bad.err, "parakit"), 1) << bad.err;
  };
  refused({"scale", "weak", "pi", "--records", records.string()},
          "weak scaling needs the same work per core");
  refused({"scale", "strong", "stats", "--records", records.string()}, "is a run of pi, not stats");
  refused({"scale", "strong", "pi", "--records", records.string(), "--repeat", "3"},
          "--repeat: not with --records");
  std::filesystem::copy_file(records / "point-1.json", records / "again.json");
  refused({"scale", "strong", "pi", "--records", records.string()}, "two records in");
  std::filesystem::create_directories(dir.path() / "empty");
  refused({"scale", "strong", "pi", "--records", (dir.path() / "empty").string()}, "no *.json in");
  refused({"scale", "strong", "pi", "--records", (dir.path() / "none").string()}, "is not a directory");
}

// One point of a job array: `scale --point I` runs the I-th core count with the study's layout and
// (weak) work, and prints that run's record.
TEST(Scale, point_runs_one_core_count_with_the_studys_layout_and_work) {
  const ProcessResult r = run_process(parakit_cmd(
      {"scale", "weak", "pi", "--samples", "1e6", "--cores", "1,2", "--mode", "hybrid", "--threads-per-rank",
       "2", "--point", "1", "--repeat", "2", "--warmup", "0", "--format", "json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto record = nlohmann::json::parse(r.out);
  EXPECT_EQ(record["schema"], "parakit.run/1");
  EXPECT_EQ(record["ranks"], 1);
  EXPECT_EQ(record["threads_per_rank"], 2);
  EXPECT_EQ(record["samples"], 2000000) << "weak: twice the work on 2 cores";
  EXPECT_EQ(record["timing"]["repeat"], 2);
  const ProcessResult bad =
      run_process(parakit_cmd({"scale", "strong", "pi", "--cores", "1,2", "--point", "2"}));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--point: 2 is not an index of the 2 core counts (accepted: 0 to 1)"),
            std::string::npos)
      << bad.err;
}

TEST(Scale, weak_scaling_gives_every_core_the_same_work) {
  const ProcessResult r =
      run_process(parakit_cmd({"scale", "weak", "pi", "--samples=1e7,2e6", "--cores", "2,1", "--mode",
                               "threads", "--repeat", "2", "--warmup", "0", "--format", "csv"}),
                  120.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string header, one, two;
  std::getline(lines, header);
  std::getline(lines, one);
  std::getline(lines, two);
  EXPECT_EQ(header.rfind("cores,ranks,threads,work,median_s,spread_s", 0), 0U) << header;
  EXPECT_EQ(one.rfind("1,1,1,12000000,", 0), 0U) << one;
  EXPECT_EQ(two.rfind("2,1,2,24000000,", 0), 0U) << "sorted by cores; work x 2: " << two;
}

TEST(Scale, hybrid_mode_runs_ranks_of_t_threads) {
  const auto record = run_json({"scale", "strong", "pi", "--samples", "4e6", "--cores", "1,2,4", "--mode",
                                "hybrid", "--threads-per-rank", "2", "--repeat", "2", "--warmup", "0"});
  ASSERT_EQ(record["rows"].size(), 3U);
  EXPECT_EQ(record["rows"][1]["ranks"], 1);
  EXPECT_EQ(record["rows"][1]["threads"], 2);
  EXPECT_EQ(record["rows"][2]["ranks"], 2);
  EXPECT_EQ(record["rows"][2]["threads"], 2);
  EXPECT_EQ(record["rows"][2]["oversubscribed"].get<bool>(), record["available_cores"].get<int>() < 4);
}

TEST(Scripts, strong_and_weak_wrappers_write_table_json_and_plots_into_out) {
  TempDir dir;
  for (const std::string kind : {"strong", "weak"}) {
    const ProcessResult r = run_process(
        {"env", std::string("PARAKIT=") + PARAKIT_EXE, "bash",
         std::string(PARAKIT_SOURCE_DIR) + "/scripts/" + kind + "_scaling.sh", "pi", "--samples", "2e7",
         "--cores", "1,2", "--repeat", "2", "--warmup", "0", "--out", (dir.path() / kind).string()},
        120.0);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto out = dir.path() / kind;
    expect_columns(csv_header(out / (kind + ".csv")), {"cores", "ranks", "threads", "work", "median_s",
                                                       "spread_s", "speedup", "efficiency", "karp_flatt"});
    EXPECT_EQ(csv_lines(out / (kind + ".csv")), 3);
    const auto record = nlohmann::json::parse(slurp(out / (kind + ".json")));
    EXPECT_EQ(record["scaling"], kind);
    EXPECT_EQ(record["fit"].is_object(), record["available_cores"].get<int>() >= 2)
        << "no fit through oversubscribed points";
    EXPECT_TRUE(is_png(out / (kind + "-speedup.png")));
    EXPECT_TRUE(is_png(out / (kind + "-efficiency.png")));
    EXPECT_NE(slurp(out / (kind + ".txt")).find("median_s"), std::string::npos);
  }
  const ProcessResult missing =
      run_process({"env", "PARAKIT=/nonexistent/parakit", "bash",
                   std::string(PARAKIT_SOURCE_DIR) + "/scripts/strong_scaling.sh", "pi", "--cores", "1"},
                  30.0);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("PARAKIT=/nonexistent/parakit is not an executable file"), std::string::npos)
      << missing.err;
}

struct StudyBadInput {
  std::vector<std::string> args;
  std::string message;
};

class StudyBadInputs : public ::testing::TestWithParam<std::tuple<StudyBadInput, int>> {};

TEST_P(StudyBadInputs, one_clear_line_printed_once_exit_2_and_no_file) {
  const auto& [bad, ranks] = GetParam();
  TempDir dir;
  std::vector<std::string> args;
  for (std::string a : bad.args) {
    if (a.starts_with("DIR/")) a = (dir.path() / a.substr(4)).string();
    args.push_back(a);
  }
  const ProcessResult r = run_process(parakit_cmd(args, ranks), 60.0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(count_lines_starting_with(r.err, "parakit: error: "), 1) << r.err;
  EXPECT_EQ(count_lines_starting_with(r.err, "parakit"), 1) << "printed once: " << r.err;
  EXPECT_NE(r.err.find(bad.message), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "nothing written";
}

INSTANTIATE_TEST_SUITE_P(
    Driver, StudyBadInputs,
    ::testing::Combine(
        ::testing::Values(
            StudyBadInput{{"compare"}, "no kernel given (accepted: pi"},
            StudyBadInput{{"compare", "sort", "--cores", "2"},
                          "unknown kernel 'sort' (accepted: pi, stats, heat, or -- PROGRAM ARGS"},
            StudyBadInput{{"compare", "pi", "--cores", "0"}, "--cores: '0' is zero"},
            StudyBadInput{
                {"compare", "pi", "--cores", "1", "--core", "1"},
                "unrecognised option '--core' (see 'parakit pi --help'); the study's own options: see "
                "'parakit compare --help'"},
            StudyBadInput{{"compare", "pi", "--cores", "1", "--plot", "DIR/chart.svg"}, "is not a .png file"},
            StudyBadInput{{"scale", "strong", "pi", "--cores", "1", "--threads-per-rank", "2"},
                          "--threads-per-rank: only hybrid mode has it"},
            StudyBadInput{{"compare", "pi", "--cores", "2", "--threads", "2"},
                          "--threads: parakit compare sets it for every run (give --cores instead)"},
            StudyBadInput{{"compare", "pi", "--cores", "2", "--repeat", "1"}, "--repeat: 1 is out of range"},
            StudyBadInput{{"compare", "pi", "--launcher", "qsub"}, "--launcher: 'qsub' is not a launcher"},
            StudyBadInput{{"compare", "pi", "--fast-launch", "yes"}, "--fast-launch: 'yes' is not a choice"},
            StudyBadInput{{"compare", "pi", "--cores", "1", "--samples", "many", "--repeat", "2"},
                          "--samples: 'many'"},
            StudyBadInput{{"compare", "pi", "--cores", "1", "--output", "DIR/no/such/dir/out.txt"},
                          "--output: cannot write"},
            StudyBadInput{{"compare", "pi", "--cores", "1", "--plot", "DIR/missing/c.png"},
                          "--plot: cannot write"},
            StudyBadInput{{"scale"}, "no scaling given (accepted: strong, weak"},
            StudyBadInput{{"scale", "fast", "pi"}, "unknown scaling 'fast' (accepted: strong, weak)"},
            StudyBadInput{{"scale", "strong", "pi", "--cores", "1,x"}, "--cores: 'x'"},
            StudyBadInput{{"scale", "strong", "pi", "--mode", "mixed"}, "--mode: 'mixed' is not a mode"},
            StudyBadInput{
                {"scale", "strong", "pi", "--cores", "1,3", "--mode", "hybrid", "--threads-per-rank", "2"},
                "--cores: 3 is not a multiple of --threads-per-rank 2"},
            StudyBadInput{{"scale", "weak", "pi", "--samples", "9e18", "--cores", "1,2"},
                          "is more than 2^63-1"}),
        // Under mpirun every study is refused first (StudyUnderMpirun): a launcher cannot be nested.
        ::testing::Values(0)));

TEST(StudyUnderMpirun, is_refused_once_because_it_launches_its_own_runs) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"compare", "pi", "--cores", "1"},
        std::vector<std::string>{"scale", "strong", "pi", "--bogus"}}) {
    const ProcessResult r = run_process(parakit_cmd(args, 2), 60.0);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(count_lines_starting_with(r.err, "parakit"), 1) << r.err;
    EXPECT_NE(r.err.find("parakit: error: this command starts its own runs with mpirun or srun: run it "
                         "directly, not under mpirun or srun"),
              std::string::npos)
        << r.err;
  }
}

}  // namespace
}  // namespace parakit::test
