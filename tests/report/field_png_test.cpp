// The field as a PNG picture: read back with libpng's own reader, the size, the pixels at known places
// (clamping, lo == hi, the box averages of a large field, row 0 at the top) and what a failed write leaves.

#include "parakit/report/field_png.hpp"

#include <array>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <png.h>
#include <sys/resource.h>

#include "parakit/error.hpp"

using namespace parakit;
namespace fs = std::filesystem;
using kernels::heat::GridSize;

namespace {

using Rgb = std::array<int, 3>;
constexpr Rgb kBlack{0, 0, 0};
constexpr Rgb kWhite{255, 255, 255};

class TempDir {
 public:
  TempDir() {
    std::string name = (fs::temp_directory_path() / "parakit_png_XXXXXX").string();
    if (::mkdtemp(name.data()) != nullptr) path_ = name;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    if (!path_.empty()) fs::remove_all(path_);
  }
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::set<std::string> listing() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(path_))
      names.insert(entry.path().filename().string());
    return names;
  }

 private:
  std::string path_;
};

struct Image {
  std::int64_t width = 0, height = 0;
  std::vector<unsigned char> rgb;
  [[nodiscard]] Rgb at(std::int64_t row, std::int64_t col) const {
    const auto i = static_cast<std::size_t>((row * width + col) * 3);
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
  }
};

// The picture at @p path as libpng reads it, converted to 8-bit RGB.
Image read_png(const std::string& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (png_image_begin_read_from_file(&image, path.c_str()) == 0) {
    ADD_FAILURE() << path << ": " << image.message;
    return {};
  }
  image.format = PNG_FORMAT_RGB;
  Image out{image.width, image.height, std::vector<unsigned char>(PNG_IMAGE_SIZE(image))};
  if (png_image_finish_read(&image, nullptr, out.rgb.data(), 0, nullptr) == 0) {
    ADD_FAILURE() << path << ": " << image.message;
    return {};
  }
  return out;
}

// The pixel format libpng finds in the file's header: PNG_FORMAT_RGB is 8-bit RGB without alpha.
png_uint_32 file_format(const std::string& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (png_image_begin_read_from_file(&image, path.c_str()) == 0) return 0xffffffff;
  const png_uint_32 format = image.format;
  png_image_free(&image);
  return format;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Green's cubehelix luminance weights: the colour map's brightness is exactly its level before rounding.
double brightness(const Rgb& c) {
  return 0.30 * c[0] + 0.59 * c[1] + 0.11 * c[2];
}

// The colour of level @p level (0 to 255), read from a picture of the ramp 0/255 .. 255/255 over [0, 1].
Rgb level_colour(const TempDir& dir, int level) {
  std::vector<double> ramp(256);
  for (std::size_t i = 0; i < ramp.size(); ++i)
    ramp[i] = static_cast<double>(i) / 255.0;
  const std::string path = dir.file("ramp.png");
  report::write_field_png(path, {1, 256}, ramp, 0.0, 1.0, "--png");
  return read_png(path).at(0, level);
}

}  // namespace

TEST(FieldPng, a_small_field_is_one_pixel_a_cell_with_row_0_at_the_top) {
  const TempDir dir;
  // Row 0 at hi, the last row at lo, the middle row at lo except its last cell.
  const std::vector<double> field = {1, 1, 1, 1, 1,  //
                                     0, 0, 0, 0, 1,  //
                                     0, 0, 0, 0, 0};
  const std::string path = dir.file("small.png");
  report::write_field_png(path, {3, 5}, field, 0.0, 1.0, "--png");
  EXPECT_EQ(file_format(path), png_uint_32{PNG_FORMAT_RGB});
  const Image image = read_png(path);
  ASSERT_EQ(image.width, 5);
  ASSERT_EQ(image.height, 3);
  for (int c = 0; c < 5; ++c) {
    EXPECT_EQ(image.at(0, c), kWhite) << c;
    EXPECT_EQ(image.at(2, c), kBlack) << c;
  }
  EXPECT_EQ(image.at(1, 0), kBlack);
  EXPECT_EQ(image.at(1, 4), kWhite);
  EXPECT_EQ(dir.listing(), (std::set<std::string>{"small.png"}));  // no temporary file left
}

TEST(FieldPng, brightness_rises_from_black_at_lo_to_white_at_hi_through_colours) {
  const TempDir dir;
  std::vector<double> ramp(256);
  for (std::size_t i = 0; i < ramp.size(); ++i)
    ramp[i] = 10.0 + 2.0 * static_cast<double>(i) / 255.0;  // [10, 12]: lo and hi need not be 0 and 1
  const std::string path = dir.file("ramp.png");
  report::write_field_png(path, {1, 256}, ramp, 10.0, 12.0, "--png");
  const Image image = read_png(path);
  ASSERT_EQ(image.width, 256);
  ASSERT_EQ(image.height, 1);
  EXPECT_EQ(image.at(0, 0), kBlack);
  EXPECT_EQ(image.at(0, 255), kWhite);
  for (int i = 0; i < 256; ++i) {
    // Brightness is level i before each channel is rounded to a byte: each is at most 0.5 off and the
    // weights add up to 1, so the weighted sum is at most 0.5 off (no channel clips with the defaults).
    EXPECT_NEAR(brightness(image.at(0, i)), i, 0.5) << i;
  }
  const Rgb middle = image.at(0, 128);
  EXPECT_FALSE(middle[0] == middle[1] && middle[1] == middle[2]) << "a colour map, not grey";
}

TEST(FieldPng, values_outside_lo_hi_are_clamped_and_nan_is_drawn_as_lo) {
  const TempDir dir;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> field = {-5.0, 0.0, 1.0, 7.0, -inf, inf, nan, 0.5};
  const std::string path = dir.file("clamp.png");
  report::write_field_png(path, {1, 8}, field, 0.0, 1.0, "--png");
  const Image image = read_png(path);
  ASSERT_EQ(image.width, 8);
  EXPECT_EQ(image.at(0, 0), kBlack);
  EXPECT_EQ(image.at(0, 1), kBlack);
  EXPECT_EQ(image.at(0, 2), kWhite);
  EXPECT_EQ(image.at(0, 3), kWhite);
  EXPECT_EQ(image.at(0, 4), kBlack);
  EXPECT_EQ(image.at(0, 5), kWhite);
  EXPECT_EQ(image.at(0, 6), kBlack);
  EXPECT_EQ(image.at(0, 7), level_colour(dir, 128));  // 0.5 * 255 = 127.5 rounds to level 128
}

TEST(FieldPng, lo_equal_to_hi_draws_every_cell_in_the_middle_colour) {
  const TempDir dir;
  const std::vector<double> field = {-1.0, 0.0, 0.0, 3.0};
  const std::string path = dir.file("flat.png");
  report::write_field_png(path, {2, 2}, field, 0.0, 0.0, "--png");
  const Image image = read_png(path);
  ASSERT_EQ(image.width, 2);
  ASSERT_EQ(image.height, 2);
  const Rgb middle = level_colour(dir, 128);
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 2; ++c)
      EXPECT_EQ(image.at(r, c), middle) << r << "," << c;
  }
}

TEST(FieldPng, a_field_larger_than_a_picture_is_shrunk_by_box_averages) {
  const TempDir dir;
  // 4100 rows > kMaxPictureSide: boxes of ceil(4100 / 2048) = 3 x 3 cells, 1367 x 4 pixels; the last
  // pixel row averages 2 rows (4098, 4099) and the last pixel column 1 column (9).
  constexpr GridSize grid{4100, 10};
  ASSERT_EQ(report::kMaxPictureSide, 2048);
  std::vector<double> field(static_cast<std::size_t>(grid.cells()), 0.0);
  const auto at = [&](std::int64_t r, std::int64_t c) -> double& {
    return field[static_cast<std::size_t>(r * grid.cols + c)];
  };
  for (int c = 0; c < 3; ++c)
    at(0, c) = 1.0;  // box (0, 0): 3 of 9 cells are 1, mean 1/3: level 85
  for (int r = 0; r < 3; ++r)
    at(r, 9) = 1.0;  // box (0, 3) holds column 9 alone: mean 1 (it would be 1/3 if divided by 9)
  for (int c = 0; c < 3; ++c)
    at(4099, c) = 1.0;  // box (1366, 0): 3 of 6 cells, mean 0.5: level 128
  const std::string path = dir.file("large.png");
  report::write_field_png(path, grid, field, 0.0, 1.0, "--png");
  const Image image = read_png(path);
  ASSERT_EQ(image.width, 4);
  ASSERT_EQ(image.height, 1367);
  EXPECT_EQ(image.at(0, 0), level_colour(dir, 85));
  EXPECT_EQ(image.at(0, 3), kWhite);
  EXPECT_EQ(image.at(1366, 0), level_colour(dir, 128));
  EXPECT_EQ(image.at(0, 1), kBlack);
  EXPECT_EQ(image.at(1, 0), kBlack);
  EXPECT_EQ(image.at(1366, 3), kBlack);
}

TEST(FieldPng, a_field_as_wide_as_a_picture_is_not_shrunk_one_cell_more_halves_it) {
  const TempDir dir;
  const std::string path = dir.file("wide.png");
  std::vector<double> field(2049, 1.0);
  report::write_field_png(path, {1, 2048}, std::span<const double>(field).first(2048), 0.0, 1.0, "--png");
  EXPECT_EQ(read_png(path).width, 2048);
  report::write_field_png(path, {1, 2049}, field, 0.0, 1.0, "--png");
  const Image image = read_png(path);
  EXPECT_EQ(image.width, 1025);  // boxes of 2 x 2 cells: ceil(2049 / 2)
  EXPECT_EQ(image.height, 1);
  EXPECT_EQ(image.at(0, 1024), kWhite);  // the last box holds one cell
}

TEST(FieldPng, a_failed_write_leaves_the_old_file_and_no_temporary) {
  const TempDir dir;
  const std::string path = dir.file("field.png");
  { std::ofstream(path) << "old picture"; }
  // A file size limit makes write(2) fail with EFBIG once the temporary file would exceed 64 bytes
  // (a PNG of 64 x 64 pixels is larger); SIGXFSZ, which would end the process, is ignored meanwhile.
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 64;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  bool usage = false;
  std::vector<double> field(64 * 64);
  for (std::size_t i = 0; i < field.size(); ++i)
    field[i] = static_cast<double>(i % 97) / 97.0;  // varied pixels: the PNG does not compress to 64 bytes
  try {
    report::write_field_png(path, {64, 64}, field, 0.0, 1.0, "--png");
  } catch (const Error& e) {
    message = e.what();
  } catch (const UsageError& e) {
    usage = true;
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_FALSE(usage) << "writing failed after the checks: a runtime error, not a usage error";
  EXPECT_EQ(message, "--png: cannot write '" + path + "': File too large");
  EXPECT_EQ(dir.listing(), (std::set<std::string>{"field.png"}));
  EXPECT_EQ(slurp(path), "old picture");
}

TEST(FieldPng, an_unwritable_path_is_a_usage_error_naming_the_option_and_the_path) {
  const TempDir dir;
  const std::vector<double> field = {0.0};
  const std::string missing = dir.file("no/such/dir/field.png");
  try {
    report::write_field_png(missing, {1, 1}, field, 0.0, 1.0, "--png");
    ADD_FAILURE() << "no exception";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "--png: cannot write '" + missing +
                                         "': No such file or directory (accepted: a file path in a writable "
                                         "directory)");
  }
  try {
    report::write_field_png(dir.path(), {1, 1}, field, 0.0, 1.0, "--png-dir");
    ADD_FAILURE() << "no exception";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "--png-dir: '" + dir.path() +
                                         "' is a directory (accepted: a file path in a writable directory)");
  }
  EXPECT_TRUE(dir.listing().empty());
}

TEST(FieldPng, a_field_of_the_wrong_size_or_an_empty_range_is_a_precondition_error) {
  const TempDir dir;
  const std::vector<double> field = {0.0, 1.0, 2.0};
  const std::string path = dir.file("bad.png");
  EXPECT_THROW(report::write_field_png(path, {2, 2}, field, 0.0, 1.0, "--png"), Error);
  EXPECT_THROW(report::write_field_png(path, {1, 3}, field, 1.0, 0.0, "--png"), Error);
  EXPECT_THROW(
      report::write_field_png(path, {1, 3}, field, 0.0, std::numeric_limits<double>::infinity(), "--png"),
      Error);
  EXPECT_TRUE(dir.listing().empty());
}
