#pragma once
/// @file
/// @brief Doubles as the raw little-endian elements of a binary file (f64, f32, i64, i32), the same bytes
/// on any host. Pure: no MPI, no I/O.

#include <cstddef>
#include <span>

namespace parakit::kernels::encode {

/// @brief out[8k .. 8k+8) = the IEEE binary64 bits of values[k], little-endian.
/// @pre out.size() >= 8 * values.size().
/// @note Uses `omp parallel for`.
void f64_le(std::span<const double> values, std::span<unsigned char> out);

/// @brief out[4k .. 4k+4) = the IEEE binary32 bits of float(values[k]) (rounded to nearest),
/// little-endian.
/// @pre out.size() >= 4 * values.size().
/// @note Uses `omp parallel for`.
void f32_le(std::span<const double> values, std::span<unsigned char> out);

/// @brief out[8k .. 8k+8) = floor(values[k]) as a two's complement 64-bit integer, little-endian.
/// Rounding down keeps a uniform [A, B) in [A, B) with every integer equally likely.
/// @pre out.size() >= 8 * values.size().
/// @return The index of the first value outside [-2^63, 2^63) (NaN included), whose bytes are not
/// written; values.size() when every value fits.
/// @note Uses `omp parallel for`.
std::size_t i64_le(std::span<const double> values, std::span<unsigned char> out);

/// @brief As i64_le with 32-bit integers: values whose floor lies outside [-2^31, 2^31) do not fit.
/// @pre out.size() >= 4 * values.size().
/// @return The index of the first value that does not fit, or values.size().
/// @note Uses `omp parallel for`.
std::size_t i32_le(std::span<const double> values, std::span<unsigned char> out);

}  // namespace parakit::kernels::encode
