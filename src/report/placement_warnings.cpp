#include "parakit/report/placement_warnings.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "parakit/sys.hpp"

namespace parakit::report {
namespace {

using Environment = std::vector<std::pair<std::string, std::string>>;

std::optional<std::string> lookup(const Environment& env, const std::string& name) {
  for (const auto& [key, value] : env) {
    if (key == name) return value;
  }
  return std::nullopt;
}

// One host's threads: oversubscribed, unbound, overlapping.
void add_host_warnings(const std::string& host, const std::vector<const sys::Placement*>& places,
                       std::size_t per_core, std::vector<std::string>& warnings) {
  // The CPUs these threads may use together: the allocation, not the whole host (cgroups, binding).
  std::set<int> usable;
  for (const sys::Placement* p : places)
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
  for (const sys::Placement* p : places) {
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

// OMP_PROC_BIND with more threads than the rank's one CPU: every thread of the rank lands on it.
void add_bind_warnings(const std::vector<sys::Placement>& all, int threads, const std::string& bind,
                       std::vector<std::string>& warnings) {
  for (const sys::Placement& p : all) {
    if (p.thread != 0 || p.cpus.size() != 1) continue;
    const auto same = std::count_if(all.begin(), all.end(), [&](const sys::Placement& q) {
      return q.rank == p.rank && q.cpus == p.cpus;
    });
    if (same == threads) {
      warnings.push_back(
          fmt::format("OMP_PROC_BIND={} binds the {} threads of rank {} to its only CPU {}: "
                      "give the rank more CPUs (mpirun --map-by slot:PE={})",
                      bind, threads, p.rank, p.cpus.front(), threads));
    }
  }
}

}  // namespace

std::vector<std::string> placement_warnings(const std::vector<sys::Placement>& all,
                                            const sys::Topology& machine, int threads,
                                            const Environment& omp_env) {
  std::vector<std::string> warnings;
  std::map<std::string, std::vector<const sys::Placement*>> by_host;
  for (const sys::Placement& p : all)
    by_host[p.host].push_back(&p);
  // A thread allowed on no more CPUs than a core has hardware threads counts as bound (to its core).
  const auto per_core =
      static_cast<std::size_t>(std::max(1, machine.cores > 0 ? machine.hardware_threads / machine.cores : 1));
  for (const auto& [host, places] : by_host)
    add_host_warnings(host, places, per_core, warnings);
  if (const auto env = lookup(omp_env, "OMP_NUM_THREADS"); env && std::atoi(env->c_str()) != threads) {
    warnings.push_back(
        fmt::format("OMP_NUM_THREADS={} but the ranks run {} threads (--threads wins)", *env, threads));
  }
  if (const auto bind = lookup(omp_env, "OMP_PROC_BIND"); bind && threads > 1)
    add_bind_warnings(all, threads, *bind, warnings);
  std::map<int, int> team;  // rank -> threads that ran
  for (const sys::Placement& p : all)
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

}  // namespace parakit::report
