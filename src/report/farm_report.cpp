#include "parakit/report/farm_report.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "parakit/error.hpp"

namespace parakit::report {

ScheduleFigures schedule_figures(const FarmResult& farm, int threads, std::uint64_t pieces) {
  PARAKIT_REQUIRE(threads >= 1, "threads = " + std::to_string(threads));
  ScheduleFigures f;
  const auto per_rank = static_cast<std::size_t>(threads);
  const std::size_t w_count = farm.per_rank.size() * per_rank;
  std::vector<double> busy(w_count, 0.0);
  std::vector<std::uint64_t> runs(w_count, 0);
  std::vector<double> per_piece(pieces, 0.0);
  for (const FarmRecord& r : farm.records) {
    PARAKIT_REQUIRE(r.rank >= 0 && static_cast<std::size_t>(r.rank) < farm.per_rank.size() && r.thread >= 0 &&
                        r.thread < threads && r.piece < pieces,
                    "a record of a worker and a piece of the farm");
    const std::size_t w = static_cast<std::size_t>(r.rank) * per_rank + static_cast<std::size_t>(r.thread);
    const double d = r.end_s - r.start_s;
    busy[w] += d;
    ++runs[w];
    per_piece[r.piece] += d;
    f.makespan_s = std::max(f.makespan_s, r.end_s);
  }
  for (const double b : busy)
    f.busy_total_s += b;
  const double mean = f.busy_total_s / static_cast<double>(w_count);
  const double largest = per_piece.empty() ? 0.0 : *std::max_element(per_piece.begin(), per_piece.end());
  f.lower_bound_s = std::max(mean, largest);
  f.efficiency = f.makespan_s > 0.0 ? f.busy_total_s / (static_cast<double>(w_count) * f.makespan_s) : 1.0;
  f.imbalance = mean > 0.0 ? *std::max_element(busy.begin(), busy.end()) / mean : 1.0;
  for (std::size_t w = 0; w < w_count; ++w) {
    const std::size_t rank = w / per_rank;
    f.workers.push_back({{"rank", rank},
                         {"thread", w % per_rank},
                         {"host", farm.per_rank[rank].host},
                         {"runs", runs[w]},
                         {"busy_s", busy[w]},
                         {"idle_s", f.makespan_s - busy[w]}});
  }
  return f;
}

void add_schedule_figures(Record& result, const ScheduleFigures& figures) {
  result["makespan_s"] = figures.makespan_s;
  result["lower_bound_s"] = figures.lower_bound_s;
  result["efficiency"] = figures.efficiency;
  result["imbalance"] = figures.imbalance;
  result["workers"] = figures.workers;
}

RunStats farm_run_stats(const FarmResult& farm, const ScheduleFigures& figures, int threads) {
  RunStats stats;
  stats.ranks = static_cast<int>(farm.per_rank.size());
  stats.threads_per_rank = threads;
  stats.times_s = {farm.elapsed_s};
  stats.phases = {PhaseTimes{.partition_s = 0.0,
                             .scatter_s = 0.0,
                             .compute_s = figures.makespan_s,
                             .reduce_s = std::max(0.0, farm.elapsed_s - figures.makespan_s),
                             .total_s = farm.elapsed_s}};
  stats.per_rank = farm.per_rank;
  std::vector<double> rank_busy(farm.per_rank.size(), 0.0);
  for (const FarmRecord& r : farm.records)
    rank_busy[static_cast<std::size_t>(r.rank)] += r.end_s - r.start_s;
  double sum = 0.0, most = 0.0;
  for (std::size_t r = 0; r < rank_busy.size(); ++r) {
    stats.per_rank[r].compute_s = rank_busy[r] / threads;
    sum += rank_busy[r];
    most = std::max(most, rank_busy[r]);
  }
  stats.imbalance = {sum > 0.0 ? most / (sum / static_cast<double>(rank_busy.size())) : 1.0};
  return stats;
}

void add_farm_report(Record& record, const FarmResult& farm, const ScheduleFigures& figures, int threads,
                     double work, std::string_view unit, const Context& context) {
  add_run_report(record, farm_run_stats(farm, figures, threads), work, unit, context);
}

}  // namespace parakit::report
