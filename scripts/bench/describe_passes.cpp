// What describe()'s two passes cost on one core, per value, apart from page faults and memory: for
// scripts/bench/stats.sh, which compares them with the two-read bound. The file is mapped with its pages
// populated up front (no faults in the timed loops) and every measurement is the best of RUNS:
//   read_memory   the STREAM-like sum over all the mapped values (one read from memory, no faults)
//   pass1_cache   pass 1's arithmetic (summarize_block: compensated sums, min, max, M2) on one block
//                 that stays in cache, repeated as often as the file has blocks
//   pass1_memory  pass 1 over every block of the file
//   pass2_cache   pass 2 (the histogram, default 10 bins, and the quantile windows with their candidates,
//                 placed from a one-in-512 sample as describe() places them) on one block in cache
//   pass2_memory  pass 2 over every block of the file
//   histogram_cache  pass 2 without the windows, on one block in cache
//   read_faults   read_memory on a fresh mapping of the file, its pages faulted in (page_cache_sum's read)
//   pass1_faults  pass1_memory on a fresh mapping (as describe() meets the file)
//   describe_passes FILE [RUNS]
// Prints one JSON line, times in ns per value.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parakit/kernels/describe.hpp"
#include "parakit/kernels/stream.hpp"

namespace kd = parakit::kernels::describe;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The best of @p runs of @p f, in ns per value of @p n values.
template <class F>
double best_ns(int runs, std::size_t n, F&& f) {
  double best = 1e300;
  for (int r = 0; r < runs; ++r) {
    const double t0 = now_s();
    f();
    best = std::min(best, now_s() - t0);
  }
  return best / static_cast<double>(n) * 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: describe_passes FILE [RUNS]\n");
    return 2;
  }
  const int runs = argc > 2 ? std::stoi(argv[2]) : 3;
  const int fd = ::open(argv[1], O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(kd::kBlock * sizeof(double))) {
    std::fprintf(stderr, "describe_passes: %s: cannot open it, or under one block of f64\n", argv[1]);
    return 2;
  }
  const auto bytes = static_cast<std::size_t>(st.st_size);
  void* map = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
  if (map == MAP_FAILED) {
    std::fprintf(stderr, "describe_passes: mmap: %s\n", std::strerror(errno));
    return 2;
  }
  const std::span<const double> x(static_cast<const double*>(map), bytes / sizeof(double));
  const std::size_t n = x.size() / kd::kBlock * kd::kBlock;  // whole blocks
  const std::span<const double> first(x.data(), kd::kBlock);

  // What describe() knows after pass 1: min, max and a one-in-512 sample; from them the edges and windows.
  double lo = x[0], hi = x[0];
  std::vector<double> sample;
  for (std::size_t i = 0; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
    if (i % 512 == 0) sample.push_back(x[i]);
  }
  const std::vector<double> qs = {0.25, 0.5, 0.75};
  const std::vector<std::uint64_t> ranks = kd::needed_ranks(n, qs);
  const std::vector<kd::KeyWindow> windows = kd::windows_from_sample(ranks, n, sample, lo, hi);
  const std::vector<double> edges = kd::histogram_edges(lo, hi, 10);

  double sink = 0.0;
  std::vector<std::uint64_t> counts(10), below(windows.size()), inside(windows.size());
  kd::Candidates candidates;
  const auto pass2 = [&](bool in_cache, bool with_windows) {
    candidates.clear();
    for (std::size_t p = 0; p < n; p += kd::kBlock) {
      const std::span<const double> block = in_cache ? first : x.subspan(p, kd::kBlock);
      if (with_windows) {
        kd::histogram_and_windows(block, edges, counts, windows, below, inside, candidates);
      } else {
        kd::count_histogram(block, edges, counts);
      }
    }
  };
  const double read_memory = best_ns(runs, n, [&] { sink += parakit::kernels::read_sum(x.data(), n); });
  const double pass1_cache = best_ns(runs, n, [&] {
    for (std::size_t p = 0; p < n; p += kd::kBlock)
      sink += kd::summarize_block(first).sum;
  });
  const double pass1_memory = best_ns(runs, n, [&] {
    for (std::size_t p = 0; p < n; p += kd::kBlock)
      sink += kd::summarize_block(x.subspan(p, kd::kBlock)).sum;
  });
  // As describe() and page_cache_sum meet the file: mapped without populating, so each run faults.
  const auto faulting = [&](auto&& body) {
    void* fresh = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
    if (fresh == MAP_FAILED) return;
    body(static_cast<const double*>(fresh));
    ::munmap(fresh, bytes);
  };
  const double read_faults =
      best_ns(runs, n, [&] { faulting([&](const double* y) { sink += parakit::kernels::read_sum(y, n); }); });
  const double pass1_faults = best_ns(runs, n, [&] {
    faulting([&](const double* y) {
      for (std::size_t p = 0; p < n; p += kd::kBlock)
        sink += kd::summarize_block({y + p, kd::kBlock}).sum;
    });
  });
  const double pass2_cache = best_ns(runs, n, [&] { pass2(true, true); });
  const double pass2_memory = best_ns(runs, n, [&] { pass2(false, true); });
  const double candidates_share = static_cast<double>(candidates.size()) / static_cast<double>(n);
  const double histogram_cache = best_ns(runs, n, [&] { pass2(true, false); });
  std::printf(
      "{\"values\": %zu, \"candidates_share\": %.5f, \"read_memory_ns\": %.4f, \"pass1_cache_ns\": %.4f, "
      "\"pass1_memory_ns\": %.4f, \"pass2_cache_ns\": %.4f, \"pass2_memory_ns\": %.4f, "
      "\"histogram_cache_ns\": %.4f, \"read_faults_ns\": %.4f, \"pass1_faults_ns\": %.4f, \"sink\": %g}\n",
      n, candidates_share, read_memory, pass1_cache, pass1_memory, pass2_cache, pass2_memory, histogram_cache,
      read_faults, pass1_faults, sink);
  ::munmap(map, bytes);
  ::close(fd);
  return 0;
}
