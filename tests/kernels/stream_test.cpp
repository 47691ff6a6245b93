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
