// A study's point from a run's own record, and its launch cost from empty runs.

#include "parakit/study/point.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/study/kernel.hpp"

#include "study/run_record.hpp"

namespace parakit::study {
namespace {

TEST(PointFromRecord, reads_layout_work_repeats_phases_memory_and_oversubscription) {
  nlohmann::json record = test::run_record(2, 3, 1000.0, {0.5, 0.25, 0.75});
  record["phases"] = {{"partition_s", 0.01}, {"scatter_s", 0.02}, {"compute_s", 0.4}, {"reduce_s", 0.03}};
  record["per_rank"] = {{{"rank", 0}, {"peak_rss_bytes", 100}}, {{"rank", 1}, {"peak_rss_bytes", 300}}};
  record["warnings"] = {"OMP_PLACES is not set", "oversubscribed: 6 threads on 4 cores"};
  const Point p = point_from_record(*find_kernel("pi"), record);
  EXPECT_EQ(p.layout, (Layout{2, 3}));
  EXPECT_EQ(p.label, "2x3");
  EXPECT_EQ(p.implementation, "parakit");
  EXPECT_EQ(p.work, 1000.0);
  EXPECT_EQ(p.times_s, (std::vector<double>{0.5, 0.25, 0.75}));
  EXPECT_EQ(p.runs, 4) << "one warm-up and three timed runs";
  EXPECT_EQ(p.compute_s, 0.4);
  EXPECT_DOUBLE_EQ(p.communication_s, 0.01 + 0.02 + 0.03);
  EXPECT_EQ(p.peak_rss_rank_bytes, 300.0);
  EXPECT_EQ(p.peak_rss_total_bytes, 400.0);
  EXPECT_TRUE(p.oversubscribed);
  EXPECT_TRUE(std::isnan(p.launch_s)) << "unknown from a record: the caller's to add";
  EXPECT_TRUE(std::isnan(p.wall_s));
}

TEST(PointFromRecord, missing_numbers_are_nan_and_other_warnings_do_not_oversubscribe) {
  nlohmann::json record = test::run_record(1, 1, 0.0, {1.0});
  record.erase("samples");
  record["phases"] = {{"compute_s", "fast"}, {"partition_s", 0.0}, {"scatter_s", 0.0}};
  record["warnings"] = {"threads are not bound"};
  const Point p = point_from_record(*find_kernel("pi"), record);
  EXPECT_TRUE(std::isnan(p.work));
  EXPECT_TRUE(std::isnan(p.compute_s)) << "not a number";
  EXPECT_TRUE(std::isnan(p.communication_s)) << "reduce_s is missing";
  EXPECT_TRUE(std::isnan(p.peak_rss_rank_bytes)) << "no ranks listed: unknown, not zero";
  EXPECT_TRUE(std::isnan(p.peak_rss_total_bytes));
  EXPECT_FALSE(p.oversubscribed);
  // stats counts its work in bytes: the record's "bytes" field.
  record["bytes"] = 4096;
  EXPECT_EQ(point_from_record(*find_kernel("stats"), record).work, 4096.0);
}

TEST(LaunchCost, median_and_spread_of_the_empty_runs) {
  Point p;
  set_launch_cost(p, {0.3, 0.1, 0.2});
  EXPECT_DOUBLE_EQ(p.launch_s, 0.2);
  EXPECT_DOUBLE_EQ(p.launch_spread_s, 0.3 - 0.1);
  set_launch_cost(p, {0.4, 0.1});
  EXPECT_DOUBLE_EQ(p.launch_s, 0.25) << "the mean of the two middle values";
}

}  // namespace
}  // namespace parakit::study
