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
  double slack() const { return slack_; }

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

#if defined(__AVX512F__) && defined(__AVX512DQ__)
// For a few bins (the default 10), counting needs no store per value: a vector lane's counts live in
// fields of w bits of one 64-bit accumulator, and a value adds 1 << (w bin) to its lane. The fields
// are emptied into 64-bit counts before they can overflow. The window tests run in the same sweep:
// for sorted windows that do not overlap, one comparison per window gives the count below it and the
// last window begun, and one more (against that window's end) whether the value is a candidate.
class SmallHistogram {
  // The sum of the lanes (GCC 12's _mm512_reduce_add_epi64 trips -Wmaybe-uninitialized).
  static std::uint64_t lane_sum(__m512i v) {
    alignas(64) std::uint64_t lanes[kLanes];
    _mm512_store_si512(lanes, v);
    std::uint64_t sum = 0;
    for (const std::uint64_t l : lanes)
      sum += l;
    return sum;
  }

 public:
  static constexpr std::size_t kMaxBins = 16;
  static constexpr std::size_t kMaxWindows = 4;

  // The windows, as sorted doubles that do not overlap; false when they overlap (the general path).
  static bool sorted_windows(const DistinctWindows& distinct, double* lo, double* hi, std::size_t* order) {
    std::size_t d = 0;
    for (; d < distinct.count; ++d)
      order[d] = d;
    std::sort(order, order + distinct.count,
              [&](std::size_t a, std::size_t b) { return distinct.lo[a] < distinct.lo[b]; });
    for (d = 0; d < distinct.count; ++d) {
      lo[d] = distinct.lo[order[d]];
      hi[d] = distinct.hi[order[d]];
      if (!(lo[d] <= hi[d]) || (d > 0 && !(hi[d - 1] < lo[d]))) return false;
    }
    return true;
  }

  SmallHistogram(const Histogram& h, std::span<const double> edges)
      : h_(h),
        width_(std::min<std::size_t>(8, 64 / h.bins())),
        first_(_mm512_set1_pd(edges.front())),
        norm_(_mm512_set1_pd(static_cast<double>(h.bins()) / (edges.back() - edges.front()))),
        low_(_mm512_set1_pd(h.slack())),
        high_(_mm512_set1_pd(1.0 - h.slack())) {}

  // Counts x[0, n) (whole vectors only) into @p counts (bins entries) and, per window d, the values
  // below lo[d] into @p under; appends the values inside any window at @p kept. Returns the values
  // covered and moves @p kept past the candidates.
  template <std::size_t D>
  std::size_t count(const double* x, std::size_t n, std::uint64_t* counts, const double* lo, const double* hi,
                    std::uint64_t* under, double*& kept) const {
    const std::size_t bins = h_.bins();
    const std::size_t period = (std::size_t{1} << width_) - 1;  // vectors before a field can overflow
    const __m512i one = _mm512_set1_epi64(1), width = _mm512_set1_epi64(static_cast<long long>(width_));
    const __m512i field = _mm512_set1_epi64(static_cast<long long>(period));
    __m512d vlo[D > 0 ? D : 1], vhi[D > 0 ? D : 1];
    for (std::size_t d = 0; d < D; ++d) {
      vlo[d] = _mm512_set1_pd(lo[d]);
      vhi[d] = _mm512_set1_pd(hi[d]);
    }
    // The counts below each window, in named registers: GCC keeps an array of them on the stack, and
    // the sweep then waits on a store and a load per window and vector.
    __m512i below0 = _mm512_setzero_si512(), below1 = below0, below2 = below0, below3 = below0;
    static_assert(D <= kMaxWindows);
    const __m512d none = _mm512_set1_pd(std::numeric_limits<double>::quiet_NaN());
    // In memory, touched once a period: kept in registers they push the sweep's own values out of them.
    alignas(64) std::uint64_t total[kMaxBins][kLanes] = {};
    std::size_t i = 0;
    while (i + kLanes <= n) {
      const std::size_t start = i, vectors = std::min(period, (n - i) / kLanes);
      __m512i acc = _mm512_setzero_si512();
      for (std::size_t j = 0; j < vectors; ++j, i += kLanes) {
        const __m512d v = _mm512_loadu_pd(x + i);
        __m512i bin;
        const __mmask8 clear = clear_bins(v, bin);
        // A value outside [first, last] may look clear; its shift (width x bin) is then at least 64 (or
        // negative, so huge): the shift gives 0 and nothing is counted.
        acc = _mm512_add_epi64(acc, _mm512_maskz_sllv_epi64(clear, one, _mm512_mullo_epi64(bin, width)));
        if constexpr (D > 0) {
          // Per window: the values below it; the end of the last window begun (NaN before the first).
          __m512d end = none;
          const auto window = [&](std::size_t d, __m512i& below) {
            const __mmask8 is_below = _mm512_cmp_pd_mask(v, vlo[d], _CMP_LT_OQ);
            below = _mm512_mask_add_epi64(below, is_below, below, one);
            end = _mm512_mask_blend_pd(is_below, vhi[d], end);
          };
          window(0, below0);
          if constexpr (D > 1) window(1, below1);
          if constexpr (D > 2) window(2, below2);
          if constexpr (D > 3) window(3, below3);
          const __mmask8 inside = _mm512_cmp_pd_mask(v, end, _CMP_LE_OQ);
          _mm512_storeu_pd(kept, _mm512_maskz_compress_pd(inside, v));
          kept += __builtin_popcount(inside);
        }
      }
      __m512i counted = _mm512_setzero_si512();
      for (std::size_t b = 0; b < bins; ++b) {
        const __m512i c =
            _mm512_and_si512(_mm512_maskz_srli_epi64(0xFF, acc, static_cast<unsigned>(width_ * b)), field);
        _mm512_store_si512(total[b], _mm512_add_epi64(_mm512_load_si512(total[b]), c));
        counted = _mm512_add_epi64(counted, c);
      }
      // Values near an edge, NaN and values outside were not counted: numpy's rule, one by one (rare).
      if (lane_sum(counted) != vectors * kLanes) count_unclear(x + start, vectors * kLanes, counts);
    }
    for (std::size_t b = 0; b < bins; ++b)
      counts[b] += lane_sum(_mm512_load_si512(total[b]));
    const __m512i below[kMaxWindows] = {below0, below1, below2, below3};
    for (std::size_t d = 0; d < D; ++d)
      under[d] += lane_sum(below[d]);
    return i;
  }

  // Adds to in[d] the values of @p kept [first, last) inside window d (sorted windows that do not overlap).
  template <std::size_t D>
  static void count_inside(const double* first, const double* last, const double* lo, const double* hi,
                           std::uint64_t* in) {
    __m512i inside[D > 0 ? D : 1];
    for (std::size_t d = 0; d < D; ++d)
      inside[d] = _mm512_setzero_si512();
    const __m512i one = _mm512_set1_epi64(1);
    for (; last - first >= kLanes; first += kLanes) {
      const __m512d v = _mm512_loadu_pd(first);
      for (std::size_t d = 0; d < D; ++d) {
        const __mmask8 is_in = _mm512_mask_cmp_pd_mask(
            _mm512_cmp_pd_mask(v, _mm512_set1_pd(lo[d]), _CMP_GE_OQ), v, _mm512_set1_pd(hi[d]), _CMP_LE_OQ);
        inside[d] = _mm512_mask_add_epi64(inside[d], is_in, inside[d], one);
      }
    }
    for (std::size_t d = 0; d < D; ++d)
      in[d] += lane_sum(inside[d]);
    for (; first != last; ++first) {
      for (std::size_t d = 0; d < D; ++d)
        in[d] += *first >= lo[d] && *first <= hi[d] ? 1U : 0U;
    }
  }

 private:
  // The bin of each lane from the scaled position, and the lanes where it is certain: a value at least
  // the position's rounding error (slack) away from a whole number, so inside [first, last] and not NaN.
  __mmask8 clear_bins(__m512d v, __m512i& bin) const {
    const __m512d position = _mm512_mul_pd(_mm512_sub_pd(v, first_), norm_);
    bin = _mm512_cvttpd_epi64(position);
    const __m512d fraction = _mm512_reduce_pd(position, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    return _mm512_mask_cmp_pd_mask(_mm512_cmp_pd_mask(fraction, low_, _CMP_GE_OQ), fraction, high_,
                                   _CMP_LE_OQ);
  }

  void count_unclear(const double* x, std::size_t n, std::uint64_t* counts) const {
    for (std::size_t i = 0; i < n; i += kLanes) {
      __m512i bin;
      for (unsigned lanes = static_cast<__mmask8>(~clear_bins(_mm512_loadu_pd(x + i), bin)); lanes != 0;
           lanes &= lanes - 1) {
        const std::size_t k = h_.bin_of(x[i + static_cast<std::size_t>(__builtin_ctz(lanes))]);
        if (k < h_.bins()) ++counts[k];
      }
    }
  }

  const Histogram& h_;
  std::size_t width_;
  __m512d first_, norm_, low_, high_;
};

// The small-bin path for D sorted windows: whole vectors of @p values, then the rest one by one.
template <std::size_t D>
void count_small(const Histogram& h, std::span<const double> values, std::span<const double> edges,
                 std::span<std::uint64_t> counts, const double* lo, const double* hi, std::uint64_t* under,
                 std::uint64_t* in, Candidates& out) {
  double* const first = room_for(out, values.size());
  double* kept = first;
  const SmallHistogram small(h, edges);
  const std::size_t done = small.count<D>(values.data(), values.size(), counts.data(), lo, hi, under, kept);
  for (std::size_t i = done; i < values.size(); ++i) {
    const double v = values[i];
    const std::size_t k = h.bin_of(v);
    if (k < h.bins()) ++counts[k];
    bool keep = false;
    for (std::size_t d = 0; d < D; ++d) {
      under[d] += v < lo[d] ? 1U : 0U;
      keep = keep || (v >= lo[d] && v <= hi[d]);
    }
    if (keep) *kept++ = v;
  }
  // The windows do not overlap: each candidate is inside exactly one.
  SmallHistogram::count_inside<D>(first, kept, lo, hi, in);
  keep_up_to(out, kept);
}

// Tries the small-bin path; false when it does not apply (many bins, large rounding, overlapping windows).
bool try_small(std::span<const double> values, std::span<const double> edges, std::span<std::uint64_t> counts,
               std::span<const KeyWindow> windows, std::span<std::uint64_t> below,
               std::span<std::uint64_t> inside, Candidates& out) {
  const Histogram h(edges);
  if (h.bins() > SmallHistogram::kMaxBins || !h.vector_path()) return false;
  const DistinctWindows distinct(windows);
  double lo[DistinctWindows::kMax], hi[DistinctWindows::kMax];
  std::size_t order[DistinctWindows::kMax];
  if (distinct.count > SmallHistogram::kMaxWindows ||
      !SmallHistogram::sorted_windows(distinct, lo, hi, order))
    return false;
  PARAKIT_REQUIRE(counts.size() == h.bins(), "one count per bin");
  PARAKIT_REQUIRE(below.size() == windows.size() && inside.size() == windows.size(), "one count per window");
  std::uint64_t under[DistinctWindows::kMax] = {}, in[DistinctWindows::kMax] = {};
  switch (distinct.count) {
    case 0:
      count_small<0>(h, values, edges, counts, lo, hi, under, in, out);
      break;
    case 1:
      count_small<1>(h, values, edges, counts, lo, hi, under, in, out);
      break;
    case 2:
      count_small<2>(h, values, edges, counts, lo, hi, under, in, out);
      break;
    case 3:
      count_small<3>(h, values, edges, counts, lo, hi, under, in, out);
      break;
    default:
      count_small<4>(h, values, edges, counts, lo, hi, under, in, out);
  }
  std::size_t sorted_of[DistinctWindows::kMax] = {};
  for (std::size_t d = 0; d < distinct.count; ++d)
    sorted_of[order[d]] = d;
  for (std::size_t w = 0; w < windows.size(); ++w) {
    below[w] += under[sorted_of[distinct.which[w]]];
    inside[w] += in[sorted_of[distinct.which[w]]];
  }
  return true;
}
#else
bool try_small(std::span<const double>, std::span<const double>, std::span<std::uint64_t>,
               std::span<const KeyWindow>, std::span<std::uint64_t>, std::span<std::uint64_t>, Candidates&) {
  return false;
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
  Candidates no_candidates;
  if (try_small(values, edges, counts, {}, {}, {}, no_candidates)) return;
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
                           std::span<std::uint64_t> below, std::span<std::uint64_t> inside, Candidates& out) {
  if (edges.size() >= 2 && try_small(values, edges, counts, windows, below, inside, out)) return;
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
      local.assign(Histogram::kCopies * h.stride(), 0);
      std::size_t done = 0;
      std::uint64_t under[DistinctWindows::kMax] = {}, in[DistinctWindows::kMax] = {};
      double* kept = room_for(out, values.size());
      const auto sweep = [&]<std::size_t D>(std::integral_constant<std::size_t, D>) {
        WindowHook<D> hook(distinct.lo, distinct.hi, kept);
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
      keep_up_to(out, kept);
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
