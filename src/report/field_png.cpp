#include "parakit/report/field_png.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include <png.h>

#include "parakit/error.hpp"
#include "parakit/report/output_file.hpp"

namespace parakit::report {
namespace {

using Rgb = std::array<unsigned char, 3>;

// Cubehelix (D. A. Green 2011, Bull. Astr. Soc. India 39, 289) with its published defaults: start 0.5,
// rotations -1.5, hue 1, gamma 1. Its brightness rises monotonically from black to white, so the order of
// the values survives a greyscale print and colour-blind eyes; its closed form needs no colour table.
Rgb cubehelix(double t) {
  constexpr double kStart = 0.5, kRotations = -1.5, kHue = 1.0;
  const double phi = 2.0 * std::numbers::pi * (kStart / 3.0 + 1.0 + kRotations * t);
  const double amplitude = kHue * t * (1.0 - t) / 2.0;
  const double c = std::cos(phi), s = std::sin(phi);
  const auto byte = [](double v) {
    return static_cast<unsigned char>(std::lround(255.0 * std::clamp(v, 0.0, 1.0)));
  };
  return {byte(t + amplitude * (-0.14861 * c + 1.78277 * s)),
          byte(t + amplitude * (-0.29227 * c - 0.90649 * s)), byte(t + amplitude * (1.97294 * c))};
}

// The 256 colours of the picture, level 0 (lo) to 255 (hi).
const std::array<Rgb, 256>& colours() {
  static const std::array<Rgb, 256> table = [] {
    std::array<Rgb, 256> t{};
    for (std::size_t i = 0; i < t.size(); ++i)
      t[i] = cubehelix(static_cast<double>(i) / 255.0);
    return t;
  }();
  return table;
}

// The colour level of @p v: values at or below lo (and NaN) 0, at or above hi 255; lo == hi the middle.
std::size_t level(double v, double lo, double hi) {
  if (lo == hi) return 128;
  if (!(v > lo)) return 0;
  if (v >= hi) return 255;
  return static_cast<std::size_t>(std::lround((v - lo) / (hi - lo) * 255.0));
}

// The side of the square box of cells one pixel averages: 1 unless the field is larger than a picture.
std::int64_t box_side(kernels::heat::GridSize grid) {
  const std::int64_t side = std::max(grid.rows, grid.cols);
  return (side + kMaxPictureSide - 1) / kMaxPictureSide;
}

struct Picture {
  std::int64_t rows = 0, cols = 0;
  std::vector<unsigned char> rgb;  // row-major, 3 bytes a pixel, row 0 at the top
};

// Each pixel is the mean of its box of cells (fewer at the right and bottom edges when the box side does
// not divide the grid), coloured.
Picture render(kernels::heat::GridSize grid, std::span<const double> field, double lo, double hi) {
  const std::int64_t box = box_side(grid);
  Picture p{(grid.rows + box - 1) / box, (grid.cols + box - 1) / box, {}};
  p.rgb.resize(static_cast<std::size_t>(p.rows * p.cols * 3));
  std::vector<double> sums(static_cast<std::size_t>(p.cols));
  for (std::int64_t pr = 0; pr < p.rows; ++pr) {
    std::fill(sums.begin(), sums.end(), 0.0);
    const std::int64_t row0 = pr * box, row1 = std::min(row0 + box, grid.rows);
    for (std::int64_t r = row0; r < row1; ++r) {
      const double* row = field.data() + r * grid.cols;
      for (std::int64_t c = 0; c < grid.cols; ++c)
        sums[static_cast<std::size_t>(c / box)] += row[c];
    }
    for (std::int64_t pc = 0; pc < p.cols; ++pc) {
      const std::int64_t width = std::min((pc + 1) * box, grid.cols) - pc * box;
      const double mean = sums[static_cast<std::size_t>(pc)] / static_cast<double>((row1 - row0) * width);
      const Rgb& colour = colours()[level(mean, lo, hi)];
      std::copy(colour.begin(), colour.end(), p.rgb.begin() + (pr * p.cols + pc) * 3);
    }
  }
  return p;
}

// The picture as the bytes of a PNG file (libpng's simplified API).
std::string encode(const Picture& p) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(p.cols);
  image.height = static_cast<png_uint_32>(p.rows);
  image.format = PNG_FORMAT_RGB;
  png_alloc_size_t bytes = 0;
  if (png_image_write_to_memory(&image, nullptr, &bytes, 0, p.rgb.data(), 0, nullptr) == 0)
    throw Error(std::string("libpng: ") + image.message);
  std::string png(bytes, '\0');
  if (png_image_write_to_memory(&image, png.data(), &bytes, 0, p.rgb.data(), 0, nullptr) == 0)
    throw Error(std::string("libpng: ") + image.message);
  png.resize(bytes);
  return png;
}

}  // namespace

void write_field_png(const std::string& path, kernels::heat::GridSize grid, std::span<const double> field,
                     double lo, double hi, const std::string& option) {
  PARAKIT_REQUIRE(
      grid.rows >= 1 && grid.cols >= 1 && field.size() == static_cast<std::size_t>(grid.cells()),
      "a field of " + kernels::heat::grid_name(grid) + " cells, not " + std::to_string(field.size()));
  PARAKIT_REQUIRE(std::isfinite(lo) && std::isfinite(hi) && lo <= hi,
                  "lo = " + std::to_string(lo) + ", hi = " + std::to_string(hi));
  report::check_writable(path, option);
  report::write_file_atomically(path, encode(render(grid, field, lo, hi)), option);
}

}  // namespace parakit::report
