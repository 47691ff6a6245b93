// The block summaries of describe(): count, compensated sum, min, max and M2 of a block in two vector
// sweeps, and their exact combination.

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
namespace {

using namespace detail;

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

// The vector part of sweep 1 over kSumLanes lanes: compensated sums, counts, min and max. GCC/Clang
// vector types: one lane per array slot, the same operations in every lane; lanes 0-7 in one vector,
// 8-15 in another (two chains of additions that overlap). The order of operations per lane is fixed, so
// the bits do not depend on the vector width. With kHasNaN false, every value is taken as present: the
// same bits as with true when there is no NaN, and a NaN lane sum when there is one (the caller checks).
template <bool kHasNaN>
std::size_t sum_lanes(const double* x, std::size_t n, double* sum, double* err, std::uint64_t* count,
                      double* lo, double* hi) {
  V sv[2] = {}, ev[2] = {}, lov[2], hiv[2];
  M cv[2] = {};
  for (int h = 0; h < 2; ++h) {
    for (int l = 0; l < kLanes; ++l) {
      lov[h][l] = std::numeric_limits<double>::infinity();
      hiv[h][l] = -std::numeric_limits<double>::infinity();
    }
  }
  const V zero{};
  std::size_t i = 0;
  for (; i + kSumLanes <= n; i += kSumLanes) {
    for (int h = 0; h < 2; ++h) {
      V v;
      std::memcpy(&v, x + i + h * kLanes, sizeof v);
      V a = v;
      if constexpr (kHasNaN) {
        const M present = v == v;
        a = present ? v : zero;
        cv[h] -= present;
      }
      const V t = sv[h] + a;
      const V z = t - sv[h];
      ev[h] += (sv[h] - (t - z)) + (a - z);
      sv[h] = t;
      lov[h] = v < lov[h] ? v : lov[h];
      hiv[h] = v > hiv[h] ? v : hiv[h];
    }
  }
  for (int h = 0; h < 2; ++h) {
    for (int l = 0; l < kLanes; ++l) {
      sum[h * kLanes + l] = sv[h][l];
      err[h * kLanes + l] = ev[h][l];
      count[h * kLanes + l] = kHasNaN ? static_cast<std::uint64_t>(cv[h][l]) : i / kSumLanes;
      lo[h * kLanes + l] = lov[h][l];
      hi[h * kLanes + l] = hiv[h][l];
    }
  }
  return i;
}

// Sweep 1 of summarize_block: count, compensated sum, min and max of the values that are not NaN.
BlockSummary sum_and_range(const double* x, std::size_t n) {
  double sum[kSumLanes], err[kSumLanes], lo[kSumLanes], hi[kSumLanes];
  std::uint64_t count[kSumLanes];
  // Most blocks hold no NaN: the sweep without the missing-value masks first, and again with them when
  // a lane's sum says it met a NaN (or an infinity: inf - inf in its error term).
  std::size_t i = sum_lanes<false>(x, n, sum, err, count, lo, hi);
  bool is_clean = true;
  for (int l = 0; l < kSumLanes; ++l)
    is_clean = is_clean && sum[l] == sum[l] && err[l] == err[l];
  if (!is_clean) i = sum_lanes<true>(x, n, sum, err, count, lo, hi);
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

// The vector part of sweep 2: squared deviations from @p mean and their sum, in kSumLanes lanes. With
// kHasNaN false every value is taken as present (the block has no NaN).
template <bool kHasNaN>
std::size_t deviation_lanes(const double* x, std::size_t n, double mean, double* sq, double* dev) {
  V sqv[2] = {}, devv[2] = {};
  const V zero{};
  V mv;
  for (int l = 0; l < kLanes; ++l)
    mv[l] = mean;
  std::size_t i = 0;
  for (; i + kSumLanes <= n; i += kSumLanes) {
    for (int h = 0; h < 2; ++h) {
      V v;
      std::memcpy(&v, x + i + h * kLanes, sizeof v);
      V d = v - mv;
      if constexpr (kHasNaN) d = v == v ? d : zero;
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
  return i;
}

// Sweep 2 of summarize_block (the block is in cache): the M2 of its @p count values, i.e. the squared
// deviations from @p mean, with the correction term of the corrected two-pass algorithm.
double squared_deviations(const double* x, std::size_t n, double mean, std::uint64_t count) {
  double sq[kSumLanes], dev[kSumLanes];
  std::size_t i =
      count == n ? deviation_lanes<false>(x, n, mean, sq, dev) : deviation_lanes<true>(x, n, mean, sq, dev);
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

}  // namespace parakit::kernels::describe
