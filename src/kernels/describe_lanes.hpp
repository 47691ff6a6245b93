#pragma once
// The vector lanes shared by the passes of describe() (src/kernels/describe_*.cpp): GCC/Clang vector
// types of kLanes doubles, and the window tests of one vector sweep. Internal: not installed.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "parakit/error.hpp"
#include "parakit/kernels/describe.hpp"

namespace parakit::kernels::describe::detail {

constexpr int kLanes = 8;
// kLanes doubles, and the comparison masks of them (-1 true, 0 false).
using V = double __attribute__((vector_size(kLanes * sizeof(double))));
using M = std::int64_t __attribute__((vector_size(kLanes * sizeof(double))));
// The block sums run in kSumLanes lanes: two vectors of kLanes.
constexpr int kSumLanes = 2 * kLanes;

// Room in @p out for @p n candidates and one vector more, not zeroed (Candidates' allocator): where a
// sweep stores whole vectors, moving on only by the values it keeps. keep_up_to cuts @p out back to them.
inline double* room_for(Candidates& out, std::size_t n) {
  const std::size_t at = out.size();
  out.resize(at + n + kLanes);
  return out.data() + at;
}
inline void keep_up_to(Candidates& out, const double* end) {
  out.resize(static_cast<std::size_t>(end - out.data()));
}

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
inline std::size_t scan_lanes(const double* x, std::size_t n, const double* lo, const double* hi,
                              std::uint64_t* under, std::uint64_t* in, Candidates& out) {
  // Kept values are written without branches: every vector is stored, the end moves on only by its hits.
  double* kept = room_for(out, n);
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
  keep_up_to(out, kept);
  return k;
}

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

}  // namespace parakit::kernels::describe::detail
