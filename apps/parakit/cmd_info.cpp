// parakit info: where every rank and thread runs (like xthi), on what machine (an lstopo summary from
// hwloc), with which MPI and OpenMP, and what in the layout deserves a warning.

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include <boost/mpi/collectives/gather.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <fmt/format.h>
#include <omp.h>
#include <sched.h>

#include "parakit/error.hpp"
#include "parakit/mpi/ceilings.hpp"
#include "parakit/mpi/environment.hpp"
#include "parakit/sys.hpp"
#include "parakit/topology.hpp"

#include "commands.hpp"
#include "common_options.hpp"

namespace po = boost::program_options;

namespace parakit::cli {
namespace {

// Where one thread of one rank runs.
struct Placement {
  int rank = 0;
  int thread = 0;
  std::string host;
  long pid = 0;
  int cpu = -1;           // the CPU it ran on when asked
  std::vector<int> cpus;  // the CPUs it may run on
  int host_cpus = 0;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& rank& thread& host& pid& cpu& cpus& host_cpus;
  }
};

std::string size_text(std::uint64_t bytes) {
  if (bytes >= (1ULL << 20) && bytes % (1ULL << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  if (bytes >= (1ULL << 10)) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} B", bytes);
}

// Sentences about the layout: oversubscription, unbound or shared CPUs, OMP_* settings that the launch
// contradicts.
std::vector<std::string> placement_warnings(const std::vector<Placement>& all,
                                            const sys::Topology& root_machine, int threads) {
  std::vector<std::string> warnings;
  std::map<std::string, std::vector<const Placement*>> by_host;
  for (const Placement& p : all)
    by_host[p.host].push_back(&p);
  // A thread allowed on no more CPUs than a core has hardware threads counts as bound (to its core).
  const std::size_t per_core = static_cast<std::size_t>(
      std::max(1, root_machine.cores > 0 ? root_machine.hardware_threads / root_machine.cores : 1));
  for (const auto& [host, places] : by_host) {
    // The CPUs these threads may use together: the allocation, not the whole host (cgroups, binding).
    std::set<int> usable;
    for (const Placement* p : places)
      usable.insert(p->cpus.begin(), p->cpus.end());
    if (!usable.empty() && places.size() > usable.size()) {
      warnings.push_back(
          fmt::format("oversubscribed: {} threads on {} may use {} CPU{} ({}) together; they take "
                      "turns, so timings measure sharing, not scaling",
                      places.size(), host, usable.size(), usable.size() == 1 ? "" : "s",
                      sys::cpu_list({usable.begin(), usable.end()})));
    }
    std::size_t unbound = 0;
    std::map<int, int> single;  // CPU -> threads bound to it alone
    for (const Placement* p : places) {
      if (p->cpus.size() > per_core) ++unbound;
      if (p->cpus.size() == 1) ++single[p->cpus.front()];
    }
    if (unbound > 0 && places.size() > 1) {
      warnings.push_back(fmt::format(
          "unbound: {} of {} threads on {} may run on several CPUs and can migrate; bind them "
          "(OMP_PROC_BIND=close OMP_PLACES=cores, or mpirun --bind-to core for one thread per rank)",
          unbound, places.size(), host));
    }
    for (const auto& [cpu, n] : single) {
      if (n > 1) {
        warnings.push_back(
            fmt::format("overlapping: {} threads on {} are bound to the same CPU {}", n, host, cpu));
      }
    }
  }
  if (const char* env = std::getenv("OMP_NUM_THREADS"); env != nullptr && std::atoi(env) != threads) {
    warnings.push_back(
        fmt::format("OMP_NUM_THREADS={} but the ranks run {} threads (--threads wins)", env, threads));
  }
  if (const char* bind = std::getenv("OMP_PROC_BIND"); bind != nullptr && threads > 1) {
    for (const Placement& p : all) {
      if (p.thread == 0 && p.cpus.size() == 1) {
        const auto same = std::count_if(
            all.begin(), all.end(), [&](const Placement& q) { return q.rank == p.rank && q.cpus == p.cpus; });
        if (same == threads) {
          warnings.push_back(
              fmt::format("OMP_PROC_BIND={} binds the {} threads of rank {} to its only CPU {}: "
                          "give the rank more CPUs (mpirun --map-by slot:PE={})",
                          bind, threads, p.rank, p.cpus.front(), threads));
        }
      }
    }
  }
  std::map<int, int> team;  // rank -> threads that ran
  for (const Placement& p : all)
    ++team[p.rank];
  for (const auto& [rank, n] : team) {
    if (n < threads) {
      warnings.push_back(
          fmt::format("rank {} ran {} OpenMP threads, not the {} asked for (OMP_THREAD_LIMIT or "
                      "OMP_DYNAMIC?)",
                      rank, n, threads));
    }
  }
  return warnings;
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
  std::vector<Placement> mine(static_cast<std::size_t>(common.threads));
  const std::string host = sys::hostname();
  const long pid = sys::pid();
  const int host_cpus = sys::online_cpus();
  int team = 0;
#pragma omp parallel num_threads(common.threads)
  {
    const int t = omp_get_thread_num();
#pragma omp single
    team = omp_get_num_threads();  // the runtime may give fewer threads than asked
    if (t < common.threads) {
      mine[static_cast<std::size_t>(t)] = {comm.rank(),         t,        host, pid, sched_getcpu(),
                                           sys::allowed_cpus(), host_cpus};
    }
  }
  mine.resize(static_cast<std::size_t>(std::min(team, common.threads)));
  std::vector<std::vector<Placement>> all_ranks;
  if (comm.rank() == 0) {
    boost::mpi::gather(comm, mine, all_ranks, 0);
  } else {
    boost::mpi::gather(comm, mine, 0);
  }
  const bool bench = values.count("bench") != 0;
  mpi::Ceilings ceilings;
  if (bench) ceilings = mpi::measure_ceilings(comm, common.threads);
  if (comm.rank() != 0) return 0;

  std::vector<Placement> all;
  std::vector<std::string> hosts;
  for (const auto& rank_places : all_ranks) {
    for (const Placement& p : rank_places) {
      all.push_back(p);
      if (std::find(hosts.begin(), hosts.end(), p.host) == hosts.end()) hosts.push_back(p.host);
    }
  }
  report::Record threads = report::Record::array();
  for (const Placement& p : all) {
    threads.push_back({{"rank", p.rank},
                       {"thread", p.thread},
                       {"host", p.host},
                       {"pid", p.pid},
                       {"cpu", p.cpu},
                       {"cpuset", sys::cpu_list(p.cpus)}});
  }
  report::Record caches = report::Record::array();
  std::string cache_summary;
  for (const auto& c : machine.caches) {
    caches.push_back({{"level", c.level}, {"size_bytes", c.size_bytes}, {"count", c.count}});
    cache_summary += fmt::format("{}L{} {} x {}", cache_summary.empty() ? "" : ", ", c.level,
                                 size_text(c.size_bytes), c.count);
  }
  const report::Context context = launch_context(argv);
  report::Record record = {{"schema", report::kSchema},
                           {"kernel", "info"},
                           {"ranks", comm.size()},
                           {"threads_per_rank", common.threads}};
  record["result"] = {{"threads", threads}};
  record["machine"] = {{"host", host},
                       {"cpu_model", machine.cpu_model},
                       {"packages", machine.packages},
                       {"numa_nodes", machine.numa_nodes},
                       {"cores", machine.cores},
                       {"hardware_threads", machine.hardware_threads},
                       {"cache_summary", cache_summary},
                       {"caches", caches},
                       {"hwloc_api_version", machine.hwloc_api_version}};
  if (bench) {
    const int cores = std::max(1, ceilings.threads);  // the threads that ran
    record["ceilings"] = {{"memory_read_bytes_per_s", ceilings.memory_read_bytes_per_s},
                          {"memory_read_bytes_per_core_per_s", ceilings.memory_read_bytes_per_s / cores},
                          {"memory_bytes", ceilings.memory_bytes},
                          {"memory_bytes_per_thread", ceilings.memory_bytes_per_thread},
                          {"pi_samples_per_core_per_s", ceilings.pi_samples_per_s_per_core},
                          {"pi_slowest_core_samples_per_s", ceilings.pi_samples_per_s_per_core_min},
                          {"measured_in_s", ceilings.seconds}};
  }
  record["warnings"] = placement_warnings(all, machine, common.threads);
  record["context"] = report::context_record(context, hosts);
  emit(comm, record, common);
  return 0;
}

}  // namespace parakit::cli
