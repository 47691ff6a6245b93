#pragma once
/// @file
/// @brief The one repeat loop of the MPI layer: warm-up runs, then timed runs, each started after a
/// barrier and timed with parakit's one clock (sys::now_s), the slowest rank's time per run gathered to
/// rank 0. The kernel runner (mpi::run) and `parakit stats` both time their runs through it.

#include <cstddef>
#include <functional>
#include <vector>

#include <boost/mpi/communicator.hpp>

#include "parakit/mpi/watchdog.hpp"
#include "parakit/report/run_stats.hpp"
#include "parakit/sys.hpp"

namespace parakit::mpi {

/// @brief The largest accepted repeat and warmup counts.
inline constexpr int kMaxRuns = 1'000'000;

/// @brief How to run.
struct RunOptions {
  int threads = 1;  ///< OpenMP threads of this rank (>= 1)
  int repeat = 1;   ///< timed runs (>= 1)
  int warmup = 0;   ///< untimed runs before them (>= 0)
  /// Rank 0 only: called from its thread 0 with the fraction of all runs done so far, in [0, 1].
  std::function<void(double fraction)> progress;
};

namespace detail {

/// @brief This rank's RankInfo (host, pid, @p threads, its CPUs), compute_s 0.
report::RankInfo this_rank(const boost::mpi::communicator& comm, int threads);

/// Gathers every rank's phase times and identity to rank 0 and summarises them there.
report::RunStats collect_stats(const boost::mpi::communicator& comm,
                               const std::vector<report::PhaseTimes>& mine, int threads, int warmup);

}  // namespace detail

/// @brief What mpi::repeat does after a run by default: nothing.
struct Untimed {
  void operator()(int /*run*/) const {}
};

/// @brief Runs @p body(run, phases) options.warmup + options.repeat times on every rank of @p comm. Each run
/// starts after a barrier; @p body fills the phases it has (partition, scatter, compute, reduce), and
/// total_s is measured here, from the barrier to the body's return. Then @p after(run) runs, untimed
/// (releasing what the run held, say). Warm-up runs are not kept.
/// @return The timed runs' RunStats: per run the slowest rank's phases and total, the imbalance, and
/// every rank's identity (complete on rank 0 only).
/// @note Collective over @p comm: every rank passes the same repeat and warmup counts.
template <class Body, class After = Untimed>
report::RunStats repeat(const boost::mpi::communicator& comm, const RunOptions& options, Body&& body,
                        After&& after = After{}) {
  std::vector<report::PhaseTimes> mine;
  mine.reserve(static_cast<std::size_t>(options.repeat));
  const int runs = options.warmup + options.repeat;
  for (int r = 0; r < runs; ++r) {
    progress("run");
    comm.barrier();
    report::PhaseTimes phases;
    const double start = sys::now_s();
    body(r, phases);
    phases.total_s = sys::now_s() - start;
    if (r >= options.warmup) mine.push_back(phases);
    after(r);
  }
  return detail::collect_stats(comm, mine, options.threads, options.warmup);
}

}  // namespace parakit::mpi
