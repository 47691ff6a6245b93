#include "parakit/report/statistics.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

using parakit::report::summarize;

TEST(Summarize, odd_count_has_the_middle_value_as_median) {
  const std::vector<double> v = {5, 1, 3};
  const auto s = summarize(v);
  EXPECT_EQ(s.n, 3U);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.mean, 3);
  EXPECT_DOUBLE_EQ(s.stdev, 2);  // sample stdev: sqrt((4 + 4 + 0) / 2)
  EXPECT_DOUBLE_EQ(s.max, 5);
}

TEST(Summarize, even_count_averages_the_two_middle_values) {
  const std::vector<double> v = {4, 1, 2, 10};
  const auto s = summarize(v);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.mean, 4.25);
}

TEST(Summarize, single_and_empty_samples) {
  const std::vector<double> one = {0.5};
  EXPECT_DOUBLE_EQ(summarize(one).median, 0.5);
  EXPECT_DOUBLE_EQ(summarize(one).stdev, 0.0);
  EXPECT_EQ(summarize(std::vector<double>{}).n, 0U);
}
