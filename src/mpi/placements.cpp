#include "parakit/mpi/placements.hpp"

#include <vector>

#include <boost/mpi/collectives/gather.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include "parakit/placement.hpp"

namespace parakit::mpi {

std::vector<sys::Placement> placements(const boost::mpi::communicator& comm, int threads) {
  const std::vector<sys::Placement> mine = sys::thread_placements(comm.rank(), threads);
  if (comm.rank() != 0) {
    boost::mpi::gather(comm, mine, 0);
    return {};
  }
  std::vector<std::vector<sys::Placement>> all_ranks;
  boost::mpi::gather(comm, mine, all_ranks, 0);
  std::vector<sys::Placement> all;
  for (const auto& rank_places : all_ranks)
    all.insert(all.end(), rank_places.begin(), rank_places.end());
  return all;
}

}  // namespace parakit::mpi
