#include "parakit/kernels/monte_carlo_pi.hpp"

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"

using namespace parakit::kernels;

namespace {

// The obvious scalar formulation, in floating point, for comparison with the exact integer test.
std::uint64_t reference_count(std::uint64_t seed, std::uint64_t first, std::uint64_t last) {
  std::uint64_t inside = 0;
  for (std::uint64_t i = first; i < last; ++i) {
    const std::uint64_t w = splitmix64(seed, i);
    const long double x = static_cast<long double>(w >> 32), y = static_cast<long double>(w & 0xffffffffULL);
    // long double has a 64-bit mantissa: x*x + y*y < 2^65 is exact for 32-bit x, y.
    if (x * x + y * y < 18446744073709551616.0L) ++inside;
  }
  return inside;
}

}  // namespace

TEST(InQuarterDisc, decides_the_boundary_exactly) {
  EXPECT_TRUE(in_quarter_disc(0));                       // origin
  EXPECT_FALSE(in_quarter_disc(0xffffffffffffffffULL));  // far corner
  // X = 2^32 - 1, Y = 92681: X^2 + Y^2 = 2^64 - 2^33 + 1 + 8589767761 < 2^64 -> inside
  EXPECT_TRUE(in_quarter_disc((0xffffffffULL << 32) | 92681U));
  // Y = 92682: X^2 + Y^2 = 2^64 - 8589934591 + 8589953124 > 2^64 -> outside
  EXPECT_FALSE(in_quarter_disc((0xffffffffULL << 32) | 92682U));
}

TEST(CountInside, agrees_with_a_scalar_reference_on_unaligned_ranges) {
  for (const auto& [first, last] : {std::pair<std::uint64_t, std::uint64_t>{0, 1},
                                    {0, 1000},
                                    {3, 1003},
                                    {17, 18},
                                    {1'000'000, 1'012'345}}) {
    EXPECT_EQ(count_inside(7, first, last), reference_count(7, first, last)) << first << ".." << last;
  }
  EXPECT_EQ(count_inside(7, 5, 5), 0U);
}

TEST(CountInside, is_additive_over_any_split_point) {
  const std::uint64_t whole = count_inside(42, 0, 100'000);
  for (std::uint64_t cut : {0U, 1U, 7U, 8U, 9U, 4095U, 50'000U, 99'999U, 100'000U}) {
    EXPECT_EQ(count_inside(42, 0, cut) + count_inside(42, cut, 100'000), whole) << "cut at " << cut;
  }
}

TEST(CountInside, estimates_pi_within_its_statistical_error) {
  constexpr std::uint64_t n = 4'000'000;
  const auto e = estimate_pi(n, count_inside(2026, 0, n));
  // 5 standard errors: a correct kernel fails with probability ~6e-7 at this fixed seed.
  EXPECT_NEAR(e.estimate, std::numbers::pi, 5 * e.std_error);
  EXPECT_NEAR(e.std_error, 4 * std::sqrt(std::numbers::pi / 4 * (1 - std::numbers::pi / 4) / n), 1e-6);
}

TEST(MonteCarloPi, tasks_are_consecutive_slices_of_one_stream) {
  const MonteCarloPi kernel({100, 3200}, 11);
  ASSERT_EQ(kernel.task_count(), 2U);
  EXPECT_EQ(kernel.task_size(1), 3200U);
  EXPECT_EQ(kernel.compute(0, 0, 100), count_inside(11, 0, 100));
  EXPECT_EQ(kernel.compute(1, 0, 3200), count_inside(11, 100, 3300));
  EXPECT_EQ(kernel.compute(1, 10, 20), count_inside(11, 110, 120));
}

TEST(MonteCarloPi, rejects_empty_zero_and_overflowing_task_lists) {
  EXPECT_THROW(MonteCarloPi({}, 1), parakit::Error);
  EXPECT_THROW(MonteCarloPi({5, 0}, 1), parakit::Error);
  EXPECT_THROW(MonteCarloPi({std::uint64_t{1} << 62, std::uint64_t{1} << 62}, 1), parakit::Error);
  EXPECT_NO_THROW(MonteCarloPi({(std::uint64_t{1} << 62) - 1, std::uint64_t{1} << 62}, 1));
}

TEST(PiEstimate, mean_is_the_plain_mean_of_the_task_estimates) {
  const std::vector<PiEstimate> tasks = {estimate_pi(100, 78), estimate_pi(400, 316)};
  const auto mean = mean_estimate(tasks);
  EXPECT_DOUBLE_EQ(tasks[0].estimate, 3.12);
  EXPECT_DOUBLE_EQ(tasks[1].estimate, 3.16);
  EXPECT_DOUBLE_EQ(mean.estimate, 3.14);  // not the pooled 4 * 394 / 500 = 3.152
  EXPECT_EQ(mean.samples, 500U);
  EXPECT_EQ(mean.inside, 394U);
  EXPECT_DOUBLE_EQ(
      mean.std_error,
      std::sqrt(tasks[0].std_error * tasks[0].std_error + tasks[1].std_error * tasks[1].std_error) / 2);
  EXPECT_THROW(mean_estimate({}), parakit::Error);
  EXPECT_THROW(estimate_pi(0, 0), parakit::Error);
  EXPECT_THROW(estimate_pi(3, 4), parakit::Error);
}
