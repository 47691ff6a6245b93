// An OpenMP-only program (no MPI, nothing of parakit) for the tests of `parakit compare|scale -- PROGRAM`:
// the harmonic sum of N terms, with the threads OMP_NUM_THREADS says, printed with its own time.
//   omp_harmonic N   ->   "sum S\ntime_s X\n" on stdout, "threads T" on stderr
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <omp.h>

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 1000000;
  if (n <= 0) {
    std::fprintf(stderr, "omp_harmonic: N must be a positive count\n");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  double sum = 0.0;
#pragma omp parallel for reduction(+ : sum) schedule(static)
  for (long i = 1; i <= n; ++i)
    sum += 1.0 / static_cast<double>(i);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::printf("sum %.9f\ntime_s %.9f\n", sum, took.count());
  std::fprintf(stderr, "threads %d\n", omp_get_max_threads());
  return 0;
}
