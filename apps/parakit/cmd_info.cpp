// parakit info: where every rank and thread runs (like xthi), on what machine (an lstopo summary from
// hwloc), with which MPI and OpenMP, and what in the layout deserves a warning.

#include <string>
#include <vector>

#include "parakit/mpi/ceilings.hpp"
#include "parakit/mpi/placements.hpp"
#include "parakit/placement.hpp"
#include "parakit/report/machine_record.hpp"
#include "parakit/report/placement_warnings.hpp"
#include "parakit/sys.hpp"
#include "parakit/topology.hpp"

#include "commands.hpp"
#include "common_options.hpp"

namespace po = boost::program_options;

namespace parakit::cli {
namespace {

report::Record threads_record(const std::vector<sys::Placement>& all) {
  report::Record threads = report::Record::array();
  for (const sys::Placement& p : all) {
    threads.push_back({{"rank", p.rank},
                       {"thread", p.thread},
                       {"host", p.host},
                       {"pid", p.pid},
                       {"cpu", p.cpu},
                       {"cpuset", sys::cpu_list(p.cpus)}});
  }
  return threads;
}

report::Record ceilings_record(const mpi::Ceilings& ceilings) {
  return {{"memory_read_bytes_per_s", ceilings.memory_read_bytes_per_s},
          {"memory_read_bytes_per_core_per_s", ceilings.memory_read_bytes_per_s_per_core},
          {"memory_bytes", ceilings.memory_bytes},
          {"memory_bytes_per_thread", ceilings.memory_bytes_per_thread},
          {"pi_samples_per_core_per_s", ceilings.pi_samples_per_s_per_core},
          {"pi_slowest_core_samples_per_s", ceilings.pi_samples_per_s_per_core_min},
          {"measured_in_s", ceilings.seconds}};
}

}  // namespace

int run_info(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
             const std::vector<std::string>& argv) {
  po::options_description options("Options");
  options.add_options()("bench",
                        "also measure the machine's ceilings (a fraction of a second): memory read bandwidth "
                        "and the pi kernel's samples per second per core");
  add_common_options(options, false, false);
  po::variables_map values;
  const std::string usage =
      "Usage: mpirun -n P parakit info [--bench] [--threads T] [--format text|json|csv] [--output FILE]\n"
      "Where every thread of every rank runs (host, pid, CPU, allowed CPUs), on what machine (hwloc),\n"
      "with which MPI and OpenMP, and warnings about the layout.";
  if (!parse_args(comm, args, "parakit info", usage, options, values)) return 0;
  const CommonOptions common = read_common_options(comm, values);

  const sys::Topology machine = sys::read_topology();
  const std::vector<sys::Placement> all = mpi::placements(comm, common.threads);
  const bool bench = values.count("bench") != 0;
  mpi::Ceilings ceilings;
  if (bench) ceilings = mpi::measure_ceilings(comm, common.threads);
  if (comm.rank() != 0) return 0;

  report::Record record = {{"schema", report::kSchema},
                           {"kernel", "info"},
                           {"ranks", comm.size()},
                           {"threads_per_rank", common.threads}};
  record["result"] = {{"threads", threads_record(all)}};
  record["machine"] = report::machine_record(sys::hostname(), machine);
  if (bench) record["ceilings"] = ceilings_record(ceilings);
  record["warnings"] = report::placement_warnings(all, machine, common.threads, sys::openmp_environment());
  record["context"] = report::context_record(launch_context(argv), sys::placement_hosts(all));
  emit(comm, record, common);
  return 0;
}

}  // namespace parakit::cli
