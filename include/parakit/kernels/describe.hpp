#pragma once
/// @file
/// @brief The pieces of `describe()` over a column of doubles, where missing values are NaN. Pure: no
/// MPI, no I/O; OpenMP inside some functions.
///
/// Layout independence: the column is cut into fixed global blocks of kBlock values (block b holds the
/// values with global index [b kBlock, (b+1) kBlock)). Each block is summarised by one thread in a fixed
/// order (summarize_block), and the block summaries are combined one after another in block order
/// (combine_blocks). Whoever computes a block, and however the blocks are spread over ranks and
/// threads, the result is the same bit for bit. Counts are integers, min and max are exact, and the
/// quantiles come from exact order statistics (selection on order-preserving 64-bit keys), so all of
/// describe() is layout independent.

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "parakit/kernels/uninitialized.hpp"

namespace parakit::kernels::describe {

/// @brief Values per summation block (128 KiB of doubles: one block stays in L2 for its second sweep).
inline constexpr std::uint64_t kBlock = std::uint64_t{1} << 14;

/// @brief The summary of one block: its count of non-missing values, their compensated sum, their
/// sum of squared deviations from the block's own mean, min and max.
struct BlockSummary {
  std::uint64_t count = 0;
  std::uint64_t missing = 0;
  double sum = 0.0;        ///< compensated sum (16 lanes of TwoSum, lanes folded in order)
  double sum_error = 0.0;  ///< the low-order part of the sum
  double m2 = 0.0;         ///< sum of (x - block mean)^2, corrected two-pass
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  bool operator==(const BlockSummary&) const = default;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& count& missing& sum& sum_error& m2& min& max;
  }
};

/// @brief Summarises the values of one block (or the piece of the last block). Deterministic: the same
/// values give the same bits, whatever thread calls it.
BlockSummary summarize_block(std::span<const double> values);

/// @brief count, missing, mean, standard deviation (ddof = 1, as pandas), min and max.
struct Moments {
  std::uint64_t count = 0;
  std::uint64_t missing = 0;
  double mean = std::numeric_limits<double>::quiet_NaN();
  double std = std::numeric_limits<double>::quiet_NaN();
  double min = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
};

/// @brief Combines the summaries of consecutive blocks, in the order given (block order), into the
/// moments of the whole column: the sum in double-double, then M2 = sum of (m2_b + n_b (mean_b -
/// mean)^2), also in double-double. Infinite values give an infinite (or NaN) mean and a NaN std.
Moments combine_blocks(std::span<const BlockSummary> blocks);

/// @brief Histogram edges as numpy.histogram makes them: bins + 1 edges, linspace(min, max) (min - 0.5
/// and max + 0.5 when min == max). Empty when min or max is not finite.
std::vector<double> histogram_edges(double min, double max, std::size_t bins);

/// @brief Adds the non-missing values of @p values to @p counts (edges.size() - 1 bins), with numpy's
/// rule: bins are half-open [e_i, e_i+1) except the last, which is closed. Values outside are ignored.
void count_histogram(std::span<const double> values, std::span<const double> edges,
                     std::span<std::uint64_t> counts);

/// @brief An order-preserving map of doubles (NaN excluded) to unsigned keys: a < b iff key(a) <
/// key(b); -0.0 and 0.0 share a key.
inline std::uint64_t to_key(double x) {
  x += 0.0;  // -0.0 becomes 0.0
  std::uint64_t bits;
  static_assert(sizeof bits == sizeof x);
  __builtin_memcpy(&bits, &x, sizeof bits);
  // Negative: all bits flipped; positive: the sign bit set. Without a branch.
  const std::uint64_t negative = 0 - (bits >> 63);
  return bits ^ (negative | (std::uint64_t{1} << 63));
}

/// @brief The inverse of to_key.
inline double from_key(std::uint64_t key) {
  const std::uint64_t bits = (key >> 63) != 0 ? key & ~(std::uint64_t{1} << 63) : ~key;
  double x;
  __builtin_memcpy(&x, &bits, sizeof x);
  return x;
}

/// @brief The order statistics (0-based ranks into the sorted non-missing values) that the quantiles
/// @p qs need under numpy's default ("linear") method: floor((n-1) q) and the next one.
std::vector<std::uint64_t> needed_ranks(std::uint64_t n, std::span<const double> qs);

/// @brief The quantile @p q of @p n values from its order statistics, exactly as numpy computes it:
/// virtual index (n-1) q, lerp(a, b, g) = a + (b-a) g, or b - (b-a)(1-g) when g >= 0.5.
/// @p at returns the value of a rank listed by needed_ranks.
template <class At>
double quantile(std::uint64_t n, double q, const At& at) {
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  const double virtual_index = static_cast<double>(n - 1) * q;
  const double below =
      virtual_index < 0 ? 0.0 : static_cast<double>(static_cast<std::uint64_t>(virtual_index));
  auto k = static_cast<std::uint64_t>(below);
  if (k > n - 1) k = n - 1;
  const std::uint64_t k1 = k + 1 > n - 1 ? n - 1 : k + 1;
  const double g = virtual_index - below;
  const double a = at(k), b = at(k1);
  const double diff = b - a;
  return g >= 0.5 ? b - diff * (1.0 - g) : a + diff * g;
}

/// @brief A key interval [lo, hi] known to hold the order statistic `rank`, with `below` values
/// under lo. Narrowed by histograms of 2^kKeyBits bins until lo == hi.
struct KeyWindow {
  std::uint64_t rank = 0;
  std::uint64_t lo = 0;
  std::uint64_t hi = ~std::uint64_t{0};
  std::uint64_t below = 0;
  /// The bin width exponent that splits [lo, hi] into at most 2^kKeyBits bins.
  int shift() const;
  std::size_t bins() const;
};

/// @brief Bits of key resolution gained per narrowing round.
inline constexpr int kKeyBits = 12;

/// @brief The values inside the quantile windows. The sweeps store whole vectors past the last kept
/// value and move the end on by the values kept, so the buffer grows without being zeroed first.
using Candidates = std::vector<double, UninitializedAllocator<double>>;

/// @brief Adds to @p counts (window.bins() entries) the keys of @p values that fall in the window.
/// With @p threads > 1, OpenMP threads count parts of @p values (the counts are the same).
void count_keys(std::span<const double> values, const KeyWindow& window, std::span<std::uint64_t> counts,
                int threads = 1);

/// @brief The windows of the order statistics @p ranks of @p n values in [@p min, @p max], placed by a
/// sample of them (@p sample, m values): each rank's position in the sample, widened by about five
/// standard deviations of a sample rank (rarely, a window misses its order statistic: describe() then
/// rescans). Only the sample's order statistics at the windows' ends are needed: selected in place
/// (@p sample is reordered), not sorted.
std::vector<KeyWindow> windows_from_sample(std::span<const std::uint64_t> ranks, std::uint64_t n,
                                           std::vector<double>& sample, double min, double max);

/// @brief Narrows @p window with the global @p counts of its bins: the bin that holds `rank`.
void narrow(KeyWindow& window, std::span<const std::uint64_t> counts);

/// @brief One scan of @p values against @p windows: per window, adds to below[w] the non-missing
/// values with key < lo and to inside[w] those with lo <= key <= hi; appends to @p out (once) every value
/// that lies inside any window.
void scan_windows(std::span<const double> values, std::span<const KeyWindow> windows,
                  std::span<std::uint64_t> below, std::span<std::uint64_t> inside, Candidates& out);

/// @brief count_histogram and scan_windows in one sweep of @p values (with AVX-512: the window
/// comparisons run beside the counting, on values already in registers). The same counts and the same
/// candidates (possibly in another order) as the two calls.
void histogram_and_windows(std::span<const double> values, std::span<const double> edges,
                           std::span<std::uint64_t> counts, std::span<const KeyWindow> windows,
                           std::span<std::uint64_t> below, std::span<std::uint64_t> inside, Candidates& out);

}  // namespace parakit::kernels::describe
