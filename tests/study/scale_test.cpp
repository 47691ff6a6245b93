// `parakit scale` without launching: its core counts and layouts, its refusals before the first run, and the
// whole study from run records made elsewhere.

#include "parakit/study/scale.hpp"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"
#include "parakit/study/kernel.hpp"

#include "study/run_record.hpp"

namespace parakit::study {
namespace {

TEST(DefaultCoreCounts, powers_of_two_up_to_the_cores_available) {
  EXPECT_EQ(default_core_counts(0), (std::vector<int>{1}));
  EXPECT_EQ(default_core_counts(1), (std::vector<int>{1}));
  EXPECT_EQ(default_core_counts(6), (std::vector<int>{1, 2, 4}));
  EXPECT_EQ(default_core_counts(8), (std::vector<int>{1, 2, 4, 8}));
}

TEST(ScaleLayouts, sorted_each_count_once_in_the_mode) {
  EXPECT_EQ(scale_layouts(Mode::kProcesses, {4, 1, 2, 4}, 2), (std::vector<Layout>{{1, 1}, {2, 1}, {4, 1}}));
  EXPECT_EQ(scale_layouts(Mode::kThreads, {2, 1}, 2), (std::vector<Layout>{{1, 1}, {1, 2}}));
  EXPECT_EQ(scale_layouts(Mode::kHybrid, {8, 1, 2, 4}, 2),
            (std::vector<Layout>{{1, 1}, {1, 2}, {2, 2}, {4, 2}}));
  EXPECT_NE(test::message_of<UsageError>([] {
              scale_layouts(Mode::kHybrid, {1, 3}, 2);
            }).find("--cores: 3 is not a multiple of --threads-per-rank 2"),
            std::string::npos);
}

Settings settings_for(const char* kernel, std::vector<std::string> kernel_options) {
  Settings s;
  s.kernel = find_kernel(kernel);
  s.kernel_options = std::move(kernel_options);
  s.command = "parakit scale";
  return s;
}

// Each refusal comes before anything is launched (the settings name no launcher that exists here).
TEST(ScalePoint, refuses_weak_scaling_it_cannot_do_and_an_index_outside_the_core_counts) {
  const std::vector<Layout> layouts{{1, 1}, {2, 1}};
  EXPECT_NE(test::message_of<UsageError>([&] {
              scale_point(settings_for("stats", {}), layouts, Scaling::kWeak, 0);
            }).find("weak scaling needs work that grows with the cores, and stats reads a fixed file"),
            std::string::npos);
  EXPECT_EQ(test::message_of<UsageError>([&] {
              scale_point(settings_for("pi", {"--samples", "9e18"}), layouts, Scaling::kWeak, 0);
            }),
            "--samples: 9000000000000000000 x 2 cores is more than 2^63-1 (accepted: less work per core)");
  EXPECT_EQ(test::message_of<UsageError>(
                [&] { scale_point(settings_for("pi", {}), layouts, Scaling::kStrong, 2); }),
            "--point: 2 is not an index of the 2 core counts (accepted: 0 to 1)");
  EXPECT_EQ(
      test::message_of<UsageError>([&] { scale_point(settings_for("pi", {}), layouts, Scaling::kWeak, -1); }),
      "--point: -1 is not an index of the 2 core counts (accepted: 0 to 1)");
  EXPECT_NE(test::message_of<UsageError>([&] {
              scale(settings_for("stats", {}), layouts, Scaling::kWeak);
            }).find("weak scaling needs work that grows with the cores"),
            std::string::npos)
      << "the whole study checks before its first run too";
}

// Three points whose median halves with each doubling of the cores: perfect strong scaling.
void write_strong_points(const test::ScratchDir& dir) {
  dir.write("p0.json", test::run_record(1, 1, 1000, {2.0, 2.0, 2.0}).dump());
  dir.write("p1.json", test::run_record(2, 1, 1000, {1.0, 1.0, 1.0}).dump());
  dir.write("p2.json", test::run_record(4, 1, 1000, {0.5, 0.5, 0.5}).dump());
}

TEST(ScaleFromRecords, strong_scaling_table_from_the_records) {
  test::ScratchDir dir("parakit_scale_records_strong");
  write_strong_points(dir);
  const Outcome outcome = scale_from_records(dir.str(), *find_kernel("pi"), Scaling::kStrong);
  ASSERT_EQ(outcome.points.size(), 3U);
  ASSERT_EQ(outcome.records.size(), 3U);
  EXPECT_EQ(outcome.repeat, 3);
  EXPECT_EQ(outcome.warmup, 1);
  EXPECT_EQ(outcome.table["baseline_cores"], 1);
  const auto& rows = outcome.table["rows"];
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[2]["cores"], 4);
  // speedup = t1 / tp and efficiency = speedup / p, exactly (powers of two).
  EXPECT_EQ(rows[1]["speedup"].get<double>(), 2.0);
  EXPECT_EQ(rows[2]["speedup"].get<double>(), 4.0);
  EXPECT_EQ(rows[2]["efficiency"].get<double>(), 1.0);
  EXPECT_EQ(outcome.table["fit"]["law"], "amdahl");
  EXPECT_NEAR(outcome.table["fit"]["serial_fraction"].get<double>(), 0.0, 1e-12) << "no serial part";
}

TEST(ScaleFromRecords, strong_scaling_refuses_different_results) {
  test::ScratchDir dir("parakit_scale_records_wrong");
  write_strong_points(dir);
  dir.write("p1.json", test::run_record(2, 1, 1000, {1.0, 1.0, 1.0}, 3.5).dump());
  EXPECT_EQ(
      test::message_of<WrongAnswer>(
          [&] { scale_from_records(dir.str(), *find_kernel("pi"), Scaling::kStrong); }),
      "1x1 and 2x1 computed different results for the same work: {\"estimate\":3.0} vs {\"estimate\":3.5}");
}

TEST(ScaleFromRecords, weak_scaling_needs_the_same_work_per_core) {
  test::ScratchDir dir("parakit_scale_records_weak");
  dir.write("p0.json", test::run_record(1, 1, 1000, {1.0, 1.0}, 3.0).dump());
  dir.write("p1.json", test::run_record(2, 1, 2000, {1.0, 1.0}, 3.1).dump());
  const Outcome outcome = scale_from_records(dir.str(), *find_kernel("pi"), Scaling::kWeak);
  ASSERT_EQ(outcome.table["rows"].size(), 2U);
  EXPECT_EQ(outcome.table["rows"][1]["speedup"].get<double>(), 2.0) << "scaled speedup p t1 / tp";
  EXPECT_EQ(outcome.table["rows"][1]["efficiency"].get<double>(), 1.0);
  dir.write("p1.json", test::run_record(2, 1, 3000, {1.0, 1.0}).dump());
  EXPECT_EQ(
      test::message_of<UsageError>(
          [&] { scale_from_records(dir.str(), *find_kernel("pi"), Scaling::kWeak); }),
      "--records: weak scaling needs the same work per core, and 1x1 has 1000 per core while 2x1 has 1500");
}

}  // namespace
}  // namespace parakit::study
