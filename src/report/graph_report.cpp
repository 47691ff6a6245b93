#include "parakit/report/graph_report.hpp"

#include <algorithm>
#include <cstddef>

#include <fmt/format.h>

#include "parakit/error.hpp"

namespace parakit::report {

GraphFigures graph_figures(const kernels::TaskGraph& graph, const GraphResult& run, int threads) {
  GraphFigures f;
  f.schedule = schedule_figures(run.farm, threads, graph.size());
  f.duration_s.assign(graph.size(), 0.0);
  for (const FarmRecord& r : run.farm.records)
    f.duration_s[r.piece] += r.end_s - r.start_s;
  for (const double d : f.duration_s)
    f.work_s += d;
  f.critical = kernels::critical_path(graph, f.duration_s);
  const std::size_t workers =
      std::max<std::size_t>(1, run.farm.per_rank.size() * static_cast<std::size_t>(threads));
  f.lower_bound_s = kernels::graph_lower_bound(graph, f.duration_s, workers);
  f.schedule.lower_bound_s = f.lower_bound_s;  // the graph's bound, not a farm's
  f.makespan_vs_bound = f.lower_bound_s > 0.0 ? f.schedule.makespan_s / f.lower_bound_s : 1.0;
  return f;
}

namespace {

Record task_names(const kernels::TaskGraph& graph, const std::vector<kernels::TaskId>& tasks) {
  Record names = Record::array();
  for (const kernels::TaskId t : tasks)
    names.push_back(graph.task(t).name);
  return names;
}

}  // namespace

void add_graph_figures(Record& result, const kernels::TaskGraph& graph, const GraphResult& run,
                       const GraphFigures& figures, kernels::GraphOrder order) {
  add_schedule_figures(result, figures.schedule);
  std::vector<kernels::TaskId> skipped;
  for (kernels::TaskId t = 0; t < run.states.size(); ++t) {
    if (run.states[t] == kernels::TaskState::kSkipped) skipped.push_back(t);
  }
  Record failed = Record::array();
  for (const auto& [task, error] : run.errors)
    failed.push_back({{"task", graph.task(task).name}, {"error", error}});
  result["graph"] = {
      {"tasks", graph.size()},
      {"edges", graph.edges()},
      {"order", kernels::graph_order_name(order)},
      {"done", run.done},
      {"failed", run.failed},
      {"skipped", run.skipped},
      {"not_run", run.not_run},
      {"work_s", figures.work_s},
      {"makespan_vs_bound", figures.makespan_vs_bound},
      {"critical_path",
       {{"length_s", figures.critical.length}, {"tasks", task_names(graph, figures.critical.tasks)}}},
      {"bytes_moved", run.bytes_moved},
      {"transfers", run.transfers},
      {"skipped_tasks", task_names(graph, skipped)},
      {"failed_tasks", failed}};
}

std::vector<TraceBox> graph_trace_boxes(const kernels::TaskGraph& graph, const GraphResult& run) {
  std::vector<TraceBox> boxes;
  boxes.reserve(run.farm.records.size());
  // The last attempt of each task is the box its dependents wait for.
  std::vector<std::size_t> last_box(graph.size(), SIZE_MAX);
  std::vector<kernels::TaskId> box_task;
  for (const FarmRecord& r : run.farm.records) {
    const kernels::TaskId t = static_cast<kernels::TaskId>(r.piece);
    TraceBox box{.name = graph.task(t).name + (r.attempt > 1 ? fmt::format(" (attempt {})", r.attempt) : ""),
                 .rank = r.rank,
                 .thread = r.thread,
                 .start_s = r.start_s,
                 .end_s = r.end_s,
                 .failed = r.status != 0,
                 .args = {{"task", graph.task(t).name}, {"attempt", r.attempt}},
                 .after = {}};
    if (t < run.ready_s.size() && run.ready_s[t] >= 0.0)
      box.args["waited_s"] = std::max(0.0, r.start_s - run.ready_s[t]);
    if (t < run.released_by.size() && run.released_by[t] != kernels::kNoTask)
      box.args["released_by"] = graph.task(run.released_by[t]).name;
    last_box[t] = boxes.size();
    box_task.push_back(t);
    boxes.push_back(std::move(box));
  }
  // Arrows from every predecessor that ran (its last attempt) to the first attempt of each task.
  std::vector<bool> seen(graph.size(), false);
  for (std::size_t b = 0; b < boxes.size(); ++b) {
    const kernels::TaskId t = box_task[b];
    if (seen[t]) continue;
    seen[t] = true;
    for (const kernels::TaskId p : graph.predecessors(t)) {
      if (last_box[p] != SIZE_MAX) boxes[b].after.push_back(last_box[p]);
    }
  }
  return boxes;
}

}  // namespace parakit::report
