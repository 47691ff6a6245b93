#include "parakit/kernels/encode.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "parakit/error.hpp"

namespace parakit::kernels::encode {
namespace {

// Stores @p v as the little-endian bytes of an unsigned integer of N bytes.
template <std::size_t N, class U>
inline void store_le(unsigned char* p, U v) {
  for (std::size_t k = 0; k < N; ++k)
    p[k] = static_cast<unsigned char>(v >> (8 * k));
}

// floor(v) as a 64-bit integer in @p x, or false when v is outside [-2^63, 2^63) or NaN. The cast is
// defined there (both bounds are exact doubles); NaN fails both comparisons.
inline bool floor_i64(double v, long long& x) {
  if (!(v >= -0x1p63 && v < 0x1p63)) return false;
  x = static_cast<long long>(std::floor(v));
  return true;
}

// Runs store(k, value) for every value, with threads; store returns false for a value that does not
// fit. Returns the index of the first such value, or values.size().
template <class Store>
std::size_t encode_all(std::span<const double> values, Store store) {
  const auto n = static_cast<std::ptrdiff_t>(values.size());
  std::ptrdiff_t bad = n;
#pragma omp parallel for schedule(static) reduction(min : bad)
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    if (!store(k, values[k])) bad = std::min(bad, i);
  }
  return static_cast<std::size_t>(bad);
}

void require_room(std::span<const double> values, std::span<unsigned char> out, std::size_t size) {
  PARAKIT_REQUIRE(out.size() / size >= values.size(),
                  std::to_string(values.size()) + " values, " + std::to_string(out.size()) + " bytes");
}

// floor(value) as the little-endian two's complement bytes of Int, for every value that fits.
template <class Int>
std::size_t integers_le(std::span<const double> values, std::span<unsigned char> out) {
  require_room(values, out, sizeof(Int));
  unsigned char* p = out.data();
  return encode_all(values, [p](std::size_t k, double v) {
    long long x = 0;
    if (!floor_i64(v, x)) return false;
    if constexpr (sizeof(Int) < sizeof(long long)) {
      if (x < std::numeric_limits<Int>::min() || x > std::numeric_limits<Int>::max()) return false;
    }
    using U = std::make_unsigned_t<Int>;
    store_le<sizeof(Int)>(p + sizeof(Int) * k, static_cast<U>(static_cast<Int>(x)));
    return true;
  });
}

}  // namespace

void f64_le(std::span<const double> values, std::span<unsigned char> out) {
  require_room(values, out, 8);
  unsigned char* p = out.data();
  encode_all(values, [p](std::size_t k, double v) {
    store_le<8>(p + 8 * k, std::bit_cast<std::uint64_t>(v));
    return true;
  });
}

void f32_le(std::span<const double> values, std::span<unsigned char> out) {
  require_room(values, out, 4);
  unsigned char* p = out.data();
  encode_all(values, [p](std::size_t k, double v) {
    store_le<4>(p + 4 * k, std::bit_cast<std::uint32_t>(static_cast<float>(v)));
    return true;
  });
}

std::size_t i64_le(std::span<const double> values, std::span<unsigned char> out) {
  return integers_le<std::int64_t>(values, out);
}

std::size_t i32_le(std::span<const double> values, std::span<unsigned char> out) {
  return integers_le<std::int32_t>(values, out);
}

}  // namespace parakit::kernels::encode
