#include "parakit/report/reporter.hpp"

#include <memory>

#include <gtest/gtest.h>

#include "parakit/error.hpp"

using namespace parakit::report;

TEST(ParseFormat, accepts_the_three_formats_only) {
  EXPECT_EQ(parse_format("csv"), Format::kCsv);
  EXPECT_THROW(parse_format("xml"), parakit::UsageError);
}

TEST(ParseFormat, names_the_value_and_what_is_accepted) {
  EXPECT_EQ(parse_format("text"), Format::kText);
  EXPECT_EQ(parse_format("json"), Format::kJson);
  try {
    parse_format("JSON");  // case matters: the option's values are lower case
    FAIL() << "JSON accepted";
  } catch (const parakit::UsageError& e) {
    EXPECT_STREQ(e.what(), "--format: 'JSON' is not a format (accepted: text, json, csv)");
  }
}

TEST(MakeReporter, gives_the_reporter_of_each_format) {
  EXPECT_NE(dynamic_cast<TableReporter*>(make_reporter(Format::kText).get()), nullptr);
  EXPECT_NE(dynamic_cast<JsonReporter*>(make_reporter(Format::kJson).get()), nullptr);
  EXPECT_NE(dynamic_cast<CsvReporter*>(make_reporter(Format::kCsv).get()), nullptr);
}
