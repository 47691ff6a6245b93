// The histogram of describe() with numpy's edges: vectorised binning (exact rule near the edges), and the
// one sweep that also tests the quantile windows.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <vector>

#include "parakit/kernels/describe.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "parakit/error.hpp"

#include "describe_lanes.hpp"

namespace parakit::kernels::describe {

using namespace detail;

std::vector<double> histogram_edges(double min, double max, std::size_t bins) {
  if (bins == 0 || !std::isfinite(min) || !std::isfinite(max)) return {};
  if (min == max) {
    min -= 0.5;
    max += 0.5;
  }
  std::vector<double> edges(bins + 1);
  const double step = (max - min) / static_cast<double>(bins);
  for (std::size_t i = 0; i < bins; ++i)
    edges[i] = static_cast<double>(i) * step + min;
  edges[bins] = max;
  return edges;
}

namespace {

// Histogram counting over edges as numpy makes them, in per-lane copies of the counts.
class Histogram {
 public:
  static constexpr std::size_t kCopies = 8;

  explicit Histogram(std::span<const double> edges)
      : edges_(edges),
        bins_(edges.size() - 1),
        stride_(bins_ + 1),
        first_(edges.front()),
        last_(edges.back()),
        norm_(static_cast<double>(bins_) / (last_ - first_)) {
    // The scaled position's fraction tells when numpy's correction can matter: only within the
    // rounding error of the position and of the edges (a generous bound, in bins) of a whole number.
    const double step = (last_ - first_) / static_cast<double>(bins_);
    slack_ = 64.0 * std::numeric_limits<double>::epsilon() *
             ((std::fabs(first_) + std::fabs(last_)) / step + static_cast<double>(bins_) + 1.0);
  }

  std::size_t bins() const { return bins_; }
  std::size_t stride() const { return stride_; }

  // numpy's rule, exactly: the bin from the scaled position, then corrected by comparisons with the
  // linspace edges (the multiplication may round across an edge). bins for NaN and values outside.
  std::size_t bin_of(double v) const {
    const bool inside = v >= first_ && v <= last_;  // false for NaN
    // numpy's order (divide by the range, then scale), which stays finite when the range is tiny; a
    // position that is not a number (first == last) counts as the last bin before the correction.
    const double position = inside ? (v - first_) / (last_ - first_) * static_cast<double>(bins_) : 0.0;
    std::size_t k = position < static_cast<double>(bins_) ? static_cast<std::size_t>(position) : bins_ - 1;
    k -= static_cast<std::size_t>(v < edges_[k]);
    k += static_cast<std::size_t>(k != bins_ - 1 && v >= edges_[k + 1]);
    return inside ? k : bins_;
  }

  // Whether per-lane copies pay for @p n values (with many bins they cost more to clear than they save).
  bool copies_pay(std::size_t n) const { return kCopies * stride_ <= n && bins_ <= 8192; }

  // Whether the vector path may run (the edges' rounding is small against a bin).
  bool vector_path() const { return slack_ < 0.25 && std::isfinite(norm_); }

  // Counts values into the copies in @p counters (kCopies x stride, lane l in copy l), kCopies x 64 at a
  // time, and shows each vector of values to @p hook; returns how many values it covered.
  template <class Hook>
  std::size_t count_batches(const double* x, std::size_t n, std::uint32_t* counters, Hook& hook) const;

 private:
  std::span<const double> edges_;
  std::size_t bins_, stride_;
  double first_, last_, norm_, slack_ = 1.0;
};

#if defined(__AVX512F__) && defined(__AVX512DQ__)
template <class Hook>
std::size_t Histogram::count_batches(const double* x, std::size_t n, std::uint32_t* counters,
                                     Hook& hook) const {
  const __m512d vfirst = _mm512_set1_pd(first_), vlast = _mm512_set1_pd(last_), vnorm = _mm512_set1_pd(norm_);
  const __m512d vlow = _mm512_set1_pd(slack_), vhigh = _mm512_set1_pd(1.0 - slack_);
  const __m512i vtop = _mm512_set1_epi64(static_cast<long long>(bins_ - 1));
  const __m512i vout = _mm512_set1_epi64(static_cast<long long>(bins_));
  const __m512i vcopy = _mm512_mullo_epi64(_mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0),
                                           _mm512_set1_epi64(static_cast<long long>(stride_)));
  // A batch of slots is computed first and then counted: reading a lane back right after its vector
  // store stalls (store forwarding), and pulling lanes out of registers one by one costs more.
  constexpr std::size_t kBatch = 64 * kCopies;
  alignas(64) std::uint64_t slot[kBatch];
  std::uint8_t near[kBatch / kCopies];
  std::size_t i = 0;
  for (; i + kBatch <= n; i += kBatch) {
    unsigned any_near = 0;
    for (std::size_t j = 0; j < kBatch; j += kCopies) {
      const __m512d v = _mm512_loadu_pd(x + i + j);
      hook.vector(v);
      const __mmask8 inside =
          _mm512_cmp_pd_mask(v, vfirst, _CMP_GE_OQ) & _mm512_cmp_pd_mask(v, vlast, _CMP_LE_OQ);
      const __m512d position = _mm512_mul_pd(_mm512_sub_pd(v, vfirst), vnorm);
      const __m512i whole = _mm512_cvttpd_epi64(position);
      const __m512d fraction = _mm512_sub_pd(position, _mm512_cvtepi64_pd(whole));
      const __mmask8 clear = inside & _mm512_cmp_pd_mask(fraction, vlow, _CMP_GE_OQ) &
                             _mm512_cmp_pd_mask(fraction, vhigh, _CMP_LE_OQ);
      const __m512i bin = _mm512_mask_min_epi64(vout, clear, whole, vtop);
      _mm512_store_si512(slot + j, _mm512_add_epi64(bin, vcopy));
      near[j / kCopies] = static_cast<std::uint8_t>(inside & ~clear);
      any_near |= near[j / kCopies];
    }
    asm volatile("" ::: "memory");  // the counting loop reads the slots from memory
    for (std::size_t j = 0; j < kBatch; ++j)
      ++counters[slot[j]];
    // Near an edge: the exact rule moves the value from the outside slot to its bin (rare).
    for (std::size_t j = 0; any_near != 0 && j < kBatch / kCopies; ++j) {
      for (unsigned lanes = near[j]; lanes != 0; lanes &= lanes - 1) {
        const auto l = static_cast<std::size_t>(__builtin_ctz(lanes));
        --counters[l * stride_ + bins_];
        ++counters[l * stride_ + bin_of(x[i + j * kCopies + l])];
      }
    }
  }
  return i;
}
#else
template <class Hook>
std::size_t Histogram::count_batches(const double*, std::size_t, std::uint32_t*, Hook&) const {
  return 0;  // the scalar loops do it all
}
#endif

// A hook that does nothing: the histogram alone.
struct NoHook {
#if defined(__AVX512F__)
  void vector(__m512d /*v*/) {}
#endif
};

// Adds the copies of the counts in @p local into @p counts.
void fold_copies(const std::vector<std::uint32_t>& local, std::size_t copies, std::size_t stride,
                 std::span<std::uint64_t> counts) {
  for (std::size_t k = 0; k < counts.size(); ++k) {
    for (std::size_t c = 0; c < copies; ++c)
      counts[k] += local[c * stride + k];
  }
}

// The histogram of @p values from @p from on, value by value, into the copies (value i in copy i % 8).
void count_rest(const Histogram& h, std::span<const double> values, std::size_t from, std::uint32_t* local) {
  for (std::size_t i = from; i < values.size(); ++i)
    ++local[i % Histogram::kCopies * h.stride() + h.bin_of(values[i])];
}

}  // namespace

void count_histogram(std::span<const double> values, std::span<const double> edges,
                     std::span<std::uint64_t> counts) {
  if (edges.size() < 2) return;
  const Histogram h(edges);
  PARAKIT_REQUIRE(counts.size() == h.bins(), "one count per bin");
  PARAKIT_REQUIRE(values.size() < (std::size_t{1} << 32), "at most 2^32 - 1 values per call");
  if (!h.copies_pay(values.size())) {
    for (const double v : values) {
      const std::size_t k = h.bin_of(v);
      if (k < h.bins()) ++counts[k];
    }
    return;
  }
  // Eight interleaved copies of the counts (one per vector lane), each with a slot for values outside:
  // neighbouring values often fall in the same bin, and increments of one counter would wait for each other.
  thread_local std::vector<std::uint32_t> local;
  local.assign(Histogram::kCopies * h.stride(), 0);
  NoHook none;
  const std::size_t done =
      h.vector_path() ? h.count_batches(values.data(), values.size(), local.data(), none) : 0;
  count_rest(h, values, done, local.data());
  fold_copies(local, Histogram::kCopies, h.stride(), counts);
}

void histogram_and_windows(std::span<const double> values, std::span<const double> edges,
                           std::span<std::uint64_t> counts, std::span<const KeyWindow> windows,
                           std::span<std::uint64_t> below, std::span<std::uint64_t> inside,
                           std::vector<double>& out) {
#if defined(__AVX512F__) && defined(__AVX512DQ__)
  if (edges.size() >= 2 && !windows.empty()) {
    const Histogram h(edges);
    const DistinctWindows distinct(windows);
    if (h.vector_path() && h.copies_pay(values.size()) && distinct.count <= 4 &&
        values.size() < (std::size_t{1} << 32)) {
      PARAKIT_REQUIRE(counts.size() == h.bins(), "one count per bin");
      PARAKIT_REQUIRE(below.size() == windows.size() && inside.size() == windows.size(),
                      "one count per window");
      thread_local std::vector<std::uint32_t> local;
      thread_local std::vector<double> scratch;
      local.assign(Histogram::kCopies * h.stride(), 0);
      if (scratch.size() < values.size() + kLanes) scratch.resize(values.size() + kLanes);
      std::size_t done = 0;
      std::uint64_t under[DistinctWindows::kMax] = {}, in[DistinctWindows::kMax] = {};
      double* kept = scratch.data();
      const auto sweep = [&]<std::size_t D>(std::integral_constant<std::size_t, D>) {
        WindowHook<D> hook(distinct.lo, distinct.hi, scratch.data());
        done = h.count_batches(values.data(), values.size(), local.data(), hook);
        for (std::size_t d = 0; d < D; ++d) {
          under[d] = hook.under[d];
          in[d] = hook.in[d];
        }
        kept = hook.kept;
      };
      switch (distinct.count) {
        case 1:
          sweep(std::integral_constant<std::size_t, 1>{});
          break;
        case 2:
          sweep(std::integral_constant<std::size_t, 2>{});
          break;
        case 3:
          sweep(std::integral_constant<std::size_t, 3>{});
          break;
        default:
          sweep(std::integral_constant<std::size_t, 4>{});
      }
      out.insert(out.end(), scratch.data(), kept);
      for (std::size_t w = 0; w < windows.size(); ++w) {
        below[w] += under[distinct.which[w]];
        inside[w] += in[distinct.which[w]];
      }
      count_rest(h, values, done, local.data());
      fold_copies(local, Histogram::kCopies, h.stride(), counts);
      scan_windows(values.subspan(done), windows, below, inside, out);
      return;
    }
  }
#endif
  count_histogram(values, edges, counts);
  if (!windows.empty()) scan_windows(values, windows, below, inside, out);
}

}  // namespace parakit::kernels::describe
