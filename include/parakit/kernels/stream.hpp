#pragma once
/// @file
/// @brief A STREAM-like read kernel: the sum of an array, vectorised, to measure how fast memory can be
/// read. Pure: no MPI, no threads (callers split the array).

#include <cstddef>
#include <cstdint>

namespace parakit::kernels {

/// @brief The sum of @p n doubles from @p data, in SIMD lanes (so in an order of its own: for timing,
/// not for exact sums).
double read_sum(const double* data, std::size_t n);

/// @brief Bytes each thread's array gets so that the rank's arrays together are at least 4 x the
/// host's last-level cache (@p llc_bytes: one cache's size times their number), so that the sum reads
/// memory, not cache: at least 64 MiB, at most 1 GiB per thread.
std::size_t bench_bytes_per_thread(std::uint64_t llc_bytes, int threads);

std::size_t bench_bytes_per_thread(std::uint64_t llc_bytes, int threads);

}  // namespace parakit::kernels
