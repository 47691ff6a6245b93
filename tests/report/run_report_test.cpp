#include "parakit/report/run_report.hpp"

#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "report/sample_record.hpp"

using namespace parakit::report;
using parakit::report::test::sample_record;

TEST(RunReport, summarises_repeats_with_the_median_and_derives_throughput_from_it) {
  const Record r = sample_record();
  EXPECT_EQ(r["timing"]["n"], 3);
  EXPECT_DOUBLE_EQ(r["timing"]["median_s"].get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(r["timing"]["min_s"].get<double>(), 0.1);
  EXPECT_DOUBLE_EQ(r["throughput_per_s"].get<double>(), 4000.0);           // 800 units / 0.2 s
  EXPECT_DOUBLE_EQ(r["throughput_per_core_per_s"].get<double>(), 1000.0);  // over 2 x 2 cores
  EXPECT_DOUBLE_EQ(r["phases"]["compute_s"].get<double>(), 0.1);
  EXPECT_DOUBLE_EQ(r["phases"]["imbalance"].get<double>(), 1.2);
  EXPECT_EQ(r["per_rank"].size(), 2U);
  EXPECT_EQ(r["context"]["hosts"], Record::array({"a", "b"}));
  EXPECT_EQ(r["context"]["command_line"], "parakit test");
  EXPECT_EQ(r["context"]["mpi_library"], "MPI lib");
  EXPECT_TRUE(r["context"].contains("git_commit"));
  EXPECT_TRUE(r["context"].contains("timestamp_utc"));
}

TEST(RunReport, fields_come_in_the_documented_order_after_the_kernels_own) {
  const Record r = sample_record();
  std::vector<std::string> keys;
  for (const auto& [key, _] : r.items())
    keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"schema", "kernel", "ranks", "threads_per_rank", "seed", "result",
                                            "timing", "throughput_per_s", "throughput_per_core_per_s",
                                            "throughput_unit", "phases", "per_rank", "warnings", "context"}));
  EXPECT_EQ(r["timing"]["times_s"], Record::array({0.4, 0.1, 0.2})) << "every repeat, in run order";
  EXPECT_EQ(r["timing"]["repeat"], 3);
  EXPECT_EQ(r["per_rank"][1]["host"], "b");
  EXPECT_EQ(r["per_rank"][1]["pid"], 11);
}

TEST(LayoutWarnings, name_each_host_whose_ranks_run_more_threads_than_their_cpus) {
  RunStats stats;
  // host a (4 CPUs): two ranks of 2 threads bound to one CPU each -> 4 threads on CPUs 0-1.
  // host b (4 CPUs): one rank of 2 threads on CPUs 0-3: fine.
  stats.per_rank = {{0, "a", 1, 2, "0", {0}, 4, 0.0},
                    {1, "a", 2, 2, "1", {1}, 4, 0.0},
                    {2, "b", 3, 2, "0-3", {0, 1, 2, 3}, 4, 0.0}};
  auto warnings = layout_warnings(stats);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(
      warnings[0],
      "oversubscribed: on a 2 ranks run 4 threads on 2 CPUs (0-1), so timings measure sharing, not scaling "
      "(use fewer threads, or let the ranks use more of the host's 4 CPUs: mpirun --bind-to none or "
      "--map-by slot:PE=N)");
  // One rank with 8 threads on all 4 CPUs of host b: no binding helps, the advice says so.
  stats.per_rank = {{0, "b", 3, 8, "0-3", {0, 1, 2, 3}, 4, 0.0}};
  warnings = layout_warnings(stats);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(
      warnings[0],
      "oversubscribed: on b 1 rank runs 8 threads on 4 CPUs (0-3), so timings measure sharing, not scaling "
      "(use fewer threads or ranks)");
  stats.per_rank[0].threads = 4;  // 4 threads on 4 CPUs
  EXPECT_TRUE(layout_warnings(stats).empty());
  EXPECT_TRUE(sample_record()["warnings"].empty()) << "no CPU lists known, nothing claimed";
}

TEST(LayoutWarnings, one_sentence_per_host_in_rank_order_of_first_appearance) {
  RunStats stats;
  // Host z first (rank 0), then y; both oversubscribed on one CPU each.
  stats.per_rank = {{0, "z", 1, 3, "5", {5}, 8, 0.0}, {1, "y", 2, 2, "0", {0}, 1, 0.0}};
  const auto warnings = layout_warnings(stats);
  ASSERT_EQ(warnings.size(), 2U);
  EXPECT_TRUE(warnings[0].starts_with("oversubscribed: on z 1 rank runs 3 threads on 1 CPU (5), "))
      << warnings[0];
  EXPECT_TRUE(warnings[1].ends_with("(use fewer threads or ranks)"))
      << "y has only its 1 CPU: " << warnings[1];
}

TEST(ContextRecord, quotes_arguments_a_shell_would_split_and_carries_the_mpi_facts) {
  const Record c = context_record(
      {{"parakit", "map", "exec", "--", "echo {} it's"}, "lib", "3.1", "funneled", "default: under Slurm"},
      {"h1", "h2"});
  EXPECT_EQ(c["command_line"], "parakit map exec -- 'echo {} it'\\''s'");
  EXPECT_EQ(c["mpi_version"], "3.1");
  EXPECT_EQ(c["mpi_thread_level"], "funneled");
  EXPECT_EQ(c["mpi_transports"], "default: under Slurm");
  EXPECT_EQ(c["hosts"], Record::array({"h1", "h2"}));
  EXPECT_TRUE(c["openmp_runtime"].contains("max_threads"));
  EXPECT_EQ(context_record({{""}, "", "", "", ""}, {})["command_line"], "''")
      << "an empty argument stays visible";
}

TEST(ContextRecord, under_slurm_ids_and_counts_are_numbers_and_names_stay_strings) {
  ASSERT_EQ(::setenv("SLURM_JOB_ID", "1234", 1), 0);
  ASSERT_EQ(::setenv("SLURM_JOB_NAME", "007", 1), 0);
  ASSERT_EQ(::setenv("SLURM_NTASKS", "4x", 1), 0);  // not a number: kept as given
  const Record c = context_record({{"parakit"}, "", "", "", ""}, {});
  ::unsetenv("SLURM_JOB_ID");
  ::unsetenv("SLURM_JOB_NAME");
  ::unsetenv("SLURM_NTASKS");
  ASSERT_TRUE(c.contains("slurm"));
  EXPECT_EQ(c["slurm"]["job_id"], 1234);
  EXPECT_EQ(c["slurm"]["job_name"], "007");
  EXPECT_EQ(c["slurm"]["ntasks"], "4x");
  EXPECT_FALSE(context_record({{"parakit"}, "", "", "", ""}, {}).contains("slurm")) << "outside a job: none";
}
