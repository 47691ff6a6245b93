// Test helper: the last rank throws while the others wait in a barrier. guarded_main must end the
// whole job (exit code != 0) within seconds, and the message must name the failing rank once.
#include <stdexcept>

#include <boost/mpi/communicator.hpp>

#include "parakit/mpi/environment.hpp"

int main(int argc, char** argv) {
  return parakit::mpi::guarded_main(argc, argv, "failing_rank_helper",
                                    [](const boost::mpi::communicator& comm) {
                                      if (comm.rank() == comm.size() - 1)
                                        throw std::runtime_error("deliberate failure");
                                      comm.barrier();
                                      return 0;
                                    });
}
