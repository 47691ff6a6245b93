#pragma once
/// @file
/// @brief What in a layout deserves a warning, judged from where every thread of every rank ran
/// (`parakit info`). Plain data in, sentences out: no MPI, no I/O.

#include <string>
#include <utility>
#include <vector>

#include "parakit/placement.hpp"
#include "parakit/topology.hpp"

namespace parakit::report {

/// @brief Sentences about the layout of @p all (every thread of every rank), in this order:
/// - per host (by name): `oversubscribed` when more threads than the CPUs they may use together;
///   `unbound` when some thread may run on more CPUs than one core has hardware threads (with more than
///   one thread on the host); `overlapping` for each CPU that several threads are bound to alone;
/// - `OMP_NUM_THREADS=...` when that variable is set in @p omp_env and differs from @p threads;
/// - `OMP_PROC_BIND=...` for each rank whose @p threads threads all sit on its one CPU (@p threads > 1);
/// - for each rank that ran fewer threads than @p threads.
/// @param machine Rank 0's topology: its hardware threads per core decide what counts as bound.
/// @param threads Threads per rank asked for (--threads).
/// @param omp_env The OMP_* variables as sys::openmp_environment() gives them (name, value).
std::vector<std::string> placement_warnings(const std::vector<sys::Placement>& all,
                                            const sys::Topology& machine, int threads,
                                            const std::vector<std::pair<std::string, std::string>>& omp_env);

}  // namespace parakit::report
