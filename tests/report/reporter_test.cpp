#include "parakit/report/reporter.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parakit/error.hpp"

using namespace parakit::report;
namespace fs = std::filesystem;

namespace {

Record sample_record() {
  parakit::report::RunStats stats;
  stats.ranks = 2;
  stats.threads_per_rank = 2;
  stats.times_s = {0.4, 0.1, 0.2};
  stats.phases = {{0.0, 0.01, 0.3, 0.09, 0.4}, {0.0, 0.01, 0.05, 0.04, 0.1}, {0.0, 0.02, 0.1, 0.08, 0.2}};
  stats.imbalance = {1.0, 1.5, 1.2};
  stats.per_rank = {{0, "a", 10, 2, "0-1", {}, 4, 0.1}, {1, "b", 11, 2, "2-3", {}, 4, 0.1}};
  Record r = {{"schema", kSchema}, {"kernel", "test"}, {"ranks", 2}, {"threads_per_rank", 2}, {"seed", 1}};
  r["result"] = {
      {"value", 3.5},
      {"tasks", Record::array({{{"task", 0}, {"label", "a,\"b\""}}, {{"task", 1}, {"label", "c"}}})}};
  add_run_report(r, stats, 800.0, "units", {{"parakit", "test"}, "MPI lib", "3.1", "funneled"});
  return r;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

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

TEST(LayoutWarnings, name_each_host_whose_ranks_run_more_threads_than_their_cpus) {
  parakit::report::RunStats stats;
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

TEST(CsvReporter, quotes_a_list_cell_once) {
  Record r = {{"kernel", "k"}, {"warnings", {"a, b", "c"}}};
  std::ostringstream out;
  CsvReporter{}.write(r, out);
  EXPECT_EQ(out.str(), "kernel,warnings\nk,\"a, b;c\"\n");
}

TEST(JsonReporter, writes_one_object_on_one_line_that_parses_back) {
  std::ostringstream out;
  JsonReporter{}.write(sample_record(), out);
  const std::string text = out.str();
  EXPECT_EQ(text.find('\n'), text.size() - 1);
  EXPECT_EQ(Record::parse(text)["kernel"], "test");
  EXPECT_EQ(Record::parse(text)["result"]["value"], 3.5);
}

TEST(CsvReporter, writes_a_header_and_one_quoted_row_per_task) {
  std::ostringstream out;
  CsvReporter{}.write(sample_record(), out);
  std::istringstream lines(out.str());
  std::string header, row0, row1, extra;
  std::getline(lines, header);
  std::getline(lines, row0);
  std::getline(lines, row1);
  EXPECT_FALSE(std::getline(lines, extra));
  EXPECT_TRUE(header.starts_with("task.task,task.label,schema,kernel,"));
  EXPECT_NE(header.find(",timing.median_s,"), std::string::npos);
  EXPECT_NE(header.find(",context.hosts,"), std::string::npos);
  EXPECT_TRUE(row0.starts_with("0,\"a,\"\"b\"\"\",parakit.run/1,test,")) << row0;
  EXPECT_TRUE(row1.starts_with("1,c,")) << row1;
  EXPECT_NE(row0.find(",a;b,"), std::string::npos) << "hosts joined with ';'";
}

TEST(TableReporter, shows_rates_as_rates_and_times_with_units) {
  Record r = {{"kernel", "k"}, {"ranks", 1}, {"threads_per_rank", 1}};
  r["result"] = {{"bytes_per_s", 2.5e9}, {"wait_s", 0.0015}};
  std::ostringstream out;
  TableReporter{}.write(r, out);
  EXPECT_NE(out.str().find("bytes_per_s 2.5e+09/s"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("wait_s 1.500 ms"), std::string::npos) << out.str();
}

TEST(TableReporter, shows_the_result_timing_and_ranks) {
  std::ostringstream out;
  TableReporter{}.write(sample_record(), out);
  const std::string text = out.str();
  EXPECT_TRUE(text.starts_with("parakit test: 2 ranks x 2 threads, seed 1\n")) << text;
  EXPECT_NE(text.find("median_s 200.000 ms"), std::string::npos) << text;
  EXPECT_NE(text.find("throughput  4000 units/s"), std::string::npos) << text;
}

TEST(WriteFileAtomically, follows_links_keeps_modes_writes_fifos_in_place_and_refuses_read_only_files) {
  const fs::path dir = fs::temp_directory_path() / ("parakit_reporter_kinds_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // A link to a file: the target gets the content, the link stays a link.
  std::ofstream(dir / "target") << "old";
  fs::permissions(dir / "target", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  fs::create_symlink("target", dir / "link");
  write_file_atomically((dir / "link").string(), "new");
  EXPECT_TRUE(fs::is_symlink(dir / "link"));
  EXPECT_EQ(read_file(dir / "target"), "new");
  EXPECT_EQ(fs::status(dir / "target").permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read)
      << "an existing file keeps its permissions";
  // A FIFO is written in place, not replaced by a regular file.
  const fs::path fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = read_file(fifo); });
  write_file_atomically(fifo.string(), "through the pipe");
  reader.join();
  EXPECT_EQ(received, "through the pipe");
  EXPECT_TRUE(fs::is_fifo(fifo));
  // A file without write permission is refused up front, even for root.
  std::ofstream(dir / "protected") << "keep";
  fs::permissions(dir / "protected", fs::perms::owner_read);
  EXPECT_THROW(check_writable((dir / "protected").string()), parakit::UsageError);
  fs::remove_all(dir);
}

TEST(ParseFormat, accepts_the_three_formats_only) {
  EXPECT_EQ(parse_format("csv"), Format::kCsv);
  EXPECT_THROW(parse_format("xml"), parakit::UsageError);
}

TEST(WriteFileAtomically, writes_whole_files_and_refuses_unwritable_places) {
  const fs::path dir = fs::temp_directory_path() / ("parakit_reporter_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path target = dir / "out.json";
  write_file_atomically(target.string(), "first");
  write_file_atomically(target.string(), "second");
  EXPECT_EQ(read_file(target), "second");
  EXPECT_THROW(check_writable((dir / "missing" / "x").string()), parakit::UsageError);
  EXPECT_THROW(check_writable(dir.string()), parakit::UsageError);
  EXPECT_NO_THROW(check_writable(target.string()));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1) << "no temporary left";
  fs::remove_all(dir);
}

TEST(WriteFileAtomically, a_failed_rename_leaves_the_target_as_it_was_and_no_temporary) {
  const fs::path dir = fs::temp_directory_path() / ("parakit_reporter_fail_" + std::to_string(::getpid()));
  const fs::path target = dir / "taken";  // a non-empty directory: rename(file, target) must fail
  fs::create_directories(target);
  std::ofstream(target / "keep") << "old";
  EXPECT_THROW(write_file_atomically(target.string(), "new"), parakit::Error);
  EXPECT_EQ(read_file(target / "keep"), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1) << "no temporary left";
  // After a run, an output that vanished is a runtime failure (exit 1), not a usage error.
  EXPECT_THROW(write_file_atomically((dir / "missing" / "x").string(), "new"), parakit::Error);
  fs::remove_all(dir);
}
