#include "parakit/kernels/encode.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"

namespace enc = parakit::kernels::encode;

namespace {

using Bytes = std::vector<unsigned char>;

}  // namespace

TEST(Encode, f64_is_the_ieee_bits_little_endian) {
  Bytes out(16);
  enc::f64_le(std::vector<double>{1.0, -0.1}, out);
  // 1.0 = 0x3FF0000000000000, -0.1 = 0xBFB999999999999A
  EXPECT_EQ(out, (Bytes{0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0xBF}));
}

TEST(Encode, f32_rounds_to_nearest_float) {
  Bytes out(12);
  enc::f32_le(std::vector<double>{1.0, -0.1, std::numeric_limits<double>::quiet_NaN()}, out);
  // 1.0f = 0x3F800000, -0.1f = 0xBDCCCCCD (rounded up in magnitude), NaN stays a NaN
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 8), (Bytes{0, 0, 0x80, 0x3F, 0xCD, 0xCC, 0xCC, 0xBD}));
  EXPECT_EQ(out[11] & 0x7F, 0x7F);
  EXPECT_NE(out[10] & 0x80, 0);
}

TEST(Encode, integers_round_down_in_twos_complement) {
  Bytes out(16);
  EXPECT_EQ(enc::i64_le(std::vector<double>{2.9, -0.5}, out), 2U);
  EXPECT_EQ(out, (Bytes{2, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));
  Bytes small(12);
  EXPECT_EQ(enc::i32_le(std::vector<double>{2147483647.5, -2147483648.0, -1.25}, small), 3U);
  EXPECT_EQ(small, (Bytes{0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0x80, 0xFE, 0xFF, 0xFF, 0xFF}));
}

TEST(Encode, integers_report_the_first_value_that_does_not_fit) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> values(10000, 1.0);
  values[7777] = 2147483648.0;  // 2^31: one past INT32_MAX
  values[9000] = -2147483649.0;
  Bytes out(4 * values.size());
  EXPECT_EQ(enc::i32_le(values, out), 7777U);
  Bytes wide(8 * values.size());
  EXPECT_EQ(enc::i64_le(values, wide), values.size());  // every one fits 64 bits
  values[5000] = 0x1p63;                                // the first double past INT64_MAX
  values[6000] = nan;
  EXPECT_EQ(enc::i64_le(values, wide), 5000U);
  values[5000] = -0x1p63;  // INT64_MIN itself fits
  EXPECT_EQ(enc::i64_le(values, wide), 6000U);
  Bytes none;
  EXPECT_EQ(enc::i64_le(std::vector<double>{}, none), 0U);
}

TEST(Encode, too_small_an_output_is_refused) {
  Bytes out(15);
  EXPECT_THROW(enc::f64_le(std::vector<double>{1.0, 2.0}, out), parakit::Error);
  Bytes seven(7);
  EXPECT_THROW(enc::i32_le(std::vector<double>{1.0, 2.0}, seven), parakit::Error);
}
