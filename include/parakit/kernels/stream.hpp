#pragma once
/// @file
/// @brief A STREAM-like read kernel: the sum of an array, vectorised, to measure how fast memory can be
/// read. Pure: no MPI, no threads (callers split the array).

#include <cstddef>

namespace parakit::kernels {

/// @brief The sum of @p n doubles from @p data, in SIMD lanes (so in an order of its own: for timing,
/// not for exact sums).
double read_sum(const double* data, std::size_t n);

}  // namespace parakit::kernels
