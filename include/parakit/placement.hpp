#pragma once
/// @file
/// @brief Where the threads of this process run (like xthi): host, pid, the CPU each thread is on and the
/// CPUs it may use. OpenMP only, no MPI: mpi::placements gathers every rank's.

#include <string>
#include <vector>

namespace parakit::sys {

/// @brief Where one thread of one rank runs.
struct Placement {
  int rank = 0;           ///< the MPI rank (as the caller gave it)
  int thread = 0;         ///< the OpenMP thread number
  std::string host;       ///< the host's name
  long pid = 0;           ///< the process id
  int cpu = -1;           ///< the CPU it ran on when asked (sched_getcpu), -1 if unknown
  std::vector<int> cpus;  ///< the CPUs it may run on (its affinity), ascending
  int host_cpus = 0;      ///< CPUs online on the host
  /// @brief Boost.Serialization, for mpi::placements' gather (a template: no Boost header needed here).
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& rank& thread& host& pid& cpu& cpus& host_cpus;
  }
};

/// @brief Starts an OpenMP team of @p threads threads; each reports where it runs. The runtime may give
/// fewer threads than asked (OMP_THREAD_LIMIT, OMP_DYNAMIC): then only the team's are returned.
/// @param rank  Recorded in every entry (this process's MPI rank; this function does not ask MPI).
/// @param threads  Team size asked for, >= 1.
/// @return One entry per thread that ran, by thread number.
/// @throws parakit::Error if @p threads < 1.
std::vector<Placement> thread_placements(int rank, int threads);

/// @brief The hosts of @p placements, each once, in the order they first appear.
std::vector<std::string> placement_hosts(const std::vector<Placement>& placements);

}  // namespace parakit::sys
