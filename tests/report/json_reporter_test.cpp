#include "parakit/report/json_reporter.hpp"

#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "report/sample_record.hpp"

using namespace parakit::report;
using parakit::report::test::sample_record;

TEST(JsonReporter, writes_one_object_on_one_line_that_parses_back) {
  std::ostringstream out;
  JsonReporter{}.write(sample_record(), out);
  const std::string text = out.str();
  EXPECT_EQ(text.find('\n'), text.size() - 1);
  EXPECT_EQ(Record::parse(text)["kernel"], "test");
  EXPECT_EQ(Record::parse(text)["result"]["value"], 3.5);
}

TEST(JsonReporter, keeps_doubles_bitwise_and_the_key_order) {
  const double third = 1.0 / 3.0;
  const Record r = {{"z", third}, {"a", 1e-300}};
  std::ostringstream out;
  JsonReporter{}.write(r, out);
  const Record back = Record::parse(out.str());
  EXPECT_EQ(back["z"].get<double>(), third) << "round trip at full precision";
  EXPECT_EQ(back["a"].get<double>(), 1e-300);
  EXPECT_EQ(out.str().find("\"z\""), 1U) << "print order is insertion order: " << out.str();
}
