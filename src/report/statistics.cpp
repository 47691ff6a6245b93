#include "parakit/report/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace parakit::report {

Summary summarize(std::span<const double> values) {
  Summary s;
  s.n = values.size();
  if (values.empty()) return s;
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  s.min = sorted.front();
  s.max = sorted.back();
  const std::size_t mid = s.n / 2;
  s.median = s.n % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
  double sum = 0.0;
  for (const double v : sorted)
    sum += v;
  s.mean = sum / static_cast<double>(s.n);
  if (s.n > 1) {
    double squares = 0.0;
    for (const double v : sorted)
      squares += (v - s.mean) * (v - s.mean);
    s.stdev = std::sqrt(squares / static_cast<double>(s.n - 1));
  }
  return s;
}

}  // namespace parakit::report
