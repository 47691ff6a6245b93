#include "parakit/kernels/stream.hpp"

namespace parakit::kernels {

double read_sum(const double* data, std::size_t n) {
  double sum = 0.0;
#pragma omp simd reduction(+ : sum)
  for (std::size_t i = 0; i < n; ++i)
    sum += data[i];
  return sum;
}

}  // namespace parakit::kernels
