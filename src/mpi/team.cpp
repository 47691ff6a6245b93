#include "parakit/mpi/team.hpp"

#include "parakit/sys.hpp"

namespace parakit::mpi {

int start_teams(const boost::mpi::communicator& comm, int threads) {
  const int team = sys::openmp_team(threads);
  comm.barrier();
  return team;
}

}  // namespace parakit::mpi
