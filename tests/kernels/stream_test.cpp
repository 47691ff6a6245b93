#include "parakit/kernels/stream.hpp"

#include <numeric>
#include <vector>

#include <gtest/gtest.h>

TEST(ReadSum, sums_every_element_whatever_the_length) {
  for (const std::size_t n : {0U, 1U, 7U, 8U, 9U, 1000U, 1001U}) {
    std::vector<double> v(n);
    std::iota(v.begin(), v.end(), 1.0);
    EXPECT_EQ(parakit::kernels::read_sum(v.data(), n),
              static_cast<double>(n) * static_cast<double>(n + 1) / 2)
        << n;  // small integers: exact in any order
  }
}

TEST(BenchSize, arrays_outgrow_the_last_level_cache_within_bounds) {
  constexpr std::size_t kMiB = std::size_t{1} << 20;
  EXPECT_EQ(parakit::kernels::bench_bytes_per_thread(32 * kMiB, 2), 64 * kMiB)
      << "small caches: the 64 MiB floor";
  // 1 GiB of L3 (e.g. 8 x 128 MiB) over 16 threads: 4 x 1 GiB / 16 = 256 MiB each.
  EXPECT_EQ(parakit::kernels::bench_bytes_per_thread(1024 * kMiB, 16), 256 * kMiB);
  EXPECT_EQ(parakit::kernels::bench_bytes_per_thread(1024 * kMiB, 1), 1024 * kMiB) << "the 1 GiB ceiling";
  EXPECT_EQ(parakit::kernels::bench_bytes_per_thread(0, 0), 64 * kMiB);
  EXPECT_EQ(parakit::kernels::bench_bytes_per_thread(300 * kMiB + 7, 3) % 4096, 0U) << "whole pages";
}
