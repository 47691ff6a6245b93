#include "parakit/placement.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include <omp.h>
#include <sched.h>

#include "parakit/error.hpp"
#include "parakit/sys.hpp"

namespace parakit::sys {

std::vector<Placement> thread_placements(int rank, int threads) {
  PARAKIT_REQUIRE(threads >= 1, "threads = " + std::to_string(threads));
  std::vector<Placement> mine(static_cast<std::size_t>(threads));
  const std::string host = hostname();
  const long my_pid = pid();
  const int host_cpus = online_cpus();
  int team = 0;
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
#pragma omp single
    team = omp_get_num_threads();  // the runtime may give fewer threads than asked
    if (t < threads) {
      mine[static_cast<std::size_t>(t)] = {rank, t, host, my_pid, sched_getcpu(), allowed_cpus(), host_cpus};
    }
  }
  mine.resize(static_cast<std::size_t>(std::min(team, threads)));
  return mine;
}

std::vector<std::string> placement_hosts(const std::vector<Placement>& placements) {
  std::vector<std::string> hosts;
  for (const Placement& p : placements) {
    if (std::find(hosts.begin(), hosts.end(), p.host) == hosts.end()) hosts.push_back(p.host);
  }
  return hosts;
}

}  // namespace parakit::sys
