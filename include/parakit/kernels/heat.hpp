#pragma once
/// @file
/// @brief The explicit five-point heat stencil on a 2D grid of doubles: initial fields, one step over a
/// region of a block with a halo, the boundary conditions, the residual. Pure: no MPI; a step splits its
/// rows over OpenMP threads.
///
/// A cell's new value depends only on its own and its four neighbours' previous values, through one
/// expression, `u + r * ((n + s) + (w + e) - 4 * u)`, compiled without floating-point contraction: the
/// result is the same to the bit whichever rank, thread, vector lane or step of a deep halo computes it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace parakit::kernels::heat {

/// @brief What lies beyond the grid's edges.
enum class Boundary {
  kFixed,      ///< held at 0: the cells beyond the edge are 0 (Dirichlet)
  kInsulated,  ///< no heat crosses the edge: the cells beyond mirror the cells inside (zero flux)
  kPeriodic,   ///< the grid wraps around: the cells beyond are those of the opposite edge
};

/// @brief The initial field.
enum class Init {
  kHotspot,  ///< 1 in a disc at the centre (radius an eighth of the shorter side, at least 1 cell), 0
             ///< elsewhere
  kRandom,   ///< uniform in [0, 1), from SplitMix64 of (seed, row * cols + col)
  kSine,     ///< sin(pi (i+1)/(rows+1)) sin(pi (j+1)/(cols+1)): the slowest mode of the fixed boundary
};

/// @brief "fixed", "insulated", "periodic".
const char* boundary_name(Boundary bc);
/// @brief "hotspot", "random", "sine".
const char* init_name(Init init);

// Parsing the names and grids of the command line: parakit/parse.hpp (parse_grid, parse_boundary,
// parse_init), where the option parsers live.

/// @brief Rows and columns of a grid.
struct GridSize {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  [[nodiscard]] std::int64_t cells() const { return rows * cols; }
  bool operator==(const GridSize&) const = default;
};

/// @brief The largest accepted side of a grid (rows or columns): 2^31 - 1 (MPI datatypes count in int).
inline constexpr std::int64_t kMaxSide = 2147483647;

/// @brief The most cells a grid may have: 2^40 (8 TiB of doubles).
inline constexpr std::int64_t kMaxCells = std::int64_t{1} << 40;

/// @brief `ROWSxCOLS`.
std::string grid_name(GridSize grid);

/// @brief The largest accepted diffusion number: the explicit scheme is stable for 0 < r <= 1/4.
inline constexpr double kMaxR = 0.25;

/// @brief The initial field, row-major, rows x cols. The same for every layout (it is built once).
std::vector<double> initial_field(Init init, GridSize grid, std::uint64_t seed, int threads);

/// @brief The factor by which one step multiplies the sine mode under fixed boundaries:
/// 1 - 4 r (sin^2(pi / (2 (rows+1))) + sin^2(pi / (2 (cols+1)))). The exact discrete decay.
double sine_factor_per_step(GridSize grid, double r);

/// @brief The continuous decay rate of the sine mode per step: the heat equation's
/// lambda = pi^2 (1/(rows+1)^2 + 1/(cols+1)^2) in units where one step is r cell widths squared:
/// the amplitude after n steps is about exp(-lambda n r).
double sine_lambda(GridSize grid);

/// @brief Two process-grid dimensions whose product is @p ranks, as close to each other as possible,
/// the larger first: what the MPI library's dims-create call gives for two dimensions (a test checks).
/// @pre ranks >= 1.
GridSize balanced_dims(int ranks);

/// @brief Checks that @p grid can run on the process grid @p procs (P x Q = @p ranks) with halos @p halo
/// deep and @p steps steps: at least one row and one column per rank, a halo no deeper than the smallest
/// block's short side, at most 2^63-1 cell updates.
/// @throws parakit::UsageError naming the option (`--procs`, `--grid`, `--halo`, `--steps`), the values and
/// what is accepted.
void check_layout(GridSize grid, GridSize procs, int halo, std::int64_t steps, int ranks);

/// @brief A rectangle of a block in its own coordinates: rows [row0, row1), columns [col0, col1). The
/// block's own cells are rows [0, rows) and columns [0, cols); its halo has negative coordinates and
/// coordinates past the block.
struct Region {
  std::int64_t row0 = 0;
  std::int64_t row1 = 0;
  std::int64_t col0 = 0;
  std::int64_t col1 = 0;
  [[nodiscard]] bool empty() const { return row1 <= row0 || col1 <= col0; }
  [[nodiscard]] std::int64_t cells() const { return empty() ? 0 : (row1 - row0) * (col1 - col0); }
};

/// @brief A rank's block of rows x cols cells with a halo of @p halo cells on every side, stored
/// row-major in one array of rows + 2 halo rows of stride() doubles each.
struct BlockShape {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::int64_t halo = 1;
  /// Doubles from one row to the next: cols + 2 halo rounded up to 8 (64 bytes), so that every row
  /// starts at the same place in a cache line and the vector loads of a row's cells line up with the
  /// stores (a 16-byte shift per row cost a third of the speed on large grids).
  [[nodiscard]] std::int64_t stride() const { return (cols + 2 * halo + 7) / 8 * 8; }
  [[nodiscard]] std::int64_t stored() const { return (rows + 2 * halo) * stride(); }
  /// Index in the array of the block's cell (row, col); row and col may lie in the halo.
  [[nodiscard]] std::int64_t at(std::int64_t row, std::int64_t col) const {
    return (row + halo) * stride() + (col + halo);
  }
};

/// @brief Which sides of a block are edges of the whole grid (where the boundary condition applies).
struct Edges {
  bool north = false;  ///< row -1 lies beyond the grid
  bool south = false;  ///< row `rows` lies beyond the grid
  bool west = false;   ///< column -1 lies beyond the grid
  bool east = false;   ///< column `cols` lies beyond the grid
};

/// @brief Fills the halo cells of @p block that lie beyond the grid's edges (on the sides @p edges
/// names, the whole halo width and length) from the boundary condition @p bc: 0 for kFixed, the mirror
/// image of the cells inside for kInsulated (cell -k takes cell k-1). Nothing for kPeriodic (its halo
/// comes from the neighbours). North and south first, then west and east.
void fill_edges(double* block, const BlockShape& shape, Edges edges, Boundary bc);

/// @brief Blocks whose two buffers together take at least this many bytes are far larger than the
/// caches: their steps store with non-temporal (streaming) stores, where the CPU has them (AVX).
inline constexpr std::uint64_t kStreamingBytes = std::uint64_t{128} << 20;

/// @brief One step over @p region: out = in + r ((n + s) + (w + e) - 4 in) for every cell of it, its
/// rows split over @p threads OpenMP threads. The cells around @p region must be valid in @p in.
/// @return When @p measure is true, the largest |out - in| over the cells of @p region that are also in
/// @p owned (NaN or infinity when one of them is not finite); otherwise 0.
double step(const double* in, double* out, const BlockShape& shape, const Region& region, double r,
            int threads, bool measure = false, const Region& owned = {});

/// @brief The first cell of @p owned, in row-major order, whose value in @p block is not finite, as
/// (row, col); (-1, -1) when every one is finite.
std::pair<std::int64_t, std::int64_t> first_non_finite(const double* block, const BlockShape& shape,
                                                       const Region& owned);

/// @brief The field's summary that a run record keeps: the sum (in row-major order, for a conservation
/// check), the minimum, the maximum, and a checksum of the bits of every value (FNV-1a over the values'
/// 64-bit patterns, row-major): equal checksums mean equal fields to the bit.
struct FieldSummary {
  double sum = 0.0;
  double min = 0.0;
  double max = 0.0;
  std::uint64_t checksum = 0;
};

/// @brief The summary of @p field (row-major, @p n values).
FieldSummary summarize_field(const double* field, std::size_t n);

}  // namespace parakit::kernels::heat
