#include "parakit/parse.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "parakit/error.hpp"

using parakit::parse_count;
using parakit::parse_count_list;
using parakit::UsageError;
namespace fs = std::filesystem;

namespace {
constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

std::string message_of(const char* text) {
  try {
    parse_count(text, "--samples", kMax);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(ParseCount, reads_digits_and_exact_scientific_notation) {
  EXPECT_EQ(parse_count("100000", "--samples", kMax), 100000U);
  EXPECT_EQ(parse_count("2e10", "--samples", kMax), 20'000'000'000U);
  EXPECT_EQ(parse_count("3.2e6", "--samples", kMax), 3'200'000U);
  EXPECT_EQ(parse_count("1E5", "--samples", kMax), 100'000U);
  EXPECT_EQ(parse_count("+7", "--samples", kMax), 7U);
  EXPECT_EQ(parse_count("2.50e1", "--samples", kMax), 25U);
  EXPECT_EQ(parse_count("1234567890123456789", "--samples", kMax), 1234567890123456789U);
  EXPECT_EQ(parse_count("9223372036854775807", "--samples", kMax), kMax);
  EXPECT_EQ(parse_count("9.223372036854775807e18", "--samples", kMax), kMax);
  EXPECT_EQ(parse_count("000012", "--samples", kMax), 12U);
}

TEST(ParseCount, rejects_what_is_not_a_positive_whole_number_in_range) {
  for (const char* bad : {"", "abc", "-5", "0", "0e3", "1.5", "2.5e-1", "1e30", "9223372036854775808", "1e",
                          "e5", "1,5", "3.2.1", "12abc", " 5", "1e999999999999", "0x10"}) {
    EXPECT_THROW(parse_count(bad, "--samples", kMax), UsageError) << "'" << bad << "'";
  }
}

TEST(ParseCount, messages_name_the_option_the_value_and_what_is_accepted) {
  EXPECT_EQ(
      message_of("-5"),
      "--samples: '-5' is negative (accepted: a whole number from 1 to 9223372036854775807, as digits or "
      "like 2e10 or 3.2e6; a list separated by commas)");
  EXPECT_NE(message_of("abc").find("'abc' is not a number"), std::string::npos);
  EXPECT_NE(message_of("1e30").find("'1e30' is too large"), std::string::npos);
  EXPECT_NE(message_of("1.5").find("'1.5' is not a whole number"), std::string::npos);
}

TEST(ParseCountList, reads_one_task_per_entry) {
  EXPECT_EQ(parse_count_list("1e5,3.2e6", "--samples", kMax),
            (std::vector<std::uint64_t>{100'000, 3'200'000}));
  EXPECT_EQ(parse_count_list("8", "--samples", kMax), (std::vector<std::uint64_t>{8}));
  EXPECT_THROW(parse_count_list("1e5,", "--samples", kMax), UsageError);
  EXPECT_THROW(parse_count_list(",1", "--samples", kMax), UsageError);
  EXPECT_THROW(parse_count_list("1,,2", "--samples", kMax), UsageError);
}

TEST(ReadTaskFile, one_task_per_line_blank_lines_skipped_line_numbers_kept) {
  const auto path = fs::temp_directory_path() / ("parakit_tasks_" + std::to_string(::getpid()));
  std::ofstream(path) << "first task\r\n\n   \nsecond\tone\nlast";
  const auto tasks = parakit::read_task_file(path.string(), "--tasks");
  ASSERT_EQ(tasks.size(), 3U);
  EXPECT_EQ(tasks[0].text, "first task");
  EXPECT_EQ(tasks[0].line, 1U);
  EXPECT_EQ(tasks[1].text, "second\tone");
  EXPECT_EQ(tasks[1].line, 4U);
  EXPECT_EQ(tasks[2].text, "last");
  EXPECT_EQ(tasks[2].line, 5U);

  const auto message = [](const std::string& p) {
    try {
      parakit::read_task_file(p, "--tasks");
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  std::ofstream(path) << "\n  \n";
  EXPECT_NE(message(path.string()).find("no tasks in the file"), std::string::npos);
  fs::remove(path);
  EXPECT_NE(message(path.string()).find("--tasks @" + path.string() + ": No such file"), std::string::npos)
      << message(path.string());
  EXPECT_NE(message(fs::temp_directory_path().string()).find("not a regular file"), std::string::npos);
}

TEST(ParseGrid, reads_rows_x_cols_each_a_count) {
  EXPECT_EQ(parakit::parse_grid("8192x8192", "--grid"), (parakit::kernels::heat::GridSize{8192, 8192}));
  EXPECT_EQ(parakit::parse_grid("1e3X500", "--grid"), (parakit::kernels::heat::GridSize{1000, 500}));
  EXPECT_EQ(parakit::parse_grid("1x1", "--grid"), (parakit::kernels::heat::GridSize{1, 1}));
}

TEST(ParseGrid, rejects_what_is_not_two_sides_in_range_with_one_line) {
  for (const char* bad :
       {"", "100", "0x5", "5x0", "5x", "x5", "5x5x5", "-3x4", "2.5x4", "2147483648x1", "2000000x2000000"}) {
    try {
      parakit::parse_grid(bad, "--grid");
      ADD_FAILURE() << bad;
    } catch (const parakit::UsageError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind("--grid: '" + std::string(bad) + "'", 0), 0U) << what;
      EXPECT_NE(what.find("accepted: ROWSxCOLS"), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos);
    }
  }
}

TEST(ParseHeatNames, boundaries_and_initial_fields_by_name_else_the_accepted_names) {
  EXPECT_EQ(parakit::parse_boundary("periodic", "--bc"), parakit::kernels::heat::Boundary::kPeriodic);
  EXPECT_EQ(parakit::parse_init("random", "--init"), parakit::kernels::heat::Init::kRandom);
  EXPECT_THROW(parakit::parse_boundary("open", "--bc"), parakit::UsageError);
  try {
    parakit::parse_init("Sine", "--init");
    ADD_FAILURE();
  } catch (const parakit::UsageError& e) {
    EXPECT_STREQ(e.what(), "--init: 'Sine' is not an initial field (accepted: hotspot, random, sine)");
  }
}
