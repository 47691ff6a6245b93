// Test helper: one rank (argv[1], default the last) marks the phase "compute" and then blocks in a system
// call for good (pause), alive but making no progress; the others go on to "reduce" and wait for it in a
// barrier. The watchdog must end the job and name that rank.
#include <cstdlib>

#include <boost/mpi/communicator.hpp>
#include <unistd.h>

#include "parakit/mpi/environment.hpp"
#include "parakit/mpi/watchdog.hpp"

int main(int argc, char** argv) {
  const int chosen = argc > 1 ? std::atoi(argv[1]) : -1;
  return parakit::mpi::guarded_main(argc, argv, "stuck_rank_helper",
                                    [&](const boost::mpi::communicator& comm) {
                                      const int stuck = chosen >= 0 ? chosen : comm.size() - 1;
                                      parakit::mpi::progress("compute");
                                      if (comm.rank() == stuck) {
                                        for (;;)
                                          ::pause();
                                      }
                                      parakit::mpi::progress("reduce");
                                      comm.barrier();
                                      return 0;
                                    });
}
