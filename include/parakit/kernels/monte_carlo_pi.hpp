#pragma once
/// @file
/// @brief Monte Carlo estimate of pi: the fraction of uniform points of the unit square that fall in
/// the quarter disc x^2 + y^2 < 1, times 4. Pure kernel: no MPI, no I/O.
///
/// Sample i of a run with seed s is the 64-bit word w = splitmix64(s, i): x is its high 32 bits and y
/// its low 32 bits, read as points of the grid {0, 1/2^32, ..., 1 - 1/2^32}. The test x^2 + y^2 < 1 is
/// done exactly in integers (X^2 + Y^2 < 2^64), so the count is the same on every machine and for
/// every split. The grid differs from the continuous square by less than 2^-31 in the expected value
/// of the estimate, far below the statistical error of any feasible sample count.

#include <cstdint>
#include <span>
#include <vector>

#include "parakit/kernels/splitmix64.hpp"

namespace parakit::kernels {

/// @brief True when the sample drawn from @p word lies inside the quarter disc (exact integer test).
constexpr bool in_quarter_disc(std::uint64_t word) {
  const std::uint64_t x = word >> 32, y = word & 0xffffffffULL;
  const std::uint64_t x2 = x * x;  // < 2^64: exact
  // X^2 + Y^2 < 2^64 exactly when the 64-bit sum does not wrap around.
  return x2 + y * y >= x2;
}

/// @brief Number of samples with global indices [first, last) of seed @p seed inside the quarter disc.
/// Single-threaded, vectorised; callers split the range for threads.
std::uint64_t count_inside(std::uint64_t seed, std::uint64_t first, std::uint64_t last);

/// @brief The pi kernel: one task per entry of a sample-count list (the seed's `pd.Series([1e5, 3.2e6])`).
/// Task t draws the samples with global indices offset(t) .. offset(t) + samples[t] - 1, so the run is
/// one stream whatever the list: sample i of the run is a function of (seed, i) alone.
class MonteCarloPi {
 public:
  using Partial = std::uint64_t;  ///< Points inside the quarter disc.

  /// @throws parakit::Error if @p samples is empty, holds a 0, or sums past 2^63 - 1.
  MonteCarloPi(std::vector<std::uint64_t> samples, std::uint64_t seed);

  [[nodiscard]] std::uint64_t task_count() const { return samples_.size(); }
  [[nodiscard]] std::uint64_t task_size(std::uint64_t task) const { return samples_[task]; }
  [[nodiscard]] Partial compute(std::uint64_t task, std::uint64_t first, std::uint64_t last) const {
    return count_inside(seed_, offsets_[task] + first, offsets_[task] + last);
  }
  static Partial combine(Partial a, Partial b) { return a + b; }

  [[nodiscard]] std::uint64_t seed() const { return seed_; }
  [[nodiscard]] const std::vector<std::uint64_t>& samples() const { return samples_; }

 private:
  std::vector<std::uint64_t> samples_;
  std::vector<std::uint64_t> offsets_;
  std::uint64_t seed_;
};

/// @brief The seed of task @p task's own stream under `parakit map`: there every task draws from a stream
/// of its own, so its count depends on (seed, task, its sample count) alone, not on the other tasks,
/// the schedule, the chunks or the layout. Sample i of the task is splitmix64(task_stream_seed(s, t), i).
constexpr std::uint64_t task_stream_seed(std::uint64_t seed, std::uint64_t task) {
  return splitmix64(seed, task);
}

/// @brief One estimate with its standard error.
struct PiEstimate {
  std::uint64_t samples = 0;
  std::uint64_t inside = 0;
  double estimate = 0.0;   ///< 4 * inside / samples
  double std_error = 0.0;  ///< 4 * sqrt(p (1 - p) / samples), p = inside / samples
};

/// @brief The estimate of one task. @throws parakit::Error if samples == 0 or inside > samples.
PiEstimate estimate_pi(std::uint64_t samples, std::uint64_t inside);

/// @brief The mean of the tasks' estimates, as the seed's `series.apply(sample).mean()`: samples and
/// inside are totals, estimate the plain mean, std_error = sqrt(sum of squared errors) / count.
/// @throws parakit::Error if @p tasks is empty.
PiEstimate mean_estimate(std::span<const PiEstimate> tasks);

}  // namespace parakit::kernels
