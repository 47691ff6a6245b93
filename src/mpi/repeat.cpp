#include "parakit/mpi/repeat.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/collectives/gather.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include "parakit/report/statistics.hpp"
#include "parakit/sys.hpp"

namespace parakit::mpi::detail {

report::RankInfo this_rank(const boost::mpi::communicator& comm, int threads) {
  // One look at the team: each thread's CPUs, and their union.
  const std::vector<std::vector<int>> per_thread = sys::team_thread_cpus(threads);
  const std::vector<int> cpus = sys::team_allowed_cpus(per_thread);
  std::vector<std::string> thread_cpus;
  for (const std::vector<int>& mine : per_thread)
    thread_cpus.push_back(sys::cpu_list(mine));
  report::RankInfo me;
  me.rank = comm.rank();
  me.host = sys::hostname();
  me.pid = sys::pid();
  me.threads = threads;
  me.cpus = sys::cpu_list(cpus);
  me.cpu_ids = cpus;
  me.thread_cpus = std::move(thread_cpus);
  me.host_cpus = sys::online_cpus();
  me.peak_rss_bytes = sys::peak_rss_bytes();
  return me;
}

report::RunStats collect_stats(const boost::mpi::communicator& comm,
                               const std::vector<report::PhaseTimes>& mine, int threads, int warmup) {
  std::vector<double> compute;
  std::vector<double> flat;  // five numbers per repeat, in PhaseTimes order
  for (const report::PhaseTimes& p : mine) {
    compute.push_back(p.compute_s);
    flat.insert(flat.end(), {p.partition_s, p.scatter_s, p.compute_s, p.reduce_s, p.total_s});
  }
  report::RankInfo me = this_rank(comm, threads);
  me.compute_s = report::summarize(compute).median;

  report::RunStats stats;
  stats.ranks = comm.size();
  stats.warmup = warmup;
  std::vector<std::vector<double>> all_flat;
  if (comm.rank() != 0) {
    boost::mpi::gather(comm, me, 0);
    boost::mpi::gather(comm, flat, 0);
    return stats;
  }
  boost::mpi::gather(comm, me, stats.per_rank, 0);
  boost::mpi::gather(comm, flat, all_flat, 0);

  for (const report::RankInfo& r : stats.per_rank)
    stats.threads_per_rank = std::max(stats.threads_per_rank, r.threads);
  const std::size_t repeats = mine.size();
  for (std::size_t k = 0; k < repeats; ++k) {
    report::PhaseTimes worst;
    double compute_sum = 0.0;
    for (const auto& rank_flat : all_flat) {
      const double* p = &rank_flat[5 * k];
      worst.partition_s = std::max(worst.partition_s, p[0]);
      worst.scatter_s = std::max(worst.scatter_s, p[1]);
      worst.compute_s = std::max(worst.compute_s, p[2]);
      worst.reduce_s = std::max(worst.reduce_s, p[3]);
      worst.total_s = std::max(worst.total_s, p[4]);
      compute_sum += p[2];
    }
    const double compute_mean = compute_sum / static_cast<double>(all_flat.size());
    stats.phases.push_back(worst);
    stats.times_s.push_back(worst.total_s);
    stats.imbalance.push_back(compute_mean > 0.0 ? worst.compute_s / compute_mean : 1.0);
  }
  return stats;
}

}  // namespace parakit::mpi::detail
