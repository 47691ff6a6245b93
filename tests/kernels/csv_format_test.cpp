#include "parakit/kernels/csv_format.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <omp.h>

using parakit::kernels::csv::format_header;
using parakit::kernels::csv::format_rows;

namespace {

std::string text(const std::vector<char>& bytes) {
  return {bytes.begin(), bytes.end()};
}

}  // namespace

TEST(CsvFormat, header_joins_the_names_with_the_separator) {
  std::vector<char> out = {'x'};
  format_header({"id", "price", "/a/b"}, ';', out);
  EXPECT_EQ(text(out), "xid;price;/a/b\n");  // appended
  out.clear();
  format_header({"only"}, ',', out);
  EXPECT_EQ(text(out), "only\n");
}

TEST(CsvFormat, shortest_round_trip_fields_inf_and_empty_missing) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::vector<double>> columns = {{0.1, -2.5, 1e300, inf, 5e-324},
                                                    {nan, 3.0, -inf, nan, 2.2250738585072014e-308}};
  std::vector<char> out;
  format_rows(columns, 5, ',', out);
  EXPECT_EQ(text(out), "0.1,\n-2.5,3\n1e+300,-inf\ninf,\n5e-324,2.2250738585072014e-308\n");
}

TEST(CsvFormat, only_the_first_rows_and_the_text_does_not_depend_on_the_threads) {
  std::vector<std::vector<double>> columns(3, std::vector<double>(1001));
  for (std::size_t c = 0; c < columns.size(); ++c)
    for (std::size_t i = 0; i < columns[c].size(); ++i)
      columns[c][i] = static_cast<double>(i) / static_cast<double>(c + 3);
  std::string expected;
  for (std::size_t i = 0; i < 1000; ++i) {
    for (std::size_t c = 0; c < columns.size(); ++c) {
      if (c != 0) expected += '\t';
      char field[32];
      expected.append(field, std::to_chars(field, field + sizeof field, columns[c][i]).ptr);
    }
    expected += '\n';
  }
  const int saved = omp_get_max_threads();
  for (int threads : {1, 2, 3, 7}) {
    omp_set_num_threads(threads);
    std::vector<char> out;
    format_rows(columns, 1000, '\t', out);
    EXPECT_EQ(text(out), expected) << threads << " threads";
  }
  omp_set_num_threads(saved);
  std::vector<char> none;
  format_rows(columns, 0, ',', none);
  EXPECT_TRUE(none.empty());
}
