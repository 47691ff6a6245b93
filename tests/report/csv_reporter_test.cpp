#include "parakit/report/csv_reporter.hpp"

#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "report/sample_record.hpp"

using namespace parakit::report;
using parakit::report::test::sample_record;

TEST(CsvReporter, quotes_a_list_cell_once) {
  Record r = {{"kernel", "k"}, {"warnings", {"a, b", "c"}}};
  std::ostringstream out;
  CsvReporter{}.write(r, out);
  EXPECT_EQ(out.str(), "kernel,warnings\nk,\"a, b;c\"\n");
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

TEST(CsvReporter, writes_a_studys_rows_with_exactly_their_columns) {
  Record r = {{"study", "compare"}, {"kernel", "pi"}};
  r["rows"] = Record::array(
      {{{"layout", "1x2"}, {"median_s", 0.25}, {"note", "a,b"}}, {{"layout", "2x1"}, {"median_s", 0.1}}});
  std::ostringstream out;
  CsvReporter{}.write(r, out);
  // The second row lacks `note`: an empty cell. Doubles at full precision (%.17g).
  EXPECT_EQ(out.str(), "layout,median_s,note\n1x2,0.25,\"a,b\"\n2x1,0.10000000000000001,\n");
}

TEST(CsvReporter, one_row_when_there_are_no_tasks_and_nested_objects_become_dotted_columns) {
  Record r = {{"kernel", "k"}, {"empty", nullptr}, {"timing", {{"median_s", 0.5}, {"n", 3}}}};
  std::ostringstream out;
  CsvReporter{}.write(r, out);
  EXPECT_EQ(out.str(), "kernel,empty,timing.median_s,timing.n\nk,,0.5,3\n");
}
