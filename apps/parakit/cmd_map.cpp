// parakit map: a task farm over ranks x threads. `map pi` runs the seed's Pool.map of Monte Carlo tasks
// (cmd_map_pi.cpp), `map exec` runs a shell command per line of a task file, with a joblog that --resume
// continues (cmd_map_exec.cpp).

#include <iostream>
#include <string>
#include <vector>

#include "parakit/error.hpp"

#include "commands.hpp"
#include "map_options.hpp"

namespace parakit::cli {
namespace {

const char* const kMapUsage =
    "Usage: mpirun -n P parakit map pi --tasks N[,N...]|@FILE [--schedule S] [--chunk K] [options]\n"
    "       mpirun -n P parakit map exec --tasks @FILE [--joblog FILE [--resume]] [options] -- CMD {}\n"
    "A task farm over every thread of every rank: 'map pi' runs Monte Carlo tasks, 'map exec' runs a\n"
    "shell command per line of a file.";

}  // namespace

int run_map(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
            const std::vector<std::string>& argv) {
  if (args.empty()) throw UsageError("map: no kernel given (accepted: pi, exec; see 'parakit map --help')");
  if (args[0] == "--help" || args[0] == "-h") {
    if (comm.rank() == 0)
      std::cout << kMapUsage
                << "\n\n'parakit map pi --help' and 'parakit map exec --help' list the options.\n";
    return 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "pi") return map_pi(comm, rest, argv);
  if (args[0] == "exec") return map_exec(comm, rest, argv);
  throw UsageError("map: '" + args[0] + "' is not a kernel (accepted: pi, exec; see 'parakit map --help')");
}

}  // namespace parakit::cli
