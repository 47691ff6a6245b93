#include "parakit/report/scaling.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"

using namespace parakit::report;

TEST(Scaling, speedup_efficiency_and_karp_flatt) {
  EXPECT_DOUBLE_EQ(speedup(10.0, 2.5), 4.0);
  EXPECT_DOUBLE_EQ(efficiency(10.0, 2.5, 8.0), 0.5);
  EXPECT_TRUE(std::isnan(karp_flatt(1.0, 1.0)));
  // A program that follows Amdahl's law with f = 0.1: Karp-Flatt gives 0.1 at every p.
  for (const double p : {2.0, 4.0, 16.0, 128.0}) {
    const double s = 1.0 / (0.1 + 0.9 / p);
    EXPECT_NEAR(karp_flatt(s, p), 0.1, 1e-12) << p;
  }
  EXPECT_THROW(speedup(0.0, 1.0), parakit::Error);
  EXPECT_THROW(efficiency(1.0, 1.0, 0.5), parakit::Error);
}

TEST(Scaling, amdahl_fit_recovers_a_known_serial_fraction) {
  const std::vector<double> cores = {1, 2, 4, 8, 16};
  for (const double f : {0.0, 0.03, 0.25}) {
    std::vector<double> times;
    for (const double p : cores)
      times.push_back(12.5 * (f + (1 - f) / p));
    const Fit fit = fit_amdahl(cores, times);
    EXPECT_NEAR(fit.serial_fraction, f, 1e-6);
    EXPECT_NEAR(fit.t1, 12.5, 1e-9);
    EXPECT_NEAR(fit.r_squared, 1.0, 1e-12);
  }
  // Noise lowers the fit quality but not much the estimate.
  const std::vector<double> noisy = {10.0, 5.6, 3.1, 2.0, 1.3};
  const Fit fit = fit_amdahl(cores, noisy);
  EXPECT_GT(fit.serial_fraction, 0.0);
  EXPECT_LT(fit.serial_fraction, 0.1);
  EXPECT_LT(fit.r_squared, 1.0);
  EXPECT_GT(fit.r_squared, 0.99);
  EXPECT_THROW(fit_amdahl(std::vector<double>{4, 4}, std::vector<double>{1, 1}), parakit::Error);
  EXPECT_THROW(fit_amdahl(std::vector<double>{1, 2}, std::vector<double>{1}), parakit::Error);
}

TEST(Scaling, gustafson_fit_recovers_a_known_serial_fraction) {
  const std::vector<double> cores = {1, 2, 4, 8};
  std::vector<double> scaled;
  for (const double p : cores)
    scaled.push_back(p - 0.2 * (p - 1));
  const Fit fit = fit_gustafson(cores, scaled);
  EXPECT_NEAR(fit.serial_fraction, 0.2, 1e-12);
  EXPECT_NEAR(fit.r_squared, 1.0, 1e-12);
}

TEST(Scaling, relative_spread_marks_noise) {
  EXPECT_NEAR(relative_spread(std::vector<double>{1.0, 1.05, 1.02}), 0.05 / 1.02, 1e-12);
  EXPECT_EQ(relative_spread(std::vector<double>{3.0}), 0.0);
}

TEST(Bootstrap, interval_holds_the_median_and_is_reproducible) {
  const std::vector<double> v = {1.00, 1.02, 0.98, 1.01, 0.99, 1.03, 0.97, 1.00, 1.05, 0.95};
  const Interval a = bootstrap_median_interval(v, 0.95, 5000, 7);
  const Interval b = bootstrap_median_interval(v, 0.95, 5000, 7);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  EXPECT_LE(a.low, 1.0);
  EXPECT_GE(a.high, 1.0);
  EXPECT_GE(a.low, 0.95);
  EXPECT_LE(a.high, 1.05);
  const Interval one = bootstrap_median_interval(std::vector<double>{2.0});
  EXPECT_EQ(one.low, 2.0);
  EXPECT_EQ(one.high, 2.0);
}

TEST(MannWhitney, exact_p_values_match_the_tables) {
  // Completely separated samples of 5 and 5: U = 0, two-sided p = 2 / C(10, 5) = 2 / 252.
  const std::vector<double> fast = {1.0, 1.1, 1.2, 1.3, 1.4}, slow = {2.0, 2.1, 2.2, 2.3, 2.4};
  EXPECT_NEAR(mann_whitney_p(fast, slow), 2.0 / 252.0, 1e-12);
  EXPECT_NEAR(mann_whitney_p(slow, fast), 2.0 / 252.0, 1e-12);
  // 3 and 3, separated: 2 / C(6, 3) = 0.1: never "significant" at 5 % with three repeats each.
  EXPECT_NEAR(mann_whitney_p(std::vector<double>{1, 2, 3}, std::vector<double>{4, 5, 6}), 0.1, 1e-12);
  // Interleaved samples, U = 6 of 16: P(U <= 6) = 24 / 70 (the U counts for 4 and 4 begin 1 1 2 3 5 5 7),
  // two-sided 48 / 70: no evidence of a difference.
  EXPECT_NEAR(mann_whitney_p(std::vector<double>{1, 3, 5, 7}, std::vector<double>{2, 4, 6, 8}), 48.0 / 70.0,
              1e-12);
}

TEST(MannWhitney, ties_use_the_normal_approximation) {
  const std::vector<double> same = {1.0, 1.0, 1.0, 1.0};
  EXPECT_DOUBLE_EQ(mann_whitney_p(same, same), 1.0);
  std::vector<double> a, b;
  for (int i = 0; i < 30; ++i) {
    a.push_back(1.0 + 0.01 * (i % 5));
    b.push_back(1.5 + 0.01 * (i % 5));
  }
  EXPECT_LT(mann_whitney_p(a, b), 1e-6);
  EXPECT_THROW(mann_whitney_p(std::vector<double>{}, b), parakit::Error);
}
