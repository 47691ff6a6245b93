// Compiled with -ffp-contract=off (CMakeLists.txt): the update expression must round the same way in
// the vectorised loop body, its scalar tail and every other place it runs.
#include "parakit/kernels/heat.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#if defined(__AVX__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "parakit/error.hpp"
#include "parakit/kernels/splitmix64.hpp"

namespace parakit::kernels::heat {
namespace {

// One row of the update: out[j] = c[j] + r ((n[j] + s[j]) + (c[j-1] + c[j+1]) - 4 c[j]).
void update_row(const double* __restrict n, const double* __restrict c, const double* __restrict s,
                double* __restrict out, std::int64_t count, double r) {
  for (std::int64_t j = 0; j < count; ++j) {
    out[j] = c[j] + r * ((n[j] + s[j]) + (c[j - 1] + c[j + 1]) - 4.0 * c[j]);
  }
}

// update_row with non-temporal stores: for grids far larger than the caches, the new values go to memory
// without first being read into the cache (16 bytes of traffic per update instead of 24). The same
// operations in the same order: the same bits.
void update_row_streaming(const double* __restrict n, const double* __restrict c, const double* __restrict s,
                          const double* ahead, double* __restrict out, std::int64_t count, double r) {
#if defined(__AVX512F__) || defined(__AVX__)
#if defined(__AVX512F__)
  constexpr std::uintptr_t kAlign = 64;
#else
  constexpr std::uintptr_t kAlign = 32;
#endif
  std::int64_t j = 0;
  for (; j < count && (reinterpret_cast<std::uintptr_t>(out + j) & (kAlign - 1)) != 0; ++j) {
    out[j] = c[j] + r * ((n[j] + s[j]) + (c[j - 1] + c[j + 1]) - 4.0 * c[j]);
  }
#if defined(__AVX512F__)
  const __m512d rr = _mm512_set1_pd(r);
  const __m512d four = _mm512_set1_pd(4.0);
  for (; j + 8 <= count; j += 8) {
    // The row after the next one: in cache by the time it is the south row (the hardware prefetcher
    // alone keeps one core at about 60 % of a copy's bandwidth here).
    _mm_prefetch(reinterpret_cast<const char*>(ahead + j), _MM_HINT_T0);
    const __m512d cc = _mm512_loadu_pd(c + j);
    const __m512d ns = _mm512_add_pd(_mm512_loadu_pd(n + j), _mm512_loadu_pd(s + j));
    const __m512d we = _mm512_add_pd(_mm512_loadu_pd(c + j - 1), _mm512_loadu_pd(c + j + 1));
    const __m512d lap = _mm512_sub_pd(_mm512_add_pd(ns, we), _mm512_mul_pd(four, cc));
    _mm512_stream_pd(out + j, _mm512_add_pd(cc, _mm512_mul_pd(rr, lap)));
  }
#else
  const __m256d rr = _mm256_set1_pd(r);
  const __m256d four = _mm256_set1_pd(4.0);
  for (; j + 4 <= count; j += 4) {
    if ((j & 7) == 0) _mm_prefetch(reinterpret_cast<const char*>(ahead + j), _MM_HINT_T0);
    const __m256d cc = _mm256_loadu_pd(c + j);
    const __m256d ns = _mm256_add_pd(_mm256_loadu_pd(n + j), _mm256_loadu_pd(s + j));
    const __m256d we = _mm256_add_pd(_mm256_loadu_pd(c + j - 1), _mm256_loadu_pd(c + j + 1));
    const __m256d lap = _mm256_sub_pd(_mm256_add_pd(ns, we), _mm256_mul_pd(four, cc));
    _mm256_stream_pd(out + j, _mm256_add_pd(cc, _mm256_mul_pd(rr, lap)));
  }
#endif
  for (; j < count; ++j) {
    out[j] = c[j] + r * ((n[j] + s[j]) + (c[j - 1] + c[j + 1]) - 4.0 * c[j]);
  }
  _mm_sfence();  // streaming stores are weakly ordered: visible before anyone reads them
#else
  (void)ahead;
  update_row(n, c, s, out, count, r);
#endif
}

// The largest |after - before| over one row, NaN when a value is not finite.
double row_change(const double* __restrict before, const double* __restrict after, std::int64_t count) {
  double largest = 0.0;
  bool finite = true;
  for (std::int64_t j = 0; j < count; ++j) {
    const double d = std::fabs(after[j] - before[j]);
    largest = d > largest ? d : largest;
    finite = finite && std::isfinite(after[j]);
  }
  return finite ? largest : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

const char* boundary_name(Boundary bc) {
  switch (bc) {
    case Boundary::kFixed:
      return "fixed";
    case Boundary::kInsulated:
      return "insulated";
    case Boundary::kPeriodic:
      return "periodic";
  }
  return "?";
}

const char* init_name(Init init) {
  switch (init) {
    case Init::kHotspot:
      return "hotspot";
    case Init::kRandom:
      return "random";
    case Init::kSine:
      return "sine";
  }
  return "?";
}

std::string grid_name(GridSize grid) {
  return std::to_string(grid.rows) + "x" + std::to_string(grid.cols);
}

std::vector<double> initial_field(Init init, GridSize grid, std::uint64_t seed, int threads) {
  PARAKIT_REQUIRE(grid.rows >= 1 && grid.cols >= 1 && grid.rows <= kMaxCells / grid.cols && threads >= 1,
                  "a grid of 1 to 2^40 cells, threads >= 1");
  std::vector<double> field(static_cast<std::size_t>(grid.cells()));
  const double radius = std::max(1.0, static_cast<double>(std::min(grid.rows, grid.cols)) / 8.0);
  const double mid_row = static_cast<double>(grid.rows - 1) / 2.0;
  const double mid_col = static_cast<double>(grid.cols - 1) / 2.0;
  const double pi = std::numbers::pi;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t i = 0; i < grid.rows; ++i) {
    double* row = field.data() + i * grid.cols;
    for (std::int64_t j = 0; j < grid.cols; ++j) {
      switch (init) {
        case Init::kHotspot: {
          const double di = static_cast<double>(i) - mid_row;
          const double dj = static_cast<double>(j) - mid_col;
          row[j] = di * di + dj * dj <= radius * radius ? 1.0 : 0.0;
          break;
        }
        case Init::kRandom: {
          const auto bits = splitmix64(seed, static_cast<std::uint64_t>(i * grid.cols + j));
          row[j] = static_cast<double>(bits >> 11) * 0x1.0p-53;
          break;
        }
        case Init::kSine:
          row[j] = std::sin(pi * static_cast<double>(i + 1) / static_cast<double>(grid.rows + 1)) *
                   std::sin(pi * static_cast<double>(j + 1) / static_cast<double>(grid.cols + 1));
          break;
      }
    }
  }
  return field;
}

double sine_factor_per_step(GridSize grid, double r) {
  const double pi = std::numbers::pi;
  const double a = std::sin(pi / (2.0 * static_cast<double>(grid.rows + 1)));
  const double b = std::sin(pi / (2.0 * static_cast<double>(grid.cols + 1)));
  return 1.0 - 4.0 * r * (a * a + b * b);
}

double sine_lambda(GridSize grid) {
  const double pi = std::numbers::pi;
  const double a = 1.0 / static_cast<double>(grid.rows + 1);
  const double b = 1.0 / static_cast<double>(grid.cols + 1);
  return pi * pi * (a * a + b * b);
}

GridSize balanced_dims(int ranks) {
  PARAKIT_REQUIRE(ranks >= 1, "at least one rank");
  // The divisor pair closest to each other: the largest divisor not above the square root.
  int small = 1;
  for (int d = 1; static_cast<long long>(d) * d <= ranks; ++d) {
    if (ranks % d == 0) small = d;
  }
  return {ranks / small, small};
}

void check_layout(GridSize grid, GridSize procs, int halo, std::int64_t steps, int ranks) {
  if (procs.rows < 1 || procs.cols < 1 || procs.cells() != ranks) {
    throw UsageError("--procs: " + grid_name(procs) + " is " + std::to_string(procs.cells()) +
                     " ranks, but the job has " + std::to_string(ranks) +
                     " (accepted: PxQ with P x Q = " + std::to_string(ranks) + ")");
  }
  if (grid.rows < procs.rows || grid.cols < procs.cols) {
    throw UsageError("--grid: " + grid_name(grid) + " is smaller than the process grid " + grid_name(procs) +
                     " (accepted: at least one row and one column per rank)");
  }
  const std::int64_t smallest = std::min(grid.rows / procs.rows, grid.cols / procs.cols);
  if (halo < 1 || halo > smallest) {
    throw UsageError("--halo: " + std::to_string(halo) + " is " +
                     (halo < 1 ? "too small" : "deeper than the smallest block") + " (" +
                     std::to_string(smallest) + " cells on its short side, process grid " + grid_name(procs) +
                     ") (accepted: 1 to " + std::to_string(smallest) + ")");
  }
  constexpr std::int64_t kMaxUpdates = std::numeric_limits<std::int64_t>::max();
  if (steps < 0 || (steps > 0 && grid.cells() > kMaxUpdates / steps)) {
    throw UsageError("--steps: " + std::to_string(steps) + " steps of " + std::to_string(grid.cells()) +
                     " cells is more than 2^63-1 cell updates (accepted: fewer steps)");
  }
}

void fill_edges(double* block, const BlockShape& shape, Edges edges, Boundary bc) {
  if (bc == Boundary::kPeriodic) return;
  const std::int64_t h = shape.halo;
  const bool mirror = bc == Boundary::kInsulated;
  // Rows first, over the whole stored width; then columns, over the whole stored height.
  for (std::int64_t k = 1; k <= h; ++k) {
    for (std::int64_t j = -h; j < shape.cols + h; ++j) {
      if (edges.north) block[shape.at(-k, j)] = mirror ? block[shape.at(k - 1, j)] : 0.0;
      if (edges.south)
        block[shape.at(shape.rows - 1 + k, j)] = mirror ? block[shape.at(shape.rows - k, j)] : 0.0;
    }
  }
  for (std::int64_t i = -h; i < shape.rows + h; ++i) {
    for (std::int64_t k = 1; k <= h; ++k) {
      if (edges.west) block[shape.at(i, -k)] = mirror ? block[shape.at(i, k - 1)] : 0.0;
      if (edges.east)
        block[shape.at(i, shape.cols - 1 + k)] = mirror ? block[shape.at(i, shape.cols - k)] : 0.0;
    }
  }
}

double step(const double* in, double* out, const BlockShape& shape, const Region& region, double r,
            int threads, bool measure, const Region& owned) {
  if (region.empty()) return 0.0;
  const std::int64_t stride = shape.stride();
  const std::int64_t count = region.col1 - region.col0;
  // The measured part of each row: the region's columns that are also owned.
  const std::int64_t m0 = std::max(region.col0, owned.col0);
  const std::int64_t m1 = std::min(region.col1, owned.col1);
  const bool streaming = static_cast<std::uint64_t>(shape.stored()) * 2 * sizeof(double) >= kStreamingBytes;
  double largest = 0.0;
  bool finite = true;
#pragma omp parallel for num_threads(threads) schedule(static) reduction(max : largest) reduction(&& : finite)
  for (std::int64_t i = region.row0; i < region.row1; ++i) {
    const std::int64_t first = shape.at(i, region.col0);
    if (streaming) {
      // The row after next is read only for prefetching, and only within the stored array.
      const double* ahead = i + 2 < shape.rows + shape.halo ? in + first + 2 * stride : in + first + stride;
      update_row_streaming(in + first - stride, in + first, in + first + stride, ahead, out + first, count,
                           r);
    } else {
      update_row(in + first - stride, in + first, in + first + stride, out + first, count, r);
    }
    if (measure && i >= owned.row0 && i < owned.row1 && m0 < m1) {
      const double change = row_change(in + shape.at(i, m0), out + shape.at(i, m0), m1 - m0);
      if (std::isnan(change)) {
        finite = false;
      } else {
        largest = std::max(largest, change);
      }
    }
  }
  return finite ? largest : std::numeric_limits<double>::quiet_NaN();
}

std::pair<std::int64_t, std::int64_t> first_non_finite(const double* block, const BlockShape& shape,
                                                       const Region& owned) {
  for (std::int64_t i = owned.row0; i < owned.row1; ++i) {
    for (std::int64_t j = owned.col0; j < owned.col1; ++j) {
      if (!std::isfinite(block[shape.at(i, j)])) return {i, j};
    }
  }
  return {-1, -1};
}

FieldSummary summarize_field(const double* field, std::size_t n) {
  FieldSummary s;
  if (n == 0) return s;
  // FNV-1a over 64-bit words: each value's bits, in row-major order.
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  s.min = field[0];
  s.max = field[0];
  for (std::size_t i = 0; i < n; ++i) {
    const double v = field[i];
    s.sum += v;
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
    hash = (hash ^ std::bit_cast<std::uint64_t>(v)) * 0x100000001b3ULL;
  }
  s.checksum = hash;
  return s;
}

}  // namespace parakit::kernels::heat
