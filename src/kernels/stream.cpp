#include "parakit/kernels/stream.hpp"

#include <algorithm>

namespace parakit::kernels {

double read_sum(const double* data, std::size_t n) {
  double sum = 0.0;
#pragma omp simd reduction(+ : sum)
  for (std::size_t i = 0; i < n; ++i)
    sum += data[i];
  return sum;
}

std::size_t bench_bytes_per_thread(std::uint64_t llc_bytes, int threads) {
  constexpr std::uint64_t kMin = std::uint64_t{64} << 20, kMax = std::uint64_t{1} << 30;
  const std::uint64_t share = 4 * llc_bytes / static_cast<std::uint64_t>(std::max(1, threads));
  const std::uint64_t bytes = std::clamp(share, kMin, kMax);
  return static_cast<std::size_t>(bytes - bytes % 4096);  // whole pages
}

}  // namespace parakit::kernels
