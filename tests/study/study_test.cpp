// The studies' pure parts: layouts, launch command lines, and the tables computed from measured points.

#include <cmath>
#include <cstdlib>

#include <gtest/gtest.h>

#include "parakit/error.hpp"
#include "parakit/study/launch.hpp"
#include "parakit/study/table.hpp"

namespace parakit::study {
namespace {

// Sets an environment variable for one scope, restoring it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (had_) {
      ::setenv(name_.c_str(), old_.c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_, old_;
  bool had_ = false;
};

Point point(const std::string& label, Layout layout, std::vector<double> times, bool over = false) {
  Point p;
  p.label = label;
  p.layout = layout;
  p.times_s = std::move(times);
  p.runs = static_cast<int>(p.times_s.size());
  p.oversubscribed = over;
  return p;
}

TEST(Layouts, every_factorization_processes_first) {
  EXPECT_EQ(factorizations(1), (std::vector<Layout>{{1, 1}}));
  EXPECT_EQ(factorizations(6), (std::vector<Layout>{{6, 1}, {3, 2}, {2, 3}, {1, 6}}));
  EXPECT_EQ(factorizations(7), (std::vector<Layout>{{7, 1}, {1, 7}}));
  EXPECT_EQ(factorizations(16).size(), 5U);
  EXPECT_THROW(factorizations(0), UsageError);
  EXPECT_THROW(factorizations(5000), UsageError);
  EXPECT_EQ(layout_name({3, 2}), "3x2");
}

TEST(Layouts, modes_turn_cores_into_layouts) {
  EXPECT_EQ(layout_for(Mode::kProcesses, 8, 2), (Layout{8, 1}));
  EXPECT_EQ(layout_for(Mode::kThreads, 8, 2), (Layout{1, 8}));
  EXPECT_EQ(layout_for(Mode::kHybrid, 8, 2), (Layout{4, 2}));
  EXPECT_EQ(layout_for(Mode::kHybrid, 1, 4), (Layout{1, 1}));
  EXPECT_EQ(layout_for(Mode::kHybrid, 2, 4), (Layout{1, 2}));
  EXPECT_THROW(layout_for(Mode::kHybrid, 6, 4), UsageError);
  EXPECT_EQ(parse_mode("hybrid"), Mode::kHybrid);
  EXPECT_THROW(parse_mode("mixed"), UsageError);
}

TEST(Launch, mpirun_binds_each_rank_to_its_cores_and_exports_the_openmp_settings) {
  LaunchSettings s;
  s.available_cores = 4;
  s.cores_per_node = 4;
  s.fast_profile = false;
  const auto argv = launch_argv(s, {2, 2}, {"parakit", "pi"});
  const std::vector<std::string> expected{
      "mpirun",          "-n", "2",          "--map-by", "slot:PE=2",     "--bind-to", "core", "-x",
      "OMP_NUM_THREADS", "-x", "OMP_PLACES", "-x",       "OMP_PROC_BIND", "parakit",   "pi"};
  EXPECT_EQ(argv, expected);
  EXPECT_EQ(launch_environment(s, {2, 2}),
            (std::vector<std::string>{"OMP_NUM_THREADS=2", "OMP_PLACES=cores", "OMP_PROC_BIND=close"}));
  EXPECT_EQ(launch_argv(s, {4, 1}, {"p"})[4], "core");
}

TEST(Launch, an_oversubscribed_layout_runs_unbound_and_says_so) {
  LaunchSettings s;
  s.available_cores = 2;
  s.cores_per_node = 2;
  EXPECT_TRUE(oversubscribed(s, {3, 1}));
  EXPECT_FALSE(oversubscribed(s, {2, 1}));
  const auto argv = launch_argv(s, {1, 3}, {"p"});
  EXPECT_NE(std::find(argv.begin(), argv.end(), "--oversubscribe"), argv.end());
  EXPECT_NE(std::find(argv.begin(), argv.end(), "none"), argv.end());
  const auto env = launch_environment(s, {1, 3});
  EXPECT_NE(std::find(env.begin(), env.end(), "OMP_PROC_BIND=false"), env.end());
}

TEST(Launch, srun_gets_tasks_cpus_per_task_and_pmix) {
  LaunchSettings s;
  s.launcher = Launcher::kSrun;
  s.available_cores = 8;
  s.cores_per_node = 8;
  const auto argv = launch_argv(s, {2, 4}, {"parakit", "pi"});
  const std::vector<std::string> expected{"srun", "--mpi=pmix", "--kill-on-bad-exit=1", "-n",      "2",
                                          "-c",   "4",          "--cpu-bind=cores",     "parakit", "pi"};
  EXPECT_EQ(argv, expected);
}

TEST(Launch, the_fast_profile_never_overrides_the_users_own_settings) {
  LaunchSettings s;
  s.available_cores = 2;
  s.cores_per_node = 2;
  s.fast_profile = true;
  const ScopedEnv pml("OMPI_MCA_pml", "ucx");
  const ScopedEnv btl("OMPI_MCA_btl", nullptr);
  const ScopedEnv osc("OMPI_MCA_osc", nullptr);
  const auto env = launch_environment(s, {1, 1});
  EXPECT_EQ(std::find(env.begin(), env.end(), "OMPI_MCA_pml=ob1"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "OMPI_MCA_btl=self,vader"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "OMPI_MCA_osc=^ucx"), env.end());
}

TEST(Launch, detection_reads_the_slurm_allocation_and_refuses_nesting) {
  // Even when this test itself runs as a rank of a job.
  const ScopedEnv world("OMPI_COMM_WORLD_SIZE", nullptr), pmix("PMIX_RANK", nullptr),
      pmi("PMI_RANK", nullptr);
  {
    const ScopedEnv job("SLURM_JOB_ID", "77");
    const ScopedEnv cpus("SLURM_JOB_CPUS_PER_NODE", "4(x2),8");
    const ScopedEnv nodes("SLURM_JOB_NUM_NODES", "3");
    const LaunchSettings s = detect_launch("mpirun", "auto");
    EXPECT_EQ(s.launcher, Launcher::kMpirun);
    EXPECT_EQ(s.available_cores, 16);
    EXPECT_EQ(s.cores_per_node, 4);
    EXPECT_TRUE(oversubscribed(s, {1, 8})) << "one rank's 8 threads do not fit on a 4-CPU node";
    EXPECT_FALSE(oversubscribed(s, {4, 4}));
    EXPECT_EQ(s.nodes, 3);
    EXPECT_FALSE(s.fast_profile) << "several hosts need the network transports";
    EXPECT_NE(s.description.find("Slurm job 77"), std::string::npos);
  }
  {
    const ScopedEnv job("SLURM_JOB_ID", nullptr);
    const LaunchSettings s = detect_launch("auto", "auto");
    EXPECT_EQ(s.launcher, Launcher::kMpirun);
    EXPECT_TRUE(s.fast_profile);
    EXPECT_FALSE(detect_launch("auto", "off").fast_profile);
    EXPECT_THROW(detect_launch("qsub", "auto"), UsageError);
    EXPECT_THROW(detect_launch("auto", "yes"), UsageError);
    {
      const ScopedEnv pbs("PBS_NODEFILE", "/var/spool/pbs/aux/1.server");
      const LaunchSettings on_hosts = detect_launch("auto", "auto");
      EXPECT_FALSE(on_hosts.fast_profile) << "the ranks may land on several hosts";
      EXPECT_NE(on_hosts.description.find("$PBS_NODEFILE"), std::string::npos) << on_hosts.description;
    }
    const ScopedEnv nested("OMPI_COMM_WORLD_SIZE", "2");
    EXPECT_THROW(detect_launch("auto", "auto"), UsageError);
  }
}

TEST(Launch, srun_keeps_the_sites_mpi_plugin) {
  LaunchSettings s;
  s.launcher = Launcher::kSrun;
  s.available_cores = s.cores_per_node = 2;
  const ScopedEnv site("SLURM_MPI_TYPE", "pmi2");
  const auto argv = launch_argv(s, {2, 1}, {"p"});
  EXPECT_EQ(
      std::count_if(argv.begin(), argv.end(), [](const std::string& w) { return w.starts_with("--mpi"); }),
      0);
}

TEST(Verdicts, faster_only_when_the_rank_test_and_the_intervals_agree) {
  const Point a = point("2x1", {2, 1}, {1.00, 1.01, 1.02, 1.015, 1.005});
  const Point b = point("1x2", {1, 2}, {1.10, 1.11, 1.12, 1.105, 1.115});
  const Table v = verdict(b, a);
  EXPECT_EQ(v["faster"], "2x1");
  EXPECT_EQ(v["slower"], "1x2");
  EXPECT_EQ(v["verdict"], "faster");
  EXPECT_NEAR(v["p_value"].get<double>(), 2.0 / 252.0, 1e-12);
  EXPECT_EQ(v["text"].get<std::string>().rfind("2x1 is faster than 1x2", 0), 0U);

  const Point c = point("1x2", {1, 2}, {1.00, 1.03, 1.01, 0.99, 1.02});
  const Table same = verdict(a, c);
  EXPECT_EQ(same["verdict"], "indistinguishable");
  EXPECT_NE(same["text"].get<std::string>().find("cannot be told apart"), std::string::npos);

  // Three repeats each can never reach p < 0.05, however far apart: it says so.
  const Point d = point("2x1", {2, 1}, {1.0, 1.0, 1.0});
  const Point e = point("1x2", {1, 2}, {2.0, 2.0, 2.0});
  const Table few = verdict(d, e);
  EXPECT_EQ(few["verdict"], "too_few_repeats");
  EXPECT_NE(few["text"].get<std::string>().find("2x1 vs 1x2: too few repeats to test (3 and 3"),
            std::string::npos)
      << few["text"];
  EXPECT_DOUBLE_EQ(smallest_p(3, 3), 0.1);
  EXPECT_NEAR(smallest_p(5, 5), 2.0 / 252.0, 1e-15);
}

TEST(CompareTable, speedup_efficiency_launch_and_wall_check_against_the_1x1_row) {
  Point one = point("1x1", {1, 1}, {4.0, 4.1, 3.9});
  one.launch_s = 0.1;
  one.wall_s = 0.1 + 4 * 4.0;  // 4 runs of the median plus the launch: agrees exactly
  one.runs = 4;
  one.compute_s = 3.9;
  one.communication_s = 0.1;
  one.peak_rss_rank_bytes = 1e6;
  one.peak_rss_total_bytes = 1e6;
  Point two = point("2x1", {2, 1}, {2.0, 2.1, 2.0});
  two.launch_s = 0.2;
  two.wall_s = 20.0;  // far from 0.2 + 3 x 2.0: flagged
  Point three = point("3x1", {3, 1}, {1.0, 1.5, 1.2}, true);
  const Table t = compare_table({one, two, three});
  const Table& rows = t["rows"];
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[0]["speedup"], 1.0);
  EXPECT_DOUBLE_EQ(rows[1]["speedup"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(rows[1]["efficiency"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(rows[0]["comm_share"].get<double>(), 0.1 / 4.0);
  EXPECT_NEAR(rows[0]["wall_error"].get<double>(), 0.0, 1e-12);
  EXPECT_TRUE(rows[1]["comm_share"].is_null()) << "not measured";
  EXPECT_TRUE(rows[2]["noisy"].get<bool>()) << "spread 0.5 / 1.2";
  EXPECT_TRUE(rows[2]["oversubscribed"].get<bool>());
  EXPECT_EQ(rows[0]["threads_per_rank"], 1);
  EXPECT_EQ(rows[0]["launch_s"], 0.1);
  std::string warnings = t["warnings"].dump();
  EXPECT_NE(warnings.find("3x1: oversubscribed"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("3x1: noisy"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("2x1: the outside wall clock"), std::string::npos) << warnings;
  EXPECT_EQ(warnings.find("1x1:"), std::string::npos) << warnings;
  // Only layouts of the largest core count are ranked against each other.
  ASSERT_EQ(t["comparisons"].size(), 0U);
  EXPECT_THROW(compare_table({}), Error);
}

TEST(ScalingTable, strong_scaling_recovers_amdahls_serial_fraction) {
  const double f = 0.07, t1 = 12.0;
  std::vector<Point> points;
  for (const int p : {1, 2, 4, 8, 16}) {
    const double t = t1 * (f + (1.0 - f) / p);
    points.push_back(point(std::to_string(p), {p, 1}, {t, t * 1.001, t * 0.999, t}));
  }
  points.push_back(point("32", {32, 1}, {100.0, 100.0, 100.0, 100.0}, /*over=*/true));
  const Table t = scaling_table(points, Scaling::kStrong);
  EXPECT_EQ(t["fit"]["law"], "amdahl");
  EXPECT_NEAR(t["fit"]["serial_fraction"].get<double>(), f, 1e-6) << "the oversubscribed point is left out";
  EXPECT_NEAR(t["fit"]["t1_s"].get<double>(), t1, 1e-6);
  EXPECT_EQ(t["fit"]["points"], 5);
  const Table& rows = t["rows"];
  EXPECT_TRUE(rows[0]["karp_flatt"].is_null());
  for (std::size_t i = 1; i < 5; ++i)
    EXPECT_NEAR(rows[i]["karp_flatt"].get<double>(), f, 1e-9) << "Karp-Flatt is f for an Amdahl program";
  EXPECT_NEAR(rows[2]["speedup"].get<double>(), 1.0 / (f + (1.0 - f) / 4), 1e-9);
  EXPECT_EQ(rows[0]["cores"], 1);
  EXPECT_EQ(rows[0]["threads"], 1);
  EXPECT_EQ(t["comparisons"].size(), 4U) << "not with the oversubscribed 32";
  EXPECT_EQ(t["comparisons"][0]["faster"], "2");
}

TEST(ScalingTable, weak_scaling_reports_scaled_speedup_and_gustafsons_fraction) {
  const double alpha = 0.2;
  std::vector<Point> points;
  for (const int p : {1, 2, 4, 8}) {
    // Scaled speedup S(p) = p - alpha (p - 1) = p t1 / tp.
    const double t = p * 1.0 / (p - alpha * (p - 1));
    points.push_back(point(std::to_string(p), {1, p}, {t, t, t}));
    points.back().work = 1e9 * p;
  }
  const Table t = scaling_table(points, Scaling::kWeak);
  EXPECT_EQ(t["fit"]["law"], "gustafson");
  EXPECT_NEAR(t["fit"]["serial_fraction"].get<double>(), alpha, 1e-9);
  EXPECT_NEAR(t["fit"]["scaled_speedup_at_max"].get<double>(), 8 - alpha * 7, 1e-9);
  EXPECT_NEAR(t["rows"][3]["speedup"].get<double>(), 8 - alpha * 7, 1e-9);
  EXPECT_NEAR(t["rows"][3]["efficiency"].get<double>(), (8 - alpha * 7) / 8, 1e-9);
  EXPECT_EQ(t["rows"][3]["work"], 8e9);
  EXPECT_EQ(t["comparisons"].size(), 0U) << "weak points do different work: no race between them";
}

TEST(ScalingTable, one_core_count_has_no_fit) {
  const Table t = scaling_table({point("1", {1, 1}, {1.0, 1.1})}, Scaling::kStrong);
  EXPECT_TRUE(t["fit"].is_null());
}

}  // namespace
}  // namespace parakit::study

namespace parakit::study {
namespace {

TEST(ScalingTable, two_points_or_an_impossible_fraction_are_said_to_mean_little) {
  // Super-linear: 2 cores more than twice as fast. Amdahl's f comes out negative.
  const Table t = scaling_table({point("1", {1, 1}, {1.0, 1.0, 1.0}), point("2", {2, 1}, {0.4, 0.4, 0.4})},
                                Scaling::kStrong);
  EXPECT_LT(t["fit"]["serial_fraction"].get<double>(), 0.0);
  EXPECT_TRUE(t["fit"]["r_squared"].is_null());
  EXPECT_TRUE(t["fit"]["max_speedup"].is_null());
  const std::string note = t["fit"]["note"];
  EXPECT_NE(note.find("2 points"), std::string::npos) << note;
  EXPECT_NE(note.find("do not follow Amdahl's law"), std::string::npos) << note;
  EXPECT_EQ(t["baseline_cores"], 1);
}

TEST(ScalingTable, a_baseline_above_one_core_has_no_karp_flatt) {
  const Table t =
      scaling_table({point("2", {2, 1}, {1.0, 1.0}), point("4", {4, 1}, {0.5, 0.5})}, Scaling::kStrong);
  EXPECT_TRUE(t["rows"][0]["karp_flatt"].is_null()) << "its efficiency is assumed, not measured";
  EXPECT_DOUBLE_EQ(t["rows"][1]["speedup"].get<double>(), 4.0);
  EXPECT_EQ(t["baseline_cores"], 2);
}

TEST(Verdicts, oversubscribed_layouts_are_not_ranked) {
  std::vector<Point> points{point("1x1", {1, 1}, {2.0, 2.01, 2.02, 2.03, 2.04}),
                            point("2x1", {2, 1}, {1.0, 1.01, 1.02, 1.03, 1.04}),
                            point("1x2", {1, 2}, {1.5, 1.51, 1.52, 1.53, 1.54}, /*over=*/true)};
  EXPECT_EQ(compare_table(points)["comparisons"].size(), 0U);
  points[2].oversubscribed = false;
  ASSERT_EQ(compare_table(points)["comparisons"].size(), 1U);
  EXPECT_EQ(compare_table(points)["comparisons"][0]["verdict"], "faster");
  const Table strong =
      scaling_table({points[0], points[1], point("4x1", {4, 1}, {0.1, 0.1}, true)}, Scaling::kStrong);
  EXPECT_EQ(strong["comparisons"].size(), 1U) << "only 1 -> 2 cores";
}

}  // namespace
}  // namespace parakit::study

namespace parakit::study {
namespace {

TEST(CompareTable, a_wall_clock_within_the_launchs_own_jitter_is_not_flagged) {
  Point tiny = point("1x1", {1, 1}, {0.001, 0.001, 0.001});
  tiny.runs = 3;
  tiny.launch_s = 0.110;
  tiny.launch_spread_s = 0.020;
  tiny.wall_s = 0.128;  // 12 % over launch + 3 ms, but within the empty runs' 20 ms spread
  EXPECT_FALSE(compare_table({tiny})["rows"][0]["wall_check_failed"].get<bool>());
  tiny.launch_spread_s = 0.005;
  const Table t = compare_table({tiny});
  EXPECT_TRUE(t["rows"][0]["wall_check_failed"].get<bool>());
  EXPECT_NE(t["warnings"].dump().find("1x1: the outside wall clock"), std::string::npos);
}

}  // namespace
}  // namespace parakit::study
