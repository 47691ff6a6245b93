#pragma once
/// @file
/// @brief The machine's own ceilings, measured in a fraction of a second on every rank and thread at once:
/// memory read bandwidth (a STREAM-like sum) and the per-core throughput of the pi kernel. Other runs
/// can then be read as a fraction of what the hardware allows.

#include <cstddef>
#include <cstdint>

#include <boost/mpi/communicator.hpp>

namespace parakit::mpi {

/// @brief What the ceilings are. Complete on rank 0 only.
struct Ceilings {
  int threads = 0;                                ///< that ran, all ranks together
  double memory_bytes = 0.0;                      ///< read per timed pass, all ranks and threads together
  double memory_bytes_per_thread = 0.0;           ///< each thread's array (rank 0's)
  double memory_read_bytes_per_s = 0.0;           ///< best pass: bytes / the slowest rank's time
  double memory_read_bytes_per_s_per_core = 0.0;  ///< memory_read_bytes_per_s / threads (at least 1)
  double pi_samples_per_s_per_core = 0.0;         ///< median over all threads of each thread's own rate
  double pi_samples_per_s_per_core_min = 0.0;     ///< the slowest thread's own rate
  double seconds = 0.0;                           ///< how long the measurement took
};

/// @brief Measures the ceilings with @p threads OpenMP threads per rank: each thread sums its own
/// array (kernels::bench_bytes_per_thread, from hwloc's view of the caches; first touched by itself, so on
/// its NUMA node) 5 times after a barrier, and counts 2^27 pi samples. With fewer threads than asked
/// (OMP_THREAD_LIMIT), the team that ran is measured. Timed with sys::now_s, in seconds.
/// @note Collective over @p comm: every rank calls it (@p threads may differ between ranks).
/// @throws parakit::Error if @p threads < 1.
Ceilings measure_ceilings(const boost::mpi::communicator& comm, int threads);

}  // namespace parakit::mpi
