#pragma once
// A test kernel whose result has a closed form: task t over indices [0, n) sums (t + 1) * (i + 1),
// which is (t + 1) * n (n + 1) / 2. A lost, doubled or misplaced index changes the sum.

#include <cstdint>
#include <vector>

#include "parakit/kernels/kernel.hpp"

namespace parakit::test {

struct WeightedSum {
  using Partial = std::uint64_t;
  std::vector<std::uint64_t> sizes;
  std::uint64_t task_count() const { return sizes.size(); }
  std::uint64_t task_size(std::uint64_t t) const { return sizes[t]; }
  Partial compute(std::uint64_t task, std::uint64_t first, std::uint64_t last) const {
    Partial s = 0;
    for (std::uint64_t i = first; i < last; ++i)
      s += (task + 1) * (i + 1);
    return s;
  }
  static Partial combine(Partial a, Partial b) { return a + b; }
};
static_assert(kernels::Kernel<WeightedSum>);

}  // namespace parakit::test
