#pragma once
/// @file
/// @brief What a distributed run measured: timings per repeat, phases, and the ranks. Plain data, no MPI.

#include <string>
#include <vector>

namespace parakit::report {

/// @brief The phase times of one rank in one repeat, in seconds.
struct PhaseTimes {
  double partition_s = 0.0;  ///< rank 0 plans the chunks (0 elsewhere)
  double scatter_s = 0.0;    ///< the chunks travel to their ranks
  double compute_s = 0.0;    ///< the kernel runs with OpenMP threads
  double reduce_s = 0.0;     ///< partial results travel back to rank 0
  double total_s = 0.0;      ///< from the start barrier to the end of the reduce
};

/// @brief One rank of the run.
struct RankInfo {
  int rank = 0;
  std::string host;
  long pid = 0;
  int threads = 0;
  std::string cpus;                        ///< the CPUs the rank may run on, e.g. "0-3"
  std::vector<int> cpu_ids;                ///< the same CPUs, as numbers
  int host_cpus = 0;                       ///< CPUs online on the rank's host
  double compute_s = 0.0;                  ///< median compute time over the repeats
  long long peak_rss_bytes = 0;            ///< the rank's peak resident memory when the repeats ended
  std::vector<std::string> thread_cpus{};  ///< each OpenMP thread's CPUs, by thread number (its binding)
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& rank& host& pid& threads& cpus& cpu_ids& host_cpus& compute_s& peak_rss_bytes& thread_cpus;
  }
};

/// @brief Everything a run measured. Complete on rank 0 only.
struct RunStats {
  int ranks = 0;
  int threads_per_rank = 0;        ///< the largest thread count of any rank
  int warmup = 0;                  ///< untimed runs before the repeats
  std::vector<double> times_s;     ///< per repeat: the slowest rank's total
  std::vector<PhaseTimes> phases;  ///< per repeat: each phase's maximum over ranks
  std::vector<double> imbalance;   ///< per repeat: max / mean of the ranks' compute times
  std::vector<RankInfo> per_rank;  ///< ordered by rank
};

}  // namespace parakit::report
