// Ceiling for scripts/bench/stats.sh: the STREAM-like sum of `parakit info --bench`
// (parakit::kernels::read_sum), run over a file's pages in the page cache instead of fresh memory. Every
// run maps the file, sums it with T OpenMP threads (each its own contiguous part) and unmaps it, as
// `parakit stats --read mmap` does; so it is what one read of the file can cost at best.
//   page_cache_sum FILE [THREADS] [RUNS]
// Prints one JSON line: bytes, threads, best_s (the fastest run), bytes_per_s.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <omp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parakit/kernels/stream.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: page_cache_sum FILE [THREADS] [RUNS]\n");
    return 2;
  }
  const int threads = argc > 2 ? std::stoi(argv[2]) : 1;
  const int runs = argc > 3 ? std::stoi(argv[3]) : 5;
  const int fd = ::open(argv[1], O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    std::fprintf(stderr, "page_cache_sum: %s: %s\n", argv[1], std::strerror(errno));
    return 2;
  }
  const auto bytes = static_cast<std::size_t>(st.st_size);
  const std::size_t n = bytes / sizeof(double);
  double best = 1e300, total = 0.0;
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    void* map = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
      std::fprintf(stderr, "page_cache_sum: mmap: %s\n", std::strerror(errno));
      return 2;
    }
    const auto* x = static_cast<const double*>(map);
    double sum = 0.0;
#pragma omp parallel num_threads(threads) reduction(+ : sum)
    {
      const auto t = static_cast<std::size_t>(omp_get_thread_num());
      const auto p = static_cast<std::size_t>(omp_get_num_threads());
      const std::size_t from = n * t / p, to = n * (t + 1) / p;
      sum += parakit::kernels::read_sum(x + from, to - from);
    }
    ::munmap(map, bytes);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    total += sum;
  }
  ::close(fd);
  std::printf("{\"bytes\": %zu, \"threads\": %d, \"best_s\": %.6f, \"bytes_per_s\": %.6g, \"sum\": %.17g}\n",
              bytes, threads, best, static_cast<double>(bytes) / best, total);
  return 0;
}
