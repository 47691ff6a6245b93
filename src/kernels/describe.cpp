#include "parakit/kernels/describe.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "parakit/error.hpp"

namespace parakit::kernels::describe {
namespace {

constexpr int kLanes = 8;
// kLanes doubles, and the comparison masks of them (-1 true, 0 false).
using V = double __attribute__((vector_size(kLanes * sizeof(double))));
using M = std::int64_t __attribute__((vector_size(kLanes * sizeof(double))));
// The block sums run in kSumLanes lanes: two vectors of kLanes.
constexpr int kSumLanes = 2 * kLanes;

// Knuth's TwoSum: s + err == a + b exactly.
inline void two_sum(double a, double b, double& s, double& err) {
  s = a + b;
  const double z = s - a;
  err = (a - (s - z)) + (b - z);
}

// A double-double accumulator, added to in a fixed order.
struct DoubleDouble {
  double hi = 0.0;
  double lo = 0.0;
  void add(double x) {
    double s, e;
    two_sum(hi, x, s, e);
    hi = s;
    lo += e;
  }
  double value() const { return hi + lo; }
};

#if defined(__AVX512F__)
// The windows' part of a vector sweep: counts below and inside each of D windows, and the values inside
// any, packed into @p kept (room for every value plus kLanes).
template <std::size_t D>
struct WindowHook {
  __m512d lo[D], hi[D];
  std::uint64_t under[D] = {}, in[D] = {};
  double* kept;
  WindowHook(const double* low, const double* high, double* out) : kept(out) {
    for (std::size_t d = 0; d < D; ++d) {
      lo[d] = _mm512_set1_pd(low[d]);
      hi[d] = _mm512_set1_pd(high[d]);
    }
  }
  void vector(__m512d v) {
    unsigned any = 0;
    for (std::size_t d = 0; d < D; ++d) {
      // Two comparisons: below lo, and up to hi (NaN is neither); inside is the second without the first.
      const unsigned low = _mm512_cmp_pd_mask(v, lo[d], _CMP_LT_OQ);
      const unsigned inside = _mm512_cmp_pd_mask(v, hi[d], _CMP_LE_OQ) & ~low;
      under[d] += static_cast<unsigned>(__builtin_popcount(low));
      in[d] += static_cast<unsigned>(__builtin_popcount(inside));
      any |= inside;
    }
    _mm512_storeu_pd(kept, _mm512_maskz_compress_pd(static_cast<__mmask8>(any), v));
    kept += __builtin_popcount(any);
  }
};
#endif

// The vector part of scan_windows for D distinct windows; returns how many values it covered.
template <std::size_t D>
std::size_t scan_lanes(const double* x, std::size_t n, const double* lo, const double* hi,
                       std::uint64_t* under, std::uint64_t* in, std::vector<double>& out) {
  // Kept values are written without branches: every vector is stored, the end moves on only by its hits.
  thread_local std::vector<double> scratch;
  if (scratch.size() < n + kLanes) scratch.resize(n + kLanes);
  double* kept = scratch.data();
  std::size_t k = 0;
#if defined(__AVX512F__)
  WindowHook<D> hook(lo, hi, kept);
  for (; k + kLanes <= n; k += kLanes)
    hook.vector(_mm512_loadu_pd(x + k));
  for (std::size_t d = 0; d < D; ++d) {
    under[d] += hook.under[d];
    in[d] += hook.in[d];
  }
  kept = hook.kept;
#else
  M under_v[D] = {}, in_v[D] = {};
  V lo_v[D], hi_v[D];
  for (std::size_t d = 0; d < D; ++d) {
    for (int l = 0; l < kLanes; ++l) {
      lo_v[d][l] = lo[d];
      hi_v[d][l] = hi[d];
    }
  }
  for (; k + kLanes <= n; k += kLanes) {
    V v;
    std::memcpy(&v, x + k, sizeof v);
    M any{};
    for (std::size_t d = 0; d < D; ++d) {
      under_v[d] -= v < lo_v[d];
      const M inside = (v >= lo_v[d]) & (v <= hi_v[d]);
      in_v[d] -= inside;
      any |= inside;
    }
    for (int l = 0; l < kLanes; ++l) {
      *kept = v[l];
      kept -= any[l];  // any is -1 for a hit
    }
  }
  for (std::size_t d = 0; d < D; ++d) {
    for (int l = 0; l < kLanes; ++l) {
      under[d] += static_cast<std::uint64_t>(under_v[d][l]);
      in[d] += static_cast<std::uint64_t>(in_v[d][l]);
    }
  }
#endif
  out.insert(out.end(), scratch.data(), kept);
  return k;
}

// Sweep 1 of summarize_block: count, compensated sum, min and max of the values that are not NaN.
BlockSummary sum_and_range(const double* x, std::size_t n) {
  // Sweep 1: counts, compensated sums and min/max in kSumLanes independent lanes (they vectorise; the
  // order of operations per lane is fixed, so the bits do not depend on the vector width).
  double sum[kSumLanes] = {}, err[kSumLanes] = {};
  double lo[kSumLanes], hi[kSumLanes];
  std::uint64_t count[kSumLanes] = {};
  for (int l = 0; l < kSumLanes; ++l) {
    lo[l] = std::numeric_limits<double>::infinity();
    hi[l] = -std::numeric_limits<double>::infinity();
  }
  std::size_t i = 0;
  {
    // GCC/Clang vector extensions: one lane per array slot, the same operations in every lane; lanes
    // 0-7 in one vector, 8-15 in another (two chains of additions that overlap).
    V sv[2] = {}, ev[2] = {}, lov[2], hiv[2];
    M cv[2] = {};
    for (int h = 0; h < 2; ++h) {
      for (int l = 0; l < kLanes; ++l) {
        lov[h][l] = lo[h * kLanes + l];
        hiv[h][l] = hi[h * kLanes + l];
      }
    }
    const V zero{};
    for (; i + kSumLanes <= n; i += kSumLanes) {
      for (int h = 0; h < 2; ++h) {
        V v;
        std::memcpy(&v, x + i + h * kLanes, sizeof v);
        const M present = v == v;
        const V a = present ? v : zero;
        const V t = sv[h] + a;
        const V z = t - sv[h];
        ev[h] += (sv[h] - (t - z)) + (a - z);
        sv[h] = t;
        cv[h] -= present;
        lov[h] = v < lov[h] ? v : lov[h];
        hiv[h] = v > hiv[h] ? v : hiv[h];
      }
    }
    for (int h = 0; h < 2; ++h) {
      for (int l = 0; l < kLanes; ++l) {
        sum[h * kLanes + l] = sv[h][l];
        err[h * kLanes + l] = ev[h][l];
        count[h * kLanes + l] = static_cast<std::uint64_t>(cv[h][l]);
        lo[h * kLanes + l] = lov[h][l];
        hi[h * kLanes + l] = hiv[h][l];
      }
    }
  }
  for (std::size_t l = 0; i < n; ++i, ++l) {
    const double v = x[i];
    if (v != v) continue;
    double s, e;
    two_sum(sum[l], v, s, e);
    sum[l] = s;
    err[l] += e;
    count[l] += 1;
    lo[l] = std::min(lo[l], v);
    hi[l] = std::max(hi[l], v);
  }
  BlockSummary b;
  DoubleDouble total;
  double error_sum = 0.0;
  for (int l = 0; l < kSumLanes; ++l) {
    total.add(sum[l]);
    error_sum += err[l];
    b.count += count[l];
    b.min = std::min(b.min, lo[l]);
    b.max = std::max(b.max, hi[l]);
  }
  total.add(error_sum);
  b.sum = total.hi;
  b.sum_error = total.lo;
  b.missing = n - b.count;
  return b;
}

// Sweep 2 of summarize_block (the block is in cache): the M2 of its @p count values, i.e. the squared
// deviations from @p mean, with the correction term of the corrected two-pass algorithm.
double squared_deviations(const double* x, std::size_t n, double mean, std::uint64_t count) {
  double sq[kSumLanes] = {}, dev[kSumLanes] = {};
  std::size_t i = 0;
  {
    V sqv[2] = {}, devv[2] = {};
    const V zero{};
    V mv;
    for (int l = 0; l < kLanes; ++l)
      mv[l] = mean;
    for (; i + kSumLanes <= n; i += kSumLanes) {
      for (int h = 0; h < 2; ++h) {
        V v;
        std::memcpy(&v, x + i + h * kLanes, sizeof v);
        const V d = v == v ? v - mv : zero;
        sqv[h] += d * d;
        devv[h] += d;
      }
    }
    for (int h = 0; h < 2; ++h) {
      for (int l = 0; l < kLanes; ++l) {
        sq[h * kLanes + l] = sqv[h][l];
        dev[h * kLanes + l] = devv[h][l];
      }
    }
  }
  for (std::size_t l = 0; i < n; ++i, ++l) {
    const double v = x[i];
    if (v != v) continue;
    const double d = v - mean;
    sq[l] += d * d;
    dev[l] += d;
  }
  double sq_total = 0.0, dev_total = 0.0;
  for (int l = 0; l < kSumLanes; ++l) {
    sq_total += sq[l];
    dev_total += dev[l];
  }
  return std::max(0.0, sq_total - dev_total * dev_total / static_cast<double>(count));
}

}  // namespace

BlockSummary summarize_block(std::span<const double> values) {
  BlockSummary b = sum_and_range(values.data(), values.size());
  if (b.count == 0) return b;
  const double mean = (b.sum + b.sum_error) / static_cast<double>(b.count);
  if (!std::isfinite(mean)) {
    b.m2 = std::numeric_limits<double>::quiet_NaN();
    return b;
  }
  b.m2 = squared_deviations(values.data(), values.size(), mean, b.count);
  return b;
}

Moments combine_blocks(std::span<const BlockSummary> blocks) {
  Moments m;
  DoubleDouble sum;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const BlockSummary& b : blocks) {
    m.count += b.count;
    m.missing += b.missing;
    if (b.count == 0) continue;
    sum.add(b.sum);
    sum.add(b.sum_error);
    lo = std::min(lo, b.min);
    hi = std::max(hi, b.max);
  }
  if (m.count == 0) return m;
  m.min = lo;
  m.max = hi;
  const auto n = static_cast<double>(m.count);
  if (!std::isfinite(lo) || !std::isfinite(hi)) {
    // pandas: an infinite value makes the mean infinite (NaN with both signs) and the std NaN.
    const bool plus = hi == std::numeric_limits<double>::infinity();
    const bool minus = lo == -std::numeric_limits<double>::infinity();
    m.mean = plus && minus ? std::numeric_limits<double>::quiet_NaN() : (plus ? hi : lo);
    return m;
  }
  m.mean = sum.value() / n;
  if (m.count < 2) return m;
  DoubleDouble m2;
  for (const BlockSummary& b : blocks) {
    if (b.count == 0) continue;
    const auto nb = static_cast<double>(b.count);
    const double d = (b.sum + b.sum_error) / nb - m.mean;
    m2.add(b.m2);
    m2.add(nb * d * d);
  }
  m.std = std::sqrt(m2.value() / (n - 1.0));
  return m;
}

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

// The windows of scan_windows compared as doubles (the same order as the keys for everything but NaN,
// which no comparison counts), distinct ones only: the windows of k and k + 1 are usually the same.
struct DistinctWindows {
  static constexpr std::size_t kMax = 8;
  std::size_t count = 0;
  double lo[kMax] = {}, hi[kMax] = {};
  std::vector<std::size_t> which;  // per window, its distinct one

  explicit DistinctWindows(std::span<const KeyWindow> windows) : which(windows.size()) {
    for (std::size_t w = 0; w < windows.size(); ++w) {
      const double l = from_key(windows[w].lo), h = from_key(windows[w].hi);
      std::size_t d = 0;
      while (d < count && !(lo[d] == l && hi[d] == h))
        ++d;
      if (d == count) {
        PARAKIT_REQUIRE(count < kMax, "at most 8 distinct windows");
        lo[d] = l;
        hi[d] = h;
        ++count;
      }
      which[w] = d;
    }
  }
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
                  std::span<std::uint64_t> below, std::span<std::uint64_t> inside, std::vector<double>& out) {
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
  std::size_t k = 0;
  switch (nd) {
    case 1:
      k = scan_lanes<1>(x, n, lo, hi, under, in, out);
      break;
    case 2:
      k = scan_lanes<2>(x, n, lo, hi, under, in, out);
      break;
    case 3:
      k = scan_lanes<3>(x, n, lo, hi, under, in, out);
      break;
    case 4:
      k = scan_lanes<4>(x, n, lo, hi, under, in, out);
      break;
    default:
      k = 0;  // the scalar loop below does it all
  }
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
