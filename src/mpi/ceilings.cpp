#include "parakit/mpi/ceilings.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/collectives/gather.hpp>
#include <boost/serialization/vector.hpp>
#include <omp.h>

#include "parakit/error.hpp"
#include "parakit/kernels/monte_carlo_pi.hpp"
#include "parakit/kernels/stream.hpp"
#include "parakit/sys.hpp"
#include "parakit/topology.hpp"

namespace parakit::mpi {
namespace {

// The largest cache of the machine, all of its instances together (hwloc's view).
std::uint64_t last_level_cache_bytes() {
  std::uint64_t llc = 0;
  for (const auto& cache : sys::read_topology().caches) {
    if (cache.level == 0) continue;
    llc = std::max(llc, cache.size_bytes * static_cast<std::uint64_t>(std::max(1, cache.count)));
  }
  return llc;
}

// The best of `passes` timed sums of every thread's own array of `per_thread` doubles: each pass after a
// barrier, timed by the slowest rank. The arrays are first touched by their readers (their NUMA node).
double best_read_s(const boost::mpi::communicator& comm, int threads, std::size_t per_thread, int passes) {
  const auto t_count = static_cast<std::size_t>(threads);
  const std::unique_ptr<double[]> data(new double[per_thread * t_count]);
  volatile double sink = 0.0;  // keeps the sums from being optimised away
#pragma omp parallel num_threads(threads)
  {
    const auto t = static_cast<std::size_t>(omp_get_thread_num());
    if (t < t_count) std::fill_n(data.get() + t * per_thread, per_thread, 1.0);
  }
  double best = std::numeric_limits<double>::infinity();
  for (int pass = 0; pass < passes; ++pass) {
    comm.barrier();
    const double t0 = sys::now_s();
    double total = 0.0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
    {
      const auto t = static_cast<std::size_t>(omp_get_thread_num());
      if (t < t_count) total += kernels::read_sum(data.get() + t * per_thread, per_thread);
    }
    const double mine = sys::now_s() - t0;
    sink = sink + total;
    best = std::min(best, boost::mpi::all_reduce(comm, mine, boost::mpi::maximum<double>()));
  }
  return best;
}

// Every thread's own pi rate (samples per second, `samples` each), gathered to rank 0 (empty elsewhere).
std::vector<double> pi_rates(const boost::mpi::communicator& comm, int threads, std::uint64_t samples) {
  const auto t_count = static_cast<std::size_t>(threads);
  std::vector<double> rates(t_count, 0.0);
  comm.barrier();
#pragma omp parallel num_threads(threads)
  {
    const auto t = static_cast<std::size_t>(omp_get_thread_num());
    if (t < t_count) {
      const double t0 = sys::now_s();
      const std::uint64_t inside = kernels::count_inside(42 + t, 0, samples);
      rates[t] = static_cast<double>(samples) / (sys::now_s() - t0);
      if (inside > samples) rates[t] = 0.0;  // never: uses the count
    }
  }
  std::erase(rates, 0.0);  // threads that did not run
  std::vector<std::vector<double>> rank_rates;
  std::vector<double> all_rates;
  boost::mpi::gather(comm, rates, rank_rates, 0);
  for (const auto& r : rank_rates)
    all_rates.insert(all_rates.end(), r.begin(), r.end());
  return all_rates;
}

}  // namespace

Ceilings measure_ceilings(const boost::mpi::communicator& comm, int threads) {
  PARAKIT_REQUIRE(threads >= 1, "threads = " + std::to_string(threads));
  const double start = sys::now_s();
  constexpr int kPasses = 5;
  constexpr std::uint64_t kSamples = std::uint64_t{1} << 27;
  // The runtime may give fewer threads than asked (OMP_THREAD_LIMIT): measure with the team it gives.
  threads = std::min(sys::openmp_team(threads), threads);
  const std::size_t per_thread =
      kernels::bench_bytes_per_thread(last_level_cache_bytes(), threads) / sizeof(double);
  const double best = best_read_s(comm, threads, per_thread, kPasses);
  std::vector<double> all_rates = pi_rates(comm, threads, kSamples);
  const double bytes = static_cast<double>(per_thread * static_cast<std::size_t>(threads) * sizeof(double));

  Ceilings c;
  c.memory_bytes = boost::mpi::all_reduce(comm, bytes, std::plus<double>());
  c.memory_bytes_per_thread = static_cast<double>(per_thread * sizeof(double));
  c.threads = boost::mpi::all_reduce(comm, threads, std::plus<int>());
  c.memory_read_bytes_per_s = c.memory_bytes / best;
  c.memory_read_bytes_per_s_per_core = c.memory_read_bytes_per_s / std::max(1, c.threads);
  if (comm.rank() == 0 && !all_rates.empty()) {
    std::sort(all_rates.begin(), all_rates.end());
    c.pi_samples_per_s_per_core = all_rates[all_rates.size() / 2];
    c.pi_samples_per_s_per_core_min = all_rates.front();
  }
  c.seconds = sys::now_s() - start;
  return c;
}

}  // namespace parakit::mpi
