#pragma once
/// @file
/// @brief The tables of `parakit compare` and `parakit scale`, computed from measured points: medians,
/// spreads, confidence intervals, speedup, efficiency, Karp-Flatt, the Amdahl/Gustafson fit, and the
/// verdicts that say whether one layout really is faster than another. Pure: no processes, no MPI.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parakit/study/launch.hpp"

namespace parakit::study {

/// @brief A row or table, in print order.
using Table = nlohmann::ordered_json;

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// @brief Everything measured for one layout (or one Python version).
struct Point {
  std::string label;  ///< "2x1", or e.g. "python Pool.map"
  std::string implementation = "parakit";
  Layout layout;
  double work = 0.0;                   ///< work units of the run (e.g. samples)
  std::vector<double> times_s;         ///< the timed repeats, from the run's own report
  int runs = 0;                        ///< runs in the measured launch (warm-up + repeats)
  double launch_s = kNaN;              ///< median wall time of the empty run in this layout
  double launch_spread_s = 0.0;        ///< max - min of those empty runs (the launch's own jitter)
  double wall_s = kNaN;                ///< wall time of the measured launch, timed from outside
  double compute_s = kNaN;             ///< median compute phase (slowest rank)
  double communication_s = kNaN;       ///< median partition + scatter + reduce phases
  double peak_rss_rank_bytes = kNaN;   ///< largest peak resident memory of one rank
  double peak_rss_total_bytes = kNaN;  ///< sum over the ranks
  bool oversubscribed = false;
  /// False: wall_s is shown but not checked (a program's own time leaves out its start-up and set-up).
  bool wall_check = true;
};

/// @brief Points whose spread ((max - min) / median) exceeds this are marked noisy.
inline constexpr double kNoisySpread = 0.10;
/// @brief The outside wall clock must agree with launch + runs x median within this fraction (or within
/// the launch's own spread, for runs too short to tell).
inline constexpr double kWallTolerance = 0.05;
/// @brief "Faster" needs a Mann-Whitney p below this and bootstrap intervals that do not overlap.
inline constexpr double kSignificance = 0.05;

/// @brief The smallest two-sided p-value an exact Mann-Whitney test can give for samples of these
/// sizes (2 / C(n_a + n_b, n_a)): with 3 and 3 repeats it is 0.1, so no difference can be shown.
double smallest_p(std::size_t n_a, std::size_t n_b);

/// @brief Whether point @p a is faster than @p b, in words and numbers: `faster`, `slower`, `p_value`,
/// whether the 95 % bootstrap intervals of the medians overlap, and `verdict`: "faster" only when
/// p < kSignificance and the intervals are apart; "too_few_repeats" when the sample sizes cannot reach
/// kSignificance at all; else "indistinguishable". `text` says it in words, with the reason.
Table verdict(const Point& a, const Point& b);

/// @brief `compare`'s table. @p points[0] is the 1 x 1 baseline. Returns {rows, comparisons,
/// warnings}: one row per point (layout, implementation, ranks, threads_per_rank, cores, median_s,
/// spread_s, ci_low_s, ci_high_s, noisy, speedup, efficiency, launch_s, compute_s, comm_share,
/// wall_s, wall_error, peak memory, oversubscribed); comparisons between parakit layouts of the
/// largest core count, fastest first, each with the next.
/// @throws parakit::Error for no points or a point without times.
Table compare_table(const std::vector<Point>& points);

/// @brief Strong or weak.
enum class Scaling { kStrong, kWeak };

/// @brief `scale`'s table from points in increasing core order. Returns {rows, fit, comparisons,
/// warnings}. Rows: cores, ranks, threads, work, median_s, spread_s, speedup, efficiency, karp_flatt,
/// ci_low_s, ci_high_s, noisy, oversubscribed, launch_s, wall_s, wall_error (karp_flatt: strong only,
/// it is defined for a fixed problem). Strong: speedup = p0 t0 /
/// tp against the first point (p0 its cores); fit = Amdahl's serial fraction and one-core time.
/// Weak: scaled speedup p t0 / tp, efficiency t0 / tp; fit = Gustafson's serial fraction and the
/// fitted scaled speedup at the largest p. R^2 with both (null for 2 points, which any such law passes
/// through) and a `note` when it means little; oversubscribed points are left out of the fit (their
/// times measure sharing), which is null below two core counts. `baseline_cores`: the first point's
/// cores, whose efficiency is assumed 1 (no Karp-Flatt there).
Table scaling_table(const std::vector<Point>& points, Scaling kind);

}  // namespace parakit::study
