// Roofline for scripts/bench/heat.sh: how fast this machine can read one array of doubles and write
// another, counted as 16 bytes per element (one read, one write: what one cell update of the heat stencil
// must at least move). Each thread copies its own contiguous part (first touched by that thread) with
// memcpy (which streams past the caches for large sizes); the fastest of RUNS runs counts.
//   copy_bandwidth DOUBLES [THREADS] [RUNS]
// Prints one JSON line: doubles, threads, best_s, bytes_per_s (16 bytes per element), updates_per_s.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include <omp.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: copy_bandwidth DOUBLES [THREADS] [RUNS]\n");
    return 2;
  }
  const auto n = static_cast<std::size_t>(std::stod(argv[1]));
  const int threads = argc > 2 ? std::stoi(argv[2]) : 1;
  const int runs = argc > 3 ? std::stoi(argv[3]) : 5;
  const std::unique_ptr<double[]> a(new double[n]);
  const std::unique_ptr<double[]> b(new double[n]);
  auto part = [&](std::size_t t, std::size_t p) {
    return std::pair<std::size_t, std::size_t>{n * t / p, n * (t + 1) / p};
  };
#pragma omp parallel num_threads(threads)
  {
    const auto [from, to] =
        part(static_cast<std::size_t>(omp_get_thread_num()), static_cast<std::size_t>(omp_get_num_threads()));
    for (std::size_t i = from; i < to; ++i) {
      a[i] = static_cast<double>(i);
      b[i] = 0.0;
    }
  }
  double best = 1e300;
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads)
    {
      const auto [from, to] = part(static_cast<std::size_t>(omp_get_thread_num()),
                                   static_cast<std::size_t>(omp_get_num_threads()));
      std::memcpy(b.get() + from, a.get() + from, (to - from) * sizeof(double));
    }
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (b[n - 1] != static_cast<double>(n - 1)) return 1;
  std::printf(
      "{\"doubles\": %zu, \"threads\": %d, \"best_s\": %.6f, \"bytes_per_s\": %.6g, \"updates_per_s\": "
      "%.6g}\n",
      n, threads, best, 16.0 * static_cast<double>(n) / best, static_cast<double>(n) / best);
  return 0;
}
