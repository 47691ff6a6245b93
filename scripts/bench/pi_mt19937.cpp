// Baseline for scripts/bench/pi.sh: the textbook C++ Monte Carlo pi loop, std::mt19937_64 with
// std::uniform_real_distribution, one thread. Prints one JSON line: samples, seconds, samples_per_s.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

int main(int argc, char** argv) {
  const std::uint64_t n = argc > 1 ? std::stoull(argv[1]) : 200'000'000;
  std::mt19937_64 engine(42);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t inside = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    const double x = uniform(engine), y = uniform(engine);
    inside += x * x + y * y < 1.0 ? 1 : 0;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"samples\": %llu, \"seconds\": %.6f, \"samples_per_s\": %.6g, \"estimate\": %.8f}\n",
              static_cast<unsigned long long>(n), seconds, static_cast<double>(n) / seconds,
              4.0 * static_cast<double>(inside) / static_cast<double>(n));
  return 0;
}
