#pragma once
/// @file
/// @brief Where every thread of every rank runs: each rank probes its OpenMP team
/// (sys::thread_placements), rank 0 gathers them.

#include <vector>

#include <boost/mpi/communicator.hpp>

#include "parakit/placement.hpp"

namespace parakit::mpi {

/// @brief Starts an OpenMP team of @p threads threads on every rank of @p comm, records where each thread
/// runs, and gathers the records to rank 0.
/// @return On rank 0: every rank's threads, in rank order, each rank's by thread number (a rank whose
/// runtime gave fewer threads than asked contributes fewer). Empty on the other ranks.
/// @note Collective over @p comm; @p threads may differ between ranks.
/// @throws parakit::Error if @p threads < 1 (checked on every rank before the gather, so all throw alike
/// when all pass the same value).
std::vector<sys::Placement> placements(const boost::mpi::communicator& comm, int threads);

}  // namespace parakit::mpi
