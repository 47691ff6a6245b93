#pragma once
/// @file
/// @brief What a task graph's run means: the makespan against its lower bound, the critical path the
/// run took, who was busy, what moved between ranks, and which task each task waited for. MPI-free.

#include <cstdint>
#include <string>
#include <vector>

#include "parakit/kernels/task_graph.hpp"
#include "parakit/report/farm_report.hpp"
#include "parakit/report/graph_record.hpp"
#include "parakit/report/record.hpp"
#include "parakit/report/trace.hpp"

namespace parakit::report {

/// @brief The figures of a graph's run, on rank 0.
struct GraphFigures {
  ScheduleFigures schedule;        ///< makespan, busy/idle per worker, efficiency (farm_report.hpp)
  std::vector<double> duration_s;  ///< per task: its attempts' time, summed (0: did not run)
  kernels::CriticalPath critical;  ///< the longest path through the graph, tasks counting duration_s
  double work_s = 0.0;             ///< every task's duration, summed
  double lower_bound_s = 0.0;      ///< max(critical.length, work_s / workers): no schedule beats it
  double makespan_vs_bound = 1.0;  ///< makespan / lower bound (1 when nothing ran)
};

/// @brief The figures of @p run of @p graph on ranks of @p threads workers each.
/// @pre run.farm holds every rank and the records of the run (rank 0).
GraphFigures graph_figures(const kernels::TaskGraph& graph, const GraphResult& run, int threads);

/// @brief Adds to @p result: makespan_s, lower_bound_s, efficiency, imbalance and workers (as a farm's),
/// and `graph`: tasks, edges, order, done, failed, skipped, not_run, work_s, makespan_vs_bound,
/// critical_path {length_s, tasks: [names]}, bytes_moved, transfers, skipped_tasks [names] and
/// failed_tasks [{task, error}] (names are the graph's, as JSON strings).
void add_graph_figures(Record& result, const kernels::TaskGraph& graph, const GraphResult& run,
                       const GraphFigures& figures, kernels::GraphOrder order);

/// @brief The boxes of a Chrome trace or Gantt chart of @p run: one per attempt, named by its task, with
/// `after` set to the box of the task that made it ready (TraceBox::after), and its waiting time (from
/// ready to start) and rank-to-rank moves in its args.
std::vector<TraceBox> graph_trace_boxes(const kernels::TaskGraph& graph, const GraphResult& run);

}  // namespace parakit::report
