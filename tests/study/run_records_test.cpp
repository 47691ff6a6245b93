// Reading the run records of `parakit scale --records DIR`: what is taken, in which order, and every refusal.

#include "parakit/study/run_records.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"
#include "parakit/study/kernel.hpp"
#include "parakit/study/point.hpp"

#include "study/run_record.hpp"

namespace parakit::study {
namespace {

const StudyKernel& pi_kernel() {
  return *find_kernel("pi");
}

std::string refusal(const std::string& dir) {
  return test::message_of<UsageError>([&] { read_run_records(dir, pi_kernel()); });
}

TEST(ReadRunRecords, takes_every_run_record_sorted_by_cores_and_skips_study_records) {
  test::ScratchDir dir("parakit_run_records_ok");
  dir.write("a.json", test::run_record(4, 1, 400, {1.0}).dump());
  dir.write("b.json", test::run_record(1, 1, 100, {1.0}).dump());
  dir.write("c.json", test::run_record(1, 2, 200, {1.0}).dump());
  dir.write("study.json", nlohmann::json{{"schema", "parakit.scale/1"}}.dump());
  dir.write("compare.json", nlohmann::json{{"schema", "parakit.compare/1"}}.dump());
  dir.write("notes.txt", "not a record, and not *.json");
  const std::vector<nlohmann::json> records = read_run_records(dir.str(), pi_kernel());
  ASSERT_EQ(records.size(), 3U);
  EXPECT_EQ(records[0]["samples"], 100);
  EXPECT_EQ(records[1]["samples"], 200);
  EXPECT_EQ(records[2]["samples"], 400);
}

TEST(ReadRunRecords, refuses_what_is_not_a_directory_of_run_records_of_the_kernel) {
  test::ScratchDir dir("parakit_run_records_refused");
  EXPECT_EQ(refusal(dir.str() + "/missing"), "--records: '" + dir.str() +
                                                 "/missing' is not a directory (accepted: a directory of run "
                                                 "records)");
  EXPECT_EQ(refusal(dir.str()),
            "--records: no *.json in '" + dir.str() + "' (accepted: run records written with --format json)");
  dir.write("scale.json", nlohmann::json{{"schema", "parakit.scale/1"}}.dump());
  EXPECT_EQ(refusal(dir.str()), "--records: no run records in '" + dir.str() +
                                    "' (accepted: runs written with --json or --format json)");
  dir.write("b.json", "{ not json");
  const std::string bad =
      "--records: " + dir.str() +
      "/b.json is not a parakit run record (accepted: the JSON of a run with --format json)";
  EXPECT_EQ(refusal(dir.str()), bad);
  dir.write("b.json", nlohmann::json{{"schema", "parakit.run/1"}, {"timing", {{"median_s", 1.0}}}}.dump());
  EXPECT_EQ(refusal(dir.str()), bad) << "no timing.times_s";
  dir.write("b.json", nlohmann::json::array({1, 2}).dump());
  EXPECT_EQ(refusal(dir.str()), bad) << "not an object";
  dir.write("b.json", test::run_record(1, 1, 100, {1.0}, 3.0, "stats").dump());
  EXPECT_EQ(refusal(dir.str()), "--records: " + dir.str() + "/b.json is a run of stats, not pi");
  dir.write("b.json", test::run_record(2, 1, 100, {1.0}).dump());
  dir.write("c.json", test::run_record(1, 2, 100, {1.0}).dump());
  EXPECT_EQ(refusal(dir.str()),
            "--records: two records in '" + dir.str() + "' ran on 2 cores (accepted: one per core count)");
}

std::vector<Point> points_of(const std::vector<Layout>& layouts) {
  std::vector<Point> points;
  for (const Layout& layout : layouts) {
    Point p;
    p.layout = layout;
    points.push_back(p);
  }
  return points;
}

TEST(RecordsMode, processes_threads_or_hybrid) {
  EXPECT_EQ(records_mode(points_of({{1, 1}, {2, 1}, {4, 1}})), "processes");
  EXPECT_EQ(records_mode(points_of({{1, 1}, {1, 2}, {1, 4}})), "threads");
  EXPECT_EQ(records_mode(points_of({{1, 1}})), "processes") << "1x1 is both: processes first";
  EXPECT_EQ(records_mode(points_of({{1, 1}, {2, 2}})), "hybrid");
  EXPECT_EQ(records_mode(points_of({{2, 1}, {1, 2}})), "hybrid");
}

}  // namespace
}  // namespace parakit::study
