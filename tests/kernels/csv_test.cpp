#include "parakit/kernels/csv.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"

using parakit::kernels::csv::BadLine;
using parakit::kernels::csv::ColumnSpec;
using parakit::kernels::csv::count_lines;
using parakit::kernels::csv::Dialect;
using parakit::kernels::csv::is_missing_marker;
using parakit::kernels::csv::next_line_start;
using parakit::kernels::csv::parse_column;
using parakit::kernels::csv::ParsedColumn;
using parakit::kernels::csv::split_fields;

namespace {

ParsedColumn parse(std::string_view text, std::size_t column, std::size_t fields = 0, bool skip_bad = false,
                   char sep = ',') {
  return parse_column(text, Dialect{sep}, ColumnSpec{column, fields, skip_bad});
}

}  // namespace

TEST(CsvParse, takes_the_wanted_column_of_every_line) {
  const std::string_view text = "1,2.5,-3\n4,5e-3,6\n7,-0.125,9\n";
  const ParsedColumn c = parse(text, 1);
  EXPECT_EQ(c.values, (std::vector<double>{2.5, 5e-3, -0.125}));
  EXPECT_EQ(c.lines, 3U);
  EXPECT_EQ(c.missing, 0U);
  EXPECT_EQ(c.skipped, 0U);
  EXPECT_FALSE(c.error.has_value());
  EXPECT_EQ(parse(text, 0).values, (std::vector<double>{1, 4, 7}));
  EXPECT_EQ(parse(text, 2).values, (std::vector<double>{-3, 6, 9}));
}

TEST(CsvParse, a_header_line_is_the_callers_business) {
  // The caller splits off the header with next_line_start and parses the rest.
  const std::string_view text = "id,value\n1,0.5\n2,1.5\n";
  EXPECT_EQ(split_fields(text.substr(0, next_line_start(text, 1)), Dialect{}),
            (std::vector<std::string>{"id", "value"}));
  const ParsedColumn c = parse(text.substr(next_line_start(text, 1)), 1, 2);
  EXPECT_EQ(c.values, (std::vector<double>{0.5, 1.5}));
  EXPECT_EQ(c.lines, 2U);
  // Parsed as data, the header is a bad line 0.
  const ParsedColumn whole = parse(text, 1, 2);
  ASSERT_TRUE(whole.error.has_value());
  EXPECT_EQ(whole.error->line, 0U);
  EXPECT_EQ(whole.error->message, "'value' is not a number");
}

TEST(CsvParse, other_separators) {
  EXPECT_EQ(parse("1;2.5\n3;4.5\n", 1, 2, false, ';').values, (std::vector<double>{2.5, 4.5}));
  EXPECT_EQ(parse("1\t2.5\n3\t4.5\n", 1, 2, false, '\t').values, (std::vector<double>{2.5, 4.5}));
  // A comma is text under another separator.
  const ParsedColumn c = parse("1,5;2\n", 0, 0, false, ';');
  ASSERT_TRUE(c.error.has_value());
  EXPECT_EQ(c.error->message, "'1,5' is not a number");
}

TEST(CsvParse, quoted_fields_hold_separators_and_doubled_quotes) {
  const std::string_view text =
      "\"a,b\",\"3.5\",x\n"
      "\"say \"\"hi\"\"\",-1,y\n"
      "plain,\"2e3\" ,\"z,\"\"\"\n";
  const ParsedColumn c = parse(text, 1, 3);
  EXPECT_EQ(c.values, (std::vector<double>{3.5, -1, 2e3}));
  EXPECT_EQ(c.lines, 3U);
  EXPECT_FALSE(c.error.has_value());
  EXPECT_EQ(split_fields("\"a,b\",\"say \"\"hi\"\"\", c ,\"\"", Dialect{}),
            (std::vector<std::string>{"a,b", "say \"hi\"", " c ", ""}));
}

TEST(CsvParse, a_quote_after_the_wanted_column_still_counts_the_fields_right) {
  const ParsedColumn c = parse("1.5,\"a,b\",c\n2.5,\"d\",\"e,f\"\n", 0, 3);
  EXPECT_EQ(c.values, (std::vector<double>{1.5, 2.5}));
  EXPECT_FALSE(c.error.has_value());
}

TEST(CsvParse, a_quote_inside_a_field_or_text_after_a_closing_quote_is_text) {
  const ParsedColumn inside = parse("1,2\"3\n", 1);
  ASSERT_TRUE(inside.error.has_value());
  EXPECT_EQ(inside.error->message, "'2\"3' is not a number");
  const ParsedColumn after = parse("1,\"3\"x\n", 1);
  ASSERT_TRUE(after.error.has_value());
  EXPECT_EQ(after.error->message, "'3x' is not a number");
}

// pandas.read_csv and Python's csv module (their default, skipinitialspace=False; pandas 1.5.3, Python
// 3.11) open a quoted field only at its first byte: they read '\t"n,44",-1.08' as the three fields
// '\t"n', '44"' and '-1.08', and '1, "2' as '1' and ' "2' (no open quote). So does parakit, whole or in
// chunks.
TEST(CsvParse, a_quote_after_a_blank_is_text_as_pandas_reads_it) {
  const std::string_view text = "\t\"n,44\",-1.08\n \"7\",2,3\n";
  const ParsedColumn y = parse(text, 2, 3);
  EXPECT_EQ(y.values, (std::vector<double>{-1.08, 3}));
  EXPECT_FALSE(y.error.has_value());
  const ParsedColumn x = parse(text, 1, 3);
  ASSERT_TRUE(x.error.has_value());
  EXPECT_EQ(x.error->line, 0U);
  EXPECT_EQ(x.error->field, 1U);
  EXPECT_EQ(x.error->message, "'44\"' is not a number");
  const ParsedColumn first = parse(text.substr(next_line_start(text, 1)), 0, 3);
  ASSERT_TRUE(first.error.has_value());
  EXPECT_EQ(first.error->message, "'\"7\"' is not a number") << "' \"7\"' is text, trimmed";
  // The blank turns the line into more fields than the header's: a ragged line, as pandas finds it.
  const ParsedColumn ragged = parse("a,1\n\t\"n,44\",-1.08\n", 1, 2);
  ASSERT_TRUE(ragged.error.has_value());
  EXPECT_EQ(ragged.error->line, 1U);
  EXPECT_EQ(ragged.error->field, 2U);
  EXPECT_EQ(ragged.error->message, "3 fields, expected 2");
  // No open quote after a blank, so no unterminated one either; skip_bad counts the line as any other.
  const ParsedColumn open = parse("1, \"2\n3,4\n", 1, 2);
  ASSERT_TRUE(open.error.has_value());
  EXPECT_EQ(open.error->message, "'\"2' is not a number");
  EXPECT_EQ(parse("1, \"2\n3,4\n", 1, 2, true).skipped, 1U);
  // A tab that is the separator is no blank: the quote starts the next field.
  EXPECT_EQ(parse("1\t\"2.5\"\n", 1, 2, false, '\t').values, (std::vector<double>{2.5}));
  EXPECT_EQ(split_fields("\t\"n,44\",-1.08", Dialect{}),
            (std::vector<std::string>{"\t\"n", "44\"", "-1.08"}));
  EXPECT_EQ(split_fields(" \"a\",\"b\"", Dialect{}), (std::vector<std::string>{" \"a\"", "b"}));
  // Ranks and threads parse pieces that start at line starts: the second line alone reads the same.
  const std::string_view second = text.substr(next_line_start(text, 1));
  EXPECT_EQ(parse(second, 2, 3).values, (std::vector<double>{3}));
}

TEST(CsvParse, control_bytes_and_a_nul_of_a_field_are_escaped_in_the_message) {
  const std::string text("1,a\0b\x1b[31m\a\x7f\n", 13);
  const ParsedColumn c = parse(text, 1);
  ASSERT_TRUE(c.error.has_value());
  EXPECT_EQ(c.error->message, "'a\\x00b\\x1b[31m\\x07\\x7f' is not a number");
  const ParsedColumn tab = parse("1\t\"2\t3\"\n", 1, 2, false, '\t');
  ASSERT_TRUE(tab.error.has_value());
  EXPECT_EQ(tab.error->message, "'2\\t3' is not a number");
}

TEST(CsvParse, an_unterminated_quote_is_a_bad_line) {
  const std::string_view text = "1,2\n3,\"4\n5,6\n";
  const ParsedColumn stop = parse(text, 1);
  EXPECT_EQ(stop.values, (std::vector<double>{2}));
  EXPECT_EQ(stop.lines, 2U);
  ASSERT_TRUE(stop.error.has_value());
  EXPECT_EQ(stop.error->line, 1U);
  EXPECT_EQ(stop.error->field, 1U);
  EXPECT_EQ(stop.error->message, "unterminated quote");
  // The quote does not run on into the next line.
  const ParsedColumn skip = parse(text, 1, 0, true);
  EXPECT_EQ(skip.values, (std::vector<double>{2, 6}));
  EXPECT_EQ(skip.skipped, 1U);
  EXPECT_EQ(skip.lines, 3U);
  EXPECT_FALSE(skip.error.has_value());
}

TEST(CsvParse, crlf_line_ends_are_dropped) {
  const ParsedColumn c = parse("1,2.5\r\n3,4.5\r\n5,6.5", 1, 2);
  EXPECT_EQ(c.values, (std::vector<double>{2.5, 4.5, 6.5}));
  EXPECT_EQ(c.lines, 3U);
  EXPECT_FALSE(c.error.has_value());
  EXPECT_EQ(parse("\"1\",\"2.5\"\r\n", 1, 2).values, (std::vector<double>{2.5}));
  EXPECT_EQ(split_fields("a,b\r\n", Dialect{}), (std::vector<std::string>{"a", "b"}));
}

TEST(CsvParse, missing_markers_become_nan_and_are_counted) {
  const std::vector<std::string_view> markers = {"",     "NA",   "NaN",  "nan",  "N/A",  "n/a",
                                                 "NULL", "null", "<NA>", "#N/A", "-NaN", "-nan"};
  std::string text;
  for (const std::string_view m : markers)
    text += "1," + std::string(m) + ",2\n";
  text += "1,\"NA\",2\n1,  NA ,2\n1,7,2\n";
  const ParsedColumn c = parse(text, 1, 3);
  ASSERT_FALSE(c.error.has_value()) << c.error->message;
  ASSERT_EQ(c.values.size(), markers.size() + 3);
  for (std::size_t i = 0; i + 1 < c.values.size(); ++i)
    EXPECT_TRUE(std::isnan(c.values[i])) << i;
  EXPECT_EQ(c.values.back(), 7.0);
  EXPECT_EQ(c.missing, markers.size() + 2);
  for (const std::string_view m : markers)
    EXPECT_TRUE(is_missing_marker(m)) << m;
  // Other spellings fast_float reads as NaN are missing too (not errors), with the sign dropped.
  const ParsedColumn other = parse("NAN\nnan(1)\n+nan\n", 0);
  ASSERT_EQ(other.values.size(), 3U);
  EXPECT_EQ(other.missing, 3U);
  for (const double v : other.values)
    EXPECT_TRUE(std::isnan(v) && !std::signbit(v));
  EXPECT_FALSE(is_missing_marker("0"));
  EXPECT_FALSE(is_missing_marker("na"));
}

TEST(CsvParse, a_missing_last_field_on_a_line) {
  const ParsedColumn c = parse("1,\n2,3\n", 1, 2);
  ASSERT_EQ(c.values.size(), 2U);
  EXPECT_TRUE(std::isnan(c.values[0]));
  EXPECT_EQ(c.values[1], 3.0);
  EXPECT_EQ(c.missing, 1U);
}

TEST(CsvParse, spaces_and_tabs_around_numbers_are_trimmed) {
  const ParsedColumn c = parse("1,  2.5 ,3\n4,\t-0.75\t,6\n7,\" 8.25 \" ,9\n", 1, 3);
  EXPECT_EQ(c.values, (std::vector<double>{2.5, -0.75, 8.25}));
  EXPECT_FALSE(c.error.has_value());
}

TEST(CsvParse, a_leading_plus_sign_is_accepted_once) {
  EXPECT_EQ(parse("+3\n+0.5\n+1e2\n", 0).values, (std::vector<double>{3, 0.5, 100}));
  for (const std::string_view bad : {"+\n", "+-1\n", "++1\n", "-+1\n"}) {
    const ParsedColumn c = parse(bad, 0);
    ASSERT_TRUE(c.error.has_value()) << bad;
    std::string expected = "'";  // built with += : GCC 12 warns falsely (-Wrestrict) on "'" + std::string
    expected += bad.substr(0, bad.size() - 1);
    expected += "' is not a number";
    EXPECT_EQ(c.error->message, expected);
  }
}

TEST(CsvParse, infinities_and_exponents) {
  const ParsedColumn c = parse("inf\n-inf\n+inf\nInfinity\n1e-3\n1E3\n.5\n1e400\n", 0);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(c.values, (std::vector<double>{kInf, -kInf, kInf, kInf, 1e-3, 1e3, 0.5, kInf}));
  EXPECT_EQ(c.missing, 0U);
  EXPECT_FALSE(c.error.has_value());
}

TEST(CsvParse, the_whole_field_must_be_a_number) {
  for (const std::string_view bad : {"1.5x", "1 2", "1e", "0x10", "abc", "--1", "1,5"}) {
    const ParsedColumn c = parse_column(std::string(bad) + "\n", Dialect{';'}, ColumnSpec{});
    ASSERT_TRUE(c.error.has_value()) << bad;
    std::string expected = "'";
    expected += bad;
    expected += "' is not a number";
    EXPECT_EQ(c.error->message, expected);
  }
}

TEST(CsvParse, empty_and_blank_lines_are_skipped_but_counted) {
  const ParsedColumn c = parse("\n1,2\n\r\n\n   \n3,4\n\t\n", 1, 2);
  EXPECT_EQ(c.values, (std::vector<double>{2, 4}));
  EXPECT_EQ(c.lines, 7U);
  EXPECT_EQ(c.missing, 0U);
  EXPECT_EQ(c.skipped, 0U);
  EXPECT_FALSE(c.error.has_value());
  // Line numbers of later errors still count the blank lines.
  const ParsedColumn bad = parse("\n\n1,x\n", 1);
  ASSERT_TRUE(bad.error.has_value());
  EXPECT_EQ(bad.error->line, 2U);
}

TEST(CsvParse, a_line_of_separators_is_not_blank) {
  const ParsedColumn c = parse(",\n", 1, 2);
  ASSERT_EQ(c.values.size(), 1U);
  EXPECT_TRUE(std::isnan(c.values[0]));
  // Under a tab separator, a line of tabs is empty fields.
  EXPECT_EQ(parse("\t\n", 1, 2, false, '\t').missing, 1U);
}

TEST(CsvParse, a_ragged_line_stops_parsing_without_skip_bad) {
  const ParsedColumn few = parse("1,2,3,4\n5,6,7\n8,9,10,11\n", 1, 4);
  EXPECT_EQ(few.lines, 2U);
  ASSERT_TRUE(few.error.has_value());
  EXPECT_EQ(few.error->line, 1U);
  EXPECT_EQ(few.error->field, 3U);  // the first missing field
  EXPECT_EQ(few.error->message, "3 fields, expected 4");

  const ParsedColumn many = parse("1,2\n3,4,5,6\n", 0, 2);
  ASSERT_TRUE(many.error.has_value());
  EXPECT_EQ(many.error->line, 1U);
  EXPECT_EQ(many.error->field, 2U);  // the first extra field
  EXPECT_EQ(many.error->message, "4 fields, expected 2");
}

TEST(CsvParse, a_ragged_line_is_skipped_with_skip_bad) {
  const ParsedColumn c = parse("1,2,3\n4,5\n6,7,8,9\n10,11,12", 1, 3, true);
  EXPECT_EQ(c.values, (std::vector<double>{2, 11}));
  EXPECT_EQ(c.lines, 4U);
  EXPECT_EQ(c.skipped, 2U);
  EXPECT_FALSE(c.error.has_value());
}

TEST(CsvParse, too_few_fields_for_the_column_when_the_count_is_not_checked) {
  const ParsedColumn stop = parse("1,2,3\n4\n", 2);
  ASSERT_TRUE(stop.error.has_value());
  EXPECT_EQ(stop.error->line, 1U);
  EXPECT_EQ(stop.error->field, 1U);
  EXPECT_EQ(stop.error->message, "1 fields, expected at least 3");
  const ParsedColumn skip = parse("1,2,3\n4\n5,6,7,8\n", 2, 0, true);
  EXPECT_EQ(skip.values, (std::vector<double>{3, 7}));
  EXPECT_EQ(skip.skipped, 1U);
}

TEST(CsvParse, a_non_numeric_field_stops_parsing_without_skip_bad) {
  const ParsedColumn c = parse("1,2\n3,abc\n5,6\n", 1, 2);
  EXPECT_EQ(c.lines, 2U);
  ASSERT_TRUE(c.error.has_value());
  EXPECT_EQ(c.error->line, 1U);
  EXPECT_EQ(c.error->field, 1U);
  EXPECT_EQ(c.error->message, "'abc' is not a number");
}

TEST(CsvParse, a_long_non_numeric_field_is_shortened_in_the_message) {
  const std::string word(50, 'w');
  const ParsedColumn c = parse(word + "\n", 0);
  ASSERT_TRUE(c.error.has_value());
  EXPECT_EQ(c.error->message, "'" + word.substr(0, 40) + "'... is not a number");
}

TEST(CsvParse, a_non_numeric_field_is_skipped_with_skip_bad) {
  const ParsedColumn c = parse("1,2\n3,abc\n5,6\n7,\"x\"\n", 1, 2, true);
  EXPECT_EQ(c.values, (std::vector<double>{2, 6}));
  EXPECT_EQ(c.lines, 4U);
  EXPECT_EQ(c.skipped, 2U);
  EXPECT_EQ(c.missing, 0U);
  EXPECT_FALSE(c.error.has_value());
}

TEST(CsvParse, the_last_line_may_lack_its_newline) {
  const ParsedColumn c = parse("1,2\n3,4", 1);
  EXPECT_EQ(c.values, (std::vector<double>{2, 4}));
  EXPECT_EQ(c.lines, 2U);
  EXPECT_EQ(parse("3,4\r", 1).values, (std::vector<double>{4}));
  EXPECT_EQ(parse("3,\"4\"", 1).values, (std::vector<double>{4}));
}

TEST(CsvParse, empty_text_gives_nothing) {
  const ParsedColumn c = parse("", 0);
  EXPECT_TRUE(c.values.empty());
  EXPECT_EQ(c.lines, 0U);
  EXPECT_FALSE(c.error.has_value());
}

TEST(CsvParse, long_lines_cross_the_scanner_blocks) {
  // Fields and lines longer than the 64-byte scan blocks, and a quote far into a line.
  std::string text;
  std::vector<double> expected;
  for (int i = 0; i < 300; ++i) {
    const std::string pad(static_cast<std::size_t>(i % 97), ' ');
    text += pad + std::to_string(i) + pad + "," + std::to_string(i) + ".25" + pad + ",";
    text += (i % 7 == 0 ? "\"" + pad + "q,q\"" : pad + "z");
    text += "\n";
    expected.push_back(i + 0.25);
  }
  const ParsedColumn c = parse(text, 1, 3);
  ASSERT_FALSE(c.error.has_value()) << c.error->message;
  EXPECT_EQ(c.values, expected);
  EXPECT_EQ(c.lines, 300U);
}

TEST(CsvParse, rejects_an_impossible_spec) {
  EXPECT_THROW(parse("1,2\n", 2, 2), parakit::Error);
  EXPECT_THROW(parse("1,2\n", 0, 0, false, '"'), parakit::Error);
  EXPECT_THROW(parse("1,2\n", 0, 0, false, '\n'), parakit::Error);
}

TEST(CsvSplitFields, splits_the_header) {
  EXPECT_EQ(split_fields("a,b,,c", Dialect{}), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(split_fields("x;y\n", Dialect{';'}), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(split_fields("", Dialect{}), (std::vector<std::string>{""}));
}

TEST(CsvSplitFields, throws_on_an_unterminated_quote) {
  EXPECT_THROW(split_fields("a,\"b", Dialect{}), parakit::UsageError);
  try {
    split_fields(std::string("a,\"b\0\x1b[2J", 9), Dialect{});
    FAIL() << "an unterminated quote";
  } catch (const parakit::UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "CSV: unterminated quote in field 2 of 'a,\"b\\x00\\x1b[2J'");
  }
}

TEST(CsvNextLineStart, at_zero_mid_line_at_a_line_start_and_without_a_newline) {
  const std::string_view text = "ab\ncd\nef";
  EXPECT_EQ(next_line_start(text, 0), 0U);
  EXPECT_EQ(next_line_start(text, 1), 3U);  // mid-line: past the next '\n'
  EXPECT_EQ(next_line_start(text, 2), 3U);  // on the '\n' itself
  EXPECT_EQ(next_line_start(text, 3), 3U);  // already a line start
  EXPECT_EQ(next_line_start(text, 7), 8U);  // last line has no '\n'
  EXPECT_EQ(next_line_start(text, 8), 8U);
  EXPECT_EQ(next_line_start("", 0), 0U);
  EXPECT_THROW(next_line_start(text, 9), parakit::Error);
}

TEST(CsvCountLines, counts_a_last_line_without_newline) {
  EXPECT_EQ(count_lines(""), 0U);
  EXPECT_EQ(count_lines("\n"), 1U);
  EXPECT_EQ(count_lines("a"), 1U);
  EXPECT_EQ(count_lines("a\nb\n"), 2U);
  EXPECT_EQ(count_lines("a\nb"), 2U);
  EXPECT_EQ(count_lines("a\n\n\nb\r\n"), 4U);
}

TEST(CsvCountLines, agrees_with_the_lines_parse_column_sees) {
  for (const std::string_view text : {"", "1\n", "1\n\n2", "\n\n", "1\r\n2\r\n", "1\n2\n3"})
    EXPECT_EQ(parse(text, 0).lines, count_lines(text)) << text;
}
