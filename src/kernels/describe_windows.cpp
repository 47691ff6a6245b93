// The exact quantiles of describe(): the ranks they need, key histograms that narrow a window around
// each, and the sweep that keeps the values inside the windows.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "parakit/kernels/describe.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "parakit/error.hpp"

#include "describe_lanes.hpp"

namespace parakit::kernels::describe {

using namespace detail;

std::vector<std::uint64_t> needed_ranks(std::uint64_t n, std::span<const double> qs) {
  std::vector<std::uint64_t> ranks;
  if (n == 0) return ranks;
  for (const double q : qs) {
    quantile(n, q, [&](std::uint64_t k) {
      ranks.push_back(k);
      return 0.0;
    });
  }
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  return ranks;
}

int KeyWindow::shift() const {
  const std::uint64_t width = hi - lo;
  return std::max(0, static_cast<int>(std::bit_width(width)) - kKeyBits);
}

std::size_t KeyWindow::bins() const {
  return static_cast<std::size_t>(((hi - lo) >> shift()) + 1);
}

void count_keys(std::span<const double> values, const KeyWindow& window, std::span<std::uint64_t> counts,
                int threads) {
  const int shift = window.shift();
  const std::size_t bins = window.bins();
  PARAKIT_REQUIRE(counts.size() == bins, "one count per key bin");
  const std::uint64_t width = window.hi - window.lo;
  constexpr std::size_t kPiece = 4096;
  const std::size_t pieces = (values.size() + kPiece - 1) / kPiece;
  // Each thread counts whole pieces: first the bins of the values inside, packed without branches, then
  // the increments. Values outside (or NaN) never touch a counter, so they do not queue up on one.
#pragma omp parallel num_threads(pieces > 16 ? threads : 1)
  {
    std::vector<std::uint64_t> local(bins, 0);
    std::vector<std::uint32_t> packed(kPiece);
#pragma omp for schedule(static) nowait
    for (std::size_t p = 0; p < pieces; ++p) {
      const std::size_t from = p * kPiece, to = std::min(values.size(), from + kPiece);
      std::size_t m = 0;
      for (std::size_t i = from; i < to; ++i) {
        const double v = values[i];
        const std::uint64_t offset = to_key(v) - window.lo;
        packed[m] = static_cast<std::uint32_t>(offset >> shift);
        m += static_cast<std::size_t>((v == v) & (offset <= width));
      }
      for (std::size_t j = 0; j < m; ++j)
        ++local[packed[j]];
    }
#pragma omp critical(parakit_count_keys)
    for (std::size_t k = 0; k < bins; ++k)
      counts[k] += local[k];
  }
}

std::vector<KeyWindow> windows_from_sample(std::span<const std::uint64_t> ranks, std::uint64_t n,
                                           std::vector<double>& sample, double min, double max) {
  std::vector<KeyWindow> windows;
  const auto m = static_cast<double>(sample.size());
  std::vector<std::pair<std::size_t, std::uint64_t*>> ends;  // sample position, where its key goes
  for (const std::uint64_t k : ranks)
    windows.push_back({.rank = k, .lo = to_key(min), .hi = to_key(max), .below = 0});
  if (sample.empty()) return windows;
  for (std::size_t w = 0; w < ranks.size(); ++w) {
    const std::uint64_t k = ranks[w];
    const double q = n > 1 ? static_cast<double>(k) / static_cast<double>(n - 1) : 0.5;
    const double centre = q * (m - 1.0);
    const double margin = 5.0 * std::sqrt(m * q * (1.0 - q)) + 8.0;
    const double lo_index = std::floor(centre - margin), hi_index = std::ceil(centre + margin);
    if (lo_index >= 0.0) ends.emplace_back(static_cast<std::size_t>(lo_index), &windows[w].lo);
    if (hi_index <= m - 1.0) ends.emplace_back(static_cast<std::size_t>(hi_index), &windows[w].hi);
  }
  std::sort(ends.begin(), ends.end());
  auto from = sample.begin();
  for (const auto& [position, key] : ends) {
    const auto at = sample.begin() + static_cast<std::ptrdiff_t>(position);
    if (at >= from) {
      std::nth_element(from, at, sample.end());
      from = at + 1;
    }
    *key = to_key(*at);
  }
  return windows;
}

void narrow(KeyWindow& window, std::span<const std::uint64_t> counts) {
  const int shift = window.shift();
  std::uint64_t below = window.below;
  for (std::size_t b = 0; b < counts.size(); ++b) {
    if (window.rank < below + counts[b]) {
      const std::uint64_t lo = window.lo + (static_cast<std::uint64_t>(b) << shift);
      const std::uint64_t width = (std::uint64_t{1} << shift) - 1;
      window.hi = std::min(window.hi, lo + width < lo ? window.hi : lo + width);
      window.lo = lo;
      window.below = below;
      return;
    }
    below += counts[b];
  }
  throw Error("quantile selection: order statistic " + std::to_string(window.rank) +
              " is not inside its key window (the counts do not add up)");
}

void scan_windows(std::span<const double> values, std::span<const KeyWindow> windows,
                  std::span<std::uint64_t> below, std::span<std::uint64_t> inside, Candidates& out) {
  PARAKIT_REQUIRE(below.size() == windows.size() && inside.size() == windows.size(), "one count per window");
  const DistinctWindows distinct(windows);
  const std::size_t nd = distinct.count;
  const double* lo = distinct.lo;
  const double* hi = distinct.hi;
  std::uint64_t under[DistinctWindows::kMax] = {}, in[DistinctWindows::kMax] = {};
  const double* x = values.data();
  const std::size_t n = values.size();
  // One sweep, kLanes values at a time: per window a count of values below and inside; a value inside
  // any window (rare) is kept. The window count is a template argument, so the counters stay in registers.
  // Pieces of at most kPiece values: the room made for candidates is one piece, whatever the length.
  constexpr std::size_t kPiece = std::size_t{1} << 16;
  std::size_t k = 0;
  for (std::size_t from = 0; nd >= 1 && nd <= 4 && from < n; from += kPiece) {
    const std::size_t m = std::min(kPiece, n - from);
    const double* piece = x + from;
    switch (nd) {
      case 1:
        k = from + scan_lanes<1>(piece, m, lo, hi, under, in, out);
        break;
      case 2:
        k = from + scan_lanes<2>(piece, m, lo, hi, under, in, out);
        break;
      case 3:
        k = from + scan_lanes<3>(piece, m, lo, hi, under, in, out);
        break;
      default:
        k = from + scan_lanes<4>(piece, m, lo, hi, under, in, out);
    }
  }
  // More windows than the vector sweep takes: the scalar loop below does it all.
  for (; k < n; ++k) {
    const double v = x[k];
    bool keep = false;
    for (std::size_t d = 0; d < nd; ++d) {
      under[d] += v < lo[d] ? 1U : 0U;
      const bool inside_d = v >= lo[d] && v <= hi[d];
      in[d] += inside_d ? 1U : 0U;
      keep = keep || inside_d;
    }
    if (keep) out.push_back(v);
  }
  for (std::size_t w = 0; w < windows.size(); ++w) {
    below[w] += under[distinct.which[w]];
    inside[w] += in[distinct.which[w]];
  }
}

}  // namespace parakit::kernels::describe
