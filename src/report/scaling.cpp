#include "parakit/report/scaling.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "parakit/error.hpp"
#include "parakit/kernels/splitmix64.hpp"
#include "parakit/report/statistics.hpp"

namespace parakit::report {
namespace {

void check_series(std::span<const double> x, std::span<const double> y) {
  PARAKIT_REQUIRE(x.size() == y.size(), "as many values as core counts");
  PARAKIT_REQUIRE(std::all_of(x.begin(), x.end(), [](double v) { return v > 0.0; }) &&
                      std::all_of(y.begin(), y.end(), [](double v) { return v > 0.0; }),
                  "positive core counts and values");
  std::vector<double> distinct(x.begin(), x.end());
  std::sort(distinct.begin(), distinct.end());
  PARAKIT_REQUIRE(std::unique(distinct.begin(), distinct.end()) - distinct.begin() >= 2,
                  "at least two distinct core counts");
}

double r_squared(std::span<const double> observed, const std::vector<double>& fitted) {
  double mean = 0.0;
  for (const double o : observed)
    mean += o;
  mean /= static_cast<double>(observed.size());
  double residual = 0.0, total = 0.0;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    residual += (observed[i] - fitted[i]) * (observed[i] - fitted[i]);
    total += (observed[i] - mean) * (observed[i] - mean);
  }
  return total > 0.0 ? 1.0 - residual / total : (residual == 0.0 ? 1.0 : 0.0);
}

// The standard normal's upper tail, P(Z > z).
double normal_upper_tail(double z) {
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}

}  // namespace

double speedup(double t1, double tp) {
  PARAKIT_REQUIRE(t1 > 0.0 && tp > 0.0, "positive times");
  return t1 / tp;
}

double efficiency(double t1, double tp, double p) {
  PARAKIT_REQUIRE(p >= 1.0, "p >= 1");
  return speedup(t1, tp) / p;
}

double karp_flatt(double s, double p) {
  if (p <= 1.0 || s <= 0.0) return std::numeric_limits<double>::quiet_NaN();
  return (1.0 / s - 1.0 / p) / (1.0 - 1.0 / p);
}

Fit fit_amdahl(std::span<const double> cores, std::span<const double> times) {
  check_series(cores, times);
  // t = a + b x with x = 1/p: ordinary least squares.
  const auto n = static_cast<double>(cores.size());
  double sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0;
  for (std::size_t i = 0; i < cores.size(); ++i) {
    const double x = 1.0 / cores[i];
    sx += x;
    sy += times[i];
    sxx += x * x;
    sxy += x * times[i];
  }
  const double b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const double a = (sy - b * sx) / n;
  std::vector<double> fitted;
  for (const double p : cores)
    fitted.push_back(a + b / p);
  Fit fit;
  fit.t1 = a + b;
  fit.serial_fraction = fit.t1 != 0.0 ? a / fit.t1 : 0.0;
  fit.r_squared = r_squared(times, fitted);
  return fit;
}

Fit fit_gustafson(std::span<const double> cores, std::span<const double> scaled_speedups) {
  check_series(cores, scaled_speedups);
  // p - S = alpha (p - 1): least squares through the origin in (p - 1).
  double num = 0.0, den = 0.0;
  for (std::size_t i = 0; i < cores.size(); ++i) {
    num += (cores[i] - scaled_speedups[i]) * (cores[i] - 1.0);
    den += (cores[i] - 1.0) * (cores[i] - 1.0);
  }
  PARAKIT_REQUIRE(den > 0.0, "a core count above 1");
  Fit fit;
  fit.serial_fraction = num / den;
  std::vector<double> fitted;
  for (const double p : cores)
    fitted.push_back(p - fit.serial_fraction * (p - 1.0));
  fit.r_squared = r_squared(scaled_speedups, fitted);
  return fit;
}

double relative_spread(std::span<const double> values) {
  if (values.size() < 2) return 0.0;
  const Summary s = summarize(values);
  return s.median > 0.0 ? (s.max - s.min) / s.median : 0.0;
}

Interval bootstrap_median_interval(std::span<const double> values, double confidence, int resamples,
                                   std::uint64_t seed) {
  PARAKIT_REQUIRE(!values.empty(), "at least one value");
  PARAKIT_REQUIRE(confidence > 0.0 && confidence < 1.0, "confidence in (0, 1)");
  PARAKIT_REQUIRE(resamples >= 1, "at least one resample");
  const std::size_t n = values.size();
  std::vector<double> medians, draw(n);
  medians.reserve(static_cast<std::size_t>(resamples));
  std::uint64_t counter = 0;
  for (int r = 0; r < resamples; ++r) {
    for (std::size_t i = 0; i < n; ++i) {
      // 64 random bits reduced modulo n: the bias is below n / 2^64, nothing for repeat counts.
      const auto index = static_cast<std::size_t>(kernels::splitmix64(seed, counter++) % n);
      draw[i] = values[index];
    }
    medians.push_back(summarize(draw).median);
  }
  std::sort(medians.begin(), medians.end());
  const double tail = (1.0 - confidence) / 2.0;
  const auto at = [&](double q) {
    const auto k = static_cast<std::size_t>(
        std::clamp(std::floor(q * static_cast<double>(resamples)), 0.0, static_cast<double>(resamples - 1)));
    return medians[k];
  };
  return {at(tail), at(1.0 - tail)};
}

double mann_whitney_p(std::span<const double> a, std::span<const double> b) {
  PARAKIT_REQUIRE(!a.empty() && !b.empty(), "two non-empty samples");
  const std::size_t na = a.size(), nb = b.size(), n = na + nb;
  // Ranks of the pooled sample, ties given their mean rank.
  std::vector<std::pair<double, int>> pooled;
  for (const double v : a)
    pooled.push_back({v, 0});
  for (const double v : b)
    pooled.push_back({v, 1});
  std::sort(pooled.begin(), pooled.end());
  double rank_sum_a = 0.0, tie_term = 0.0;
  bool ties = false;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && pooled[j].first == pooled[i].first)
      ++j;
    const double mean_rank = 0.5 * static_cast<double>(i + 1 + j);
    const auto t = static_cast<double>(j - i);
    if (j - i > 1) ties = true;
    tie_term += t * t * t - t;
    for (std::size_t k = i; k < j; ++k) {
      if (pooled[k].second == 0) rank_sum_a += mean_rank;
    }
    i = j;
  }
  const double u = rank_sum_a - static_cast<double>(na * (na + 1)) / 2.0;
  const double mean_u = static_cast<double>(na * nb) / 2.0;
  if (!ties && na * nb <= 400) {
    // Exact: the distribution of U over all equally likely orderings.
    const std::size_t max_u = na * nb;
    // U counts, for each element of a, the elements of b below it. The number of orderings of i a's
    // and j b's with U = k: N(i, j, k) = N(i, j - 1, k) + N(i - 1, j, k - j), by the largest element.
    std::vector<std::vector<std::vector<double>>> count(
        na + 1, std::vector<std::vector<double>>(nb + 1, std::vector<double>(max_u + 1, 0.0)));
    for (std::size_t j = 0; j <= nb; ++j)
      count[0][j][0] = 1.0;
    for (std::size_t i = 1; i <= na; ++i) {
      count[i][0][0] = 1.0;
      for (std::size_t j = 1; j <= nb; ++j) {
        for (std::size_t k = 0; k <= i * j; ++k) {
          double c = count[i][j - 1][k];            // the largest element is a b: U unchanged
          if (k >= j) c += count[i - 1][j][k - j];  // the largest is an a: it is above all j b's
          count[i][j][k] = c;
        }
      }
    }
    const std::vector<double>& dist = count[na][nb];
    double total = 0.0;
    for (const double c : dist)
      total += c;
    // Two-sided: the probability of a U at least as far from the mean as the one observed.
    const double distance = std::abs(u - mean_u);
    double extreme = 0.0;
    for (std::size_t k = 0; k <= max_u; ++k) {
      if (std::abs(static_cast<double>(k) - mean_u) >= distance - 1e-9) extreme += dist[k];
    }
    return std::min(1.0, extreme / total);
  }
  const auto dn = static_cast<double>(n);
  const double variance = static_cast<double>(na * nb) / 12.0 * ((dn + 1.0) - tie_term / (dn * (dn - 1.0)));
  if (variance <= 0.0) return 1.0;
  const double z = std::max(0.0, std::abs(u - mean_u) - 0.5) / std::sqrt(variance);
  return std::min(1.0, 2.0 * normal_upper_tail(z));
}

}  // namespace parakit::report
