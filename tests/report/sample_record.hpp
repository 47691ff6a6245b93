#pragma once
// The run record the reporter tests share: 2 ranks x 2 threads, 3 repeats, two tasks (one label needs
// CSV quoting), on hosts "a" and "b".

#include "parakit/report/run_report.hpp"
#include "parakit/report/run_stats.hpp"

namespace parakit::report::test {

inline Record sample_record() {
  RunStats stats;
  stats.ranks = 2;
  stats.threads_per_rank = 2;
  stats.times_s = {0.4, 0.1, 0.2};
  stats.phases = {{0.0, 0.01, 0.3, 0.09, 0.4}, {0.0, 0.01, 0.05, 0.04, 0.1}, {0.0, 0.02, 0.1, 0.08, 0.2}};
  stats.imbalance = {1.0, 1.5, 1.2};
  stats.per_rank = {{0, "a", 10, 2, "0-1", {}, 4, 0.1}, {1, "b", 11, 2, "2-3", {}, 4, 0.1}};
  Record r = {{"schema", kSchema}, {"kernel", "test"}, {"ranks", 2}, {"threads_per_rank", 2}, {"seed", 1}};
  r["result"] = {
      {"value", 3.5},
      {"tasks", Record::array({{{"task", 0}, {"label", "a,\"b\""}}, {{"task", 1}, {"label", "c"}}})}};
  add_run_report(r, stats, 800.0, "units", {{"parakit", "test"}, "MPI lib", "3.1", "funneled", ""});
  return r;
}

}  // namespace parakit::report::test
