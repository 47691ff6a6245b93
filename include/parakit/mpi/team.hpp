#pragma once
/// @file
/// @brief The start of a hybrid run and nothing else: an OpenMP team on every rank, then a barrier.
/// `parakit empty` times it from outside as the fixed cost of a launch.

#include <boost/mpi/communicator.hpp>

namespace parakit::mpi {

/// @brief Starts an OpenMP team of @p threads threads on every rank of @p comm (sys::openmp_team), then
/// waits in a barrier until every rank has.
/// @return The size of this rank's team (the runtime may give fewer threads than asked).
/// @note Collective over @p comm; @p threads may differ between ranks.
int start_teams(const boost::mpi::communicator& comm, int threads);

}  // namespace parakit::mpi
