// What a study checks and adds around its table: the same result in every layout, the same work per core in
// weak scaling, the runs' own warnings, where the ranks ran, the context, and the rows as CSV.

#include "parakit/study/checks.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"
#include "parakit/study/launch.hpp"
#include "parakit/study/record.hpp"
#include "parakit/study/warnings.hpp"

#include "study/run_record.hpp"

namespace parakit::study {
namespace {

Point labelled(Layout layout, double work = 0.0) {
  Point p;
  p.layout = layout;
  p.label = layout_name(layout);
  p.work = work;
  return p;
}

TEST(CheckSameResult, passes_identical_results_and_names_the_first_layout_that_differs) {
  const std::vector<Point> points{labelled({1, 1}), labelled({2, 1}), labelled({4, 1})};
  std::vector<nlohmann::json> records{test::run_record(1, 1, 10, {1.0}, 3.25),
                                      test::run_record(2, 1, 10, {1.0}, 3.25),
                                      test::run_record(4, 1, 10, {1.0}, 3.25)};
  EXPECT_NO_THROW(check_same_result(records, points));
  records[2]["result"]["estimate"] = 3.5;
  EXPECT_EQ(test::message_of<WrongAnswer>([&] { check_same_result(records, points); }),
            "1x1 and 4x1 computed different results for the same work: {\"estimate\":3.25} vs "
            "{\"estimate\":3.5}");
  records[2]["result"] = {{"estimate", std::string(300, 'x')}};
  const std::string long_message = test::message_of<WrongAnswer>([&] { check_same_result(records, points); });
  EXPECT_EQ(long_message.size(),
            std::string("1x1 and 4x1 computed different results for the same work: ").size() +
                std::string("{\"estimate\":3.25}").size() + 4 + 200)
      << "each result is cut at 200 characters";
}

TEST(CheckSameWorkPerCore, accepts_equal_work_per_core_and_refuses_other_work) {
  EXPECT_NO_THROW(
      check_same_work_per_core({labelled({1, 1}, 100), labelled({2, 1}, 200), labelled({2, 2}, 400)}));
  EXPECT_NO_THROW(check_same_work_per_core({labelled({3, 1}, 1e18), labelled({6, 1}, 2e18)}))
      << "within the relative tolerance of the division";
  EXPECT_EQ(
      test::message_of<UsageError>([] {
        check_same_work_per_core({labelled({1, 1}, 100), labelled({2, 1}, 200), labelled({4, 1}, 500)});
      }),
      "--records: weak scaling needs the same work per core, and 1x1 has 100 per core while 4x1 has 125");
}

TEST(RunWarnings, each_once_naming_its_layout_without_oversubscription) {
  const std::vector<Point> points{labelled({1, 1}), labelled({2, 1}), labelled({4, 1})};
  std::vector<nlohmann::json> records{test::run_record(1, 1, 10, {1.0}), test::run_record(2, 1, 10, {1.0}),
                                      test::run_record(4, 1, 10, {1.0})};
  records[0]["warnings"] = {"oversubscribed: 8 threads on 4 cores", "OMP_PLACES is not set"};
  records[1].erase("warnings");
  records[2]["warnings"] = {"threads are not bound"};
  EXPECT_EQ(run_warnings(records, points),
            (std::vector<std::string>{"1x1: OMP_PLACES is not set", "4x1: threads are not bound"}));
  EXPECT_TRUE(run_warnings({}, {}).empty());
}

TEST(BusyWarning, none_on_a_machine_with_more_cores_than_any_load) {
  EXPECT_TRUE(busy_warning(1 << 20).empty()) << "a load average below half a million";
}

TEST(Bindings, every_layouts_ranks_with_host_and_thread_cpus) {
  const std::vector<Point> points{labelled({1, 1}), labelled({2, 1})};
  std::vector<nlohmann::json> records{test::run_record(1, 1, 10, {1.0}), test::run_record(2, 1, 10, {1.0})};
  records[0]["per_rank"] = {{{"rank", 0}, {"host", "a"}, {"pid", 7}, {"thread_cpus", {"0", "1"}}}};
  records[1].erase("per_rank");
  const report::Record all = bindings(records, points);
  EXPECT_EQ(all.dump(), R"([{"layout":"1x1","per_rank":[{"rank":0,"host":"a","thread_cpus":["0","1"]}]},)"
                        R"({"layout":"2x1","per_rank":[]}])");
  EXPECT_EQ(bindings(records, {points[0]}).size(), 1U) << "only points that have a record";
}

TEST(StudyContext, own_command_line_the_runs_mpi_and_every_host_once) {
  std::vector<nlohmann::json> records{test::run_record(1, 1, 10, {1.0}), test::run_record(2, 1, 10, {1.0})};
  records[0]["context"] = {{"mpi_library", "Open MPI 4"}, {"mpi_version", "3.1"}, {"hosts", {"b", "a"}}};
  records[1]["context"] = {
      {"mpi_library", "Open MPI 5"}, {"mpi_thread_level", "funneled"}, {"hosts", {"a", "c"}}};
  const report::Record context = study_context({"parakit", "scale", "strong", "pi"}, records);
  EXPECT_EQ(context["command_line"], "parakit scale strong pi");
  EXPECT_EQ(context["mpi_library"], "Open MPI 5") << "the last run's";
  EXPECT_EQ(context["mpi_version"], "") << "the last run did not say";
  EXPECT_EQ(context["mpi_thread_level"], "funneled");
  EXPECT_EQ(context["hosts"], (report::Record{"b", "a", "c"}));
}

TEST(RowsCsv, the_rows_with_their_columns) {
  report::Record record = {{"study", "scale"}};
  record["rows"] = {{{"cores", 1}, {"median_s", 2.5}}, {{"cores", 2}, {"median_s", 1.25}}};
  EXPECT_EQ(rows_csv(record), "cores,median_s\n1,2.5\n2,1.25\n");
}

TEST(CommandLine, quotes_each_word_for_the_shell) {
  EXPECT_EQ(command_line({"--samples", "1e6", "--name", "a b", "it's"}),
            "--samples 1e6 --name 'a b' 'it'\\''s'");
  EXPECT_EQ(command_line({}), "");
}

}  // namespace
}  // namespace parakit::study
