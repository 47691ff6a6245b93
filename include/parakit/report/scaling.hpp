#pragma once
/// @file
/// @brief The arithmetic of scaling studies (issue #5): speedup, efficiency, the Karp-Flatt serial
/// fraction, Amdahl and Gustafson fits, and the statistics that decide whether two layouts really
/// differ (a bootstrap interval on a median, the Mann-Whitney rank test). Pure functions, no MPI.

#include <cstdint>
#include <span>

namespace parakit::report {

/// @brief t1 / tp. @throws parakit::Error unless both are positive.
double speedup(double t1, double tp);

/// @brief speedup / p. @throws parakit::Error unless t1, tp > 0 and p >= 1.
double efficiency(double t1, double tp, double p);

/// @brief The Karp-Flatt experimentally determined serial fraction e = (1/S - 1/p) / (1 - 1/p): for a
/// program that follows Amdahl's law exactly, e is its serial fraction at every p. NaN for p = 1.
double karp_flatt(double speedup, double p);

/// @brief A least-squares fit and how well it fits.
struct Fit {
  double serial_fraction = 0.0;  ///< Amdahl's f, or Gustafson's alpha
  double t1 = 0.0;               ///< Amdahl: the fitted one-core time (0 for Gustafson)
  double r_squared = 0.0;        ///< 1 - residual / total sum of squares, of the fitted quantity
};

/// @brief Fits Amdahl's law t(p) = t1 (f + (1 - f) / p) to strong-scaling times: least squares of t
/// against 1/p (linear in a = t1 f and b = t1 (1 - f)). Recovers f exactly from exact data.
/// @throws parakit::Error for fewer than 2 distinct core counts, sizes that differ, or values <= 0.
Fit fit_amdahl(std::span<const double> cores, std::span<const double> times);

/// @brief Fits Gustafson's law S(p) = p - alpha (p - 1) to weak-scaling scaled speedups S(p) = p t1 / tp
/// (least squares through S(1) = 1).
/// @throws parakit::Error as fit_amdahl; also unless some p > 1.
Fit fit_gustafson(std::span<const double> cores, std::span<const double> scaled_speedups);

/// @brief (max - min) / median of repeated times: points above 0.1 are called noisy. 0 for fewer than 2.
double relative_spread(std::span<const double> values);

/// @brief A confidence interval.
struct Interval {
  double low = 0.0;
  double high = 0.0;
};

/// @brief Percentile bootstrap interval of the median at @p confidence (e.g. 0.95) from @p resamples
/// resamples drawn with a counter-based generator seeded by @p seed (so the same data give the same
/// interval). @throws parakit::Error for an empty sample or a confidence outside (0, 1).
Interval bootstrap_median_interval(std::span<const double> values, double confidence = 0.95,
                                   int resamples = 10000, std::uint64_t seed = 1);

/// @brief The two-sided p-value of the Mann-Whitney U test that @p a and @p b come from the same
/// distribution: exact (by counting rank sums) when there are no ties and n_a * n_b <= 400, else the
/// normal approximation with tie and continuity corrections.
/// @throws parakit::Error if either sample is empty.
double mann_whitney_p(std::span<const double> a, std::span<const double> b);

}  // namespace parakit::report
