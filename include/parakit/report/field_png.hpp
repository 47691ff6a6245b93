#pragma once
/// @file
/// @brief A 2D field of doubles as a colour-mapped PNG a person can look at (libpng). MPI-free.

#include <cstdint>
#include <span>
#include <string>

#include "parakit/kernels/heat.hpp"

namespace parakit::report {

/// @brief The largest side of a picture, in pixels: a larger field is shrunk by averaging square boxes of
/// cells (the same integer factor in both directions).
inline constexpr std::int64_t kMaxPictureSide = 2048;

/// @brief Writes @p field (rows x cols, row-major) to @p path as an 8-bit RGB PNG, row 0 at the top, the
/// values from @p lo (black) to @p hi (white) through cubehelix (D. A. Green 2011, default parameters), a
/// colour map whose brightness rises monotonically. Values outside [lo, hi] are clamped, NaN is drawn as
/// lo; lo == hi draws every cell in the colour of the middle of the map. A field with more than
/// kMaxPictureSide rows or columns is shrunk: each pixel is the mean of a box of b x b cells, b =
/// ceil(max(rows, cols) / kMaxPictureSide) (fewer cells at the right and bottom edges), so the picture
/// is ceil(rows / b) x ceil(cols / b) pixels. Written whole or not at all: a temporary file beside the
/// target, synced and renamed over it (report::write_file_atomically; a link is followed, a device such
/// as /dev/null written in place).
/// @pre grid.rows, grid.cols >= 1, field.size() == grid.cells(), lo and hi finite, lo <= hi (else
/// parakit::Error).
/// @throws parakit::UsageError naming @p option and the path (quoted) when it cannot be written (a
/// missing or unwritable directory, a directory, a read-only file), checked before anything is written;
/// parakit::Error naming them when writing fails later (a full disk): the old file, if any, is unchanged
/// and no temporary file is left.
void write_field_png(const std::string& path, kernels::heat::GridSize grid, std::span<const double> field,
                     double lo, double hi, const std::string& option);

}  // namespace parakit::report
