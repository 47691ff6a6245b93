#include "parakit/mpi/ceilings.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <memory>
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

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

Ceilings measure_ceilings(const boost::mpi::communicator& comm, int threads) {
  PARAKIT_REQUIRE(threads >= 1, "threads = " + std::to_string(threads));
  const auto start = Clock::now();
  constexpr int kPasses = 5;
  constexpr std::uint64_t kSamples = std::uint64_t{1} << 27;
  // The runtime may give fewer threads than asked (OMP_THREAD_LIMIT): measure with the team it gives.
  threads = std::min(sys::openmp_team(threads), threads);
  std::uint64_t llc = 0;
  for (const auto& cache : sys::read_topology().caches) {
    if (cache.level == 0) continue;
    llc = std::max(llc, cache.size_bytes * static_cast<std::uint64_t>(std::max(1, cache.count)));
  }
  const std::size_t kPerThread = kernels::bench_bytes_per_thread(llc, threads) / sizeof(double);
  const auto t_count = static_cast<std::size_t>(threads);
  const std::unique_ptr<double[]> data(new double[kPerThread * t_count]);
  volatile double sink = 0.0;  // keeps the sums from being optimised away

#pragma omp parallel num_threads(threads)
  {
    const auto t = static_cast<std::size_t>(omp_get_thread_num());
    if (t < t_count) std::fill_n(data.get() + t * kPerThread, kPerThread, 1.0);  // first touch by its reader
  }
  double best = std::numeric_limits<double>::infinity();
  for (int pass = 0; pass < kPasses; ++pass) {
    comm.barrier();
    const auto t0 = Clock::now();
    double total = 0.0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
    {
      const auto t = static_cast<std::size_t>(omp_get_thread_num());
      if (t < t_count) total += kernels::read_sum(data.get() + t * kPerThread, kPerThread);
    }
    const double mine = seconds_since(t0);
    sink = sink + total;
    best = std::min(best, boost::mpi::all_reduce(comm, mine, boost::mpi::maximum<double>()));
  }

  std::vector<double> rates(t_count, 0.0);
  comm.barrier();
#pragma omp parallel num_threads(threads)
  {
    const auto t = static_cast<std::size_t>(omp_get_thread_num());
    if (t < t_count) {
      const auto t0 = Clock::now();
      const std::uint64_t inside = kernels::count_inside(42 + t, 0, kSamples);
      rates[t] = static_cast<double>(kSamples) / seconds_since(t0);
      if (inside > kSamples) rates[t] = 0.0;  // never: uses the count
    }
  }
  std::erase(rates, 0.0);  // threads that did not run
  std::vector<std::vector<double>> rank_rates;
  std::vector<double> all_rates;
  boost::mpi::gather(comm, rates, rank_rates, 0);
  for (const auto& r : rank_rates)
    all_rates.insert(all_rates.end(), r.begin(), r.end());
  const double bytes = static_cast<double>(kPerThread * t_count * sizeof(double));

  Ceilings c;
  c.memory_bytes = boost::mpi::all_reduce(comm, bytes, std::plus<double>());
  c.memory_bytes_per_thread = static_cast<double>(kPerThread * sizeof(double));
  c.threads = boost::mpi::all_reduce(comm, threads, std::plus<int>());
  c.memory_read_bytes_per_s = c.memory_bytes / best;
  if (comm.rank() == 0 && !all_rates.empty()) {
    std::sort(all_rates.begin(), all_rates.end());
    c.pi_samples_per_s_per_core = all_rates[all_rates.size() / 2];
    c.pi_samples_per_s_per_core_min = all_rates.front();
  }
  c.seconds = seconds_since(start);
  return c;
}

}  // namespace parakit::mpi
