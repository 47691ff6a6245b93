#include <cstdio>

#include "parakit/kernels/monte_carlo_pi.hpp"
#include "parakit/mpi/environment.hpp"
#include "parakit/mpi/run.hpp"

int main(int argc, char** argv) {
  return parakit::mpi::guarded_main(argc, argv, "consumer", [](const boost::mpi::communicator& comm) {
    const parakit::kernels::MonteCarloPi kernel({1000}, 1);
    const auto run = parakit::mpi::run(comm, kernel, parakit::mpi::RunOptions{});
    // The installed library computes what the build tree does: this count is pinned by the unit tests'
    // stream.
    if (comm.rank() == 0) std::printf("%llu\n", static_cast<unsigned long long>(run.partials[0]));
    return run.partials[0] == parakit::kernels::count_inside(1, 0, 1000) && run.partials[0] > 700 ? 0 : 3;
  });
}
