// parakit empty: a run that does no work. Its wall-clock time, timed from outside, is the fixed cost of
// a launch in that layout (start the processes, MPI_Init, an OpenMP team, MPI_Finalize, exit), which
// `compare` and `scale` measure separately from the kernels' own times.

#include "parakit/mpi/team.hpp"
#include "parakit/sys.hpp"

#include "commands.hpp"
#include "common_options.hpp"

namespace po = boost::program_options;

namespace parakit::cli {

int run_empty(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
              const std::vector<std::string>& argv) {
  po::options_description options("Options");
  add_common_options(options, /*repeats=*/false, /*seed=*/false);
  po::variables_map values;
  const std::string usage =
      "Usage: mpirun -n P parakit empty [--threads T] [options]\n"
      "Starts MPI and an OpenMP team of T threads on every rank, does nothing, and exits: timed from\n"
      "outside, it is the fixed cost of a launch in that layout.";
  if (!parse_args(comm, args, "parakit empty", usage, options, values)) return 0;
  const CommonOptions common = read_common_options(comm, values);

  const int team = mpi::start_teams(comm, common.threads);
  report::Record record = {{"schema", report::kSchema},
                           {"kernel", "empty"},
                           {"ranks", comm.size()},
                           {"threads_per_rank", common.threads}};
  record["result"] = {{"team", team}};
  record["context"] = report::context_record(launch_context(argv), {sys::hostname()});
  emit(comm, record, common);
  return 0;
}

}  // namespace parakit::cli
