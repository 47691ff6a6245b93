#include "parakit/kernels/task_graph.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <queue>

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/kernels/splitmix64.hpp"
#include "parakit/quote.hpp"

namespace parakit::kernels {
namespace {

// A cycle among the tasks Kahn's algorithm could not order: walk predecessors inside that set until a
// task repeats; the walk from its first visit is the cycle, reported in dependency order.
std::string describe_cycle(const std::vector<GraphTask>& tasks, const std::vector<std::uint32_t>& left) {
  TaskId t = 0;
  while (left[t] == 0)
    ++t;
  std::vector<std::size_t> seen_at(tasks.size(), SIZE_MAX);
  std::vector<TaskId> walk;
  while (seen_at[t] == SIZE_MAX) {
    seen_at[t] = walk.size();
    walk.push_back(t);
    // Some predecessor of an unordered task is itself unordered, else it would have been ordered.
    t = *std::find_if(tasks[t].after.begin(), tasks[t].after.end(), [&](TaskId p) { return left[p] != 0; });
  }
  std::vector<TaskId> cycle(walk.begin() + static_cast<std::ptrdiff_t>(seen_at[t]), walk.end());
  std::reverse(cycle.begin(), cycle.end());  // the walk went against the edges
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()),
              cycle.end());  // first declared first
  std::string text;
  for (const TaskId c : cycle)
    text += parakit::quoted(tasks[c].name) + " -> ";
  return text + parakit::quoted(tasks[cycle.front()].name);
}

}  // namespace

TaskGraph::TaskGraph(std::vector<GraphTask> tasks) : tasks_(std::move(tasks)) {
  const std::size_t n = tasks_.size();
  if (n >= kNoTask)
    throw UsageError(fmt::format("a graph of {} tasks is too large (accepted: fewer than {})", n, kNoTask));
  std::vector<std::uint32_t> indegree(n, 0);
  successor_start_.assign(n + 1, 0);
  for (TaskId t = 0; t < n; ++t) {
    GraphTask& task = tasks_[t];
    if (task.name.empty())
      throw UsageError(fmt::format("task {} has no name (accepted: a non-empty name)", t));
    std::sort(task.after.begin(), task.after.end());
    task.after.erase(std::unique(task.after.begin(), task.after.end()), task.after.end());
    for (const TaskId p : task.after) {
      if (p >= n) {
        throw UsageError(fmt::format("task {} waits for task {}, which does not exist (accepted: 0 to {})",
                                     parakit::quoted(task.name), p, n - 1));
      }
      if (p == t)
        throw UsageError(
            fmt::format("task {} waits for itself (accepted: other tasks)", parakit::quoted(task.name)));
      ++successor_start_[p + 1];
    }
    indegree[t] = static_cast<std::uint32_t>(task.after.size());
  }
  {
    std::vector<TaskId> by_name(n);
    std::iota(by_name.begin(), by_name.end(), TaskId{0});
    std::sort(by_name.begin(), by_name.end(),
              [&](TaskId a, TaskId b) { return std::tie(tasks_[a].name, a) < std::tie(tasks_[b].name, b); });
    for (std::size_t i = 1; i < n; ++i) {
      if (tasks_[by_name[i]].name == tasks_[by_name[i - 1]].name) {
        throw UsageError(fmt::format("task {} is declared twice (tasks {} and {}; accepted: unique names)",
                                     parakit::quoted(tasks_[by_name[i]].name), by_name[i - 1], by_name[i]));
      }
    }
  }
  std::partial_sum(successor_start_.begin(), successor_start_.end(), successor_start_.begin());
  successor_list_.resize(successor_start_[n]);
  std::vector<std::size_t> fill(successor_start_.begin(), successor_start_.end() - 1);
  for (TaskId t = 0; t < n; ++t) {
    for (const TaskId p : tasks_[t].after)
      successor_list_[fill[p]++] = t;  // ascending t: each list is sorted
  }
  // Kahn's algorithm, smallest index first among the ready ones, so the order is deterministic.
  std::priority_queue<TaskId, std::vector<TaskId>, std::greater<>> ready;
  for (TaskId t = 0; t < n; ++t) {
    if (indegree[t] == 0) ready.push(t);
  }
  order_.reserve(n);
  while (!ready.empty()) {
    const TaskId t = ready.top();
    ready.pop();
    order_.push_back(t);
    for (const TaskId s : successors(t)) {
      if (--indegree[s] == 0) ready.push(s);
    }
  }
  if (order_.size() != n)
    throw UsageError("a cycle: " + describe_cycle(tasks_, indegree) + " (accepted: a graph without cycles)");
}

std::span<const TaskId> TaskGraph::successors(TaskId t) const {
  return {successor_list_.data() + successor_start_[t], successor_start_[t + 1] - successor_start_[t]};
}

std::optional<TaskId> TaskGraph::find(std::string_view name) const {
  for (TaskId t = 0; t < tasks_.size(); ++t) {
    if (tasks_[t].name == name) return t;
  }
  return std::nullopt;
}

std::vector<double> scheduling_costs(const TaskGraph& graph) {
  double sum = 0.0;
  std::size_t known = 0;
  for (TaskId t = 0; t < graph.size(); ++t) {
    if (graph.task(t).cost >= 0.0) {
      sum += graph.task(t).cost;
      ++known;
    }
  }
  const double fill = known == 0 ? 1.0 : sum / static_cast<double>(known);
  std::vector<double> costs(graph.size());
  for (TaskId t = 0; t < graph.size(); ++t)
    costs[t] = graph.task(t).cost >= 0.0 ? graph.task(t).cost : fill;
  return costs;
}

std::vector<double> remaining_path(const TaskGraph& graph, std::span<const double> costs) {
  PARAKIT_REQUIRE(costs.size() == graph.size(), "one cost per task");
  std::vector<double> path(graph.size(), 0.0);
  const std::vector<TaskId>& order = graph.topological_order();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    double longest = 0.0;
    for (const TaskId s : graph.successors(*it))
      longest = std::max(longest, path[s]);
    path[*it] = costs[*it] + longest;
  }
  return path;
}

GraphOrder parse_graph_order(std::string_view name) {
  if (name == "critical-path") return GraphOrder::kCriticalPath;
  if (name == "fifo") return GraphOrder::kFifo;
  throw UsageError(fmt::format("--order: '{}' is not an order (accepted: critical-path, fifo)", name));
}

std::string_view graph_order_name(GraphOrder order) {
  return order == GraphOrder::kCriticalPath ? "critical-path" : "fifo";
}

std::string_view task_state_name(TaskState state) {
  switch (state) {
    case TaskState::kWaiting:
      return "waiting";
    case TaskState::kReady:
      return "ready";
    case TaskState::kRunning:
      return "running";
    case TaskState::kDone:
      return "done";
    case TaskState::kFailed:
      return "failed";
    case TaskState::kSkipped:
      return "skipped";
  }
  return "?";
}

GraphScheduler::GraphScheduler(const TaskGraph& graph, GraphOrder order, std::span<const double> priority,
                               const std::vector<bool>& done_before)
    : graph_(graph),
      order_(order),
      priority_(priority),
      state_(graph.size(), TaskState::kWaiting),
      waiting_for_(graph.size(), 0),
      released_by_(graph.size(), kNoTask) {
  PARAKIT_REQUIRE(order != GraphOrder::kCriticalPath || priority.size() == graph.size(),
                  "one priority per task");
  PARAKIT_REQUIRE(done_before.empty() || done_before.size() == graph.size(), "one done flag per task");
  for (TaskId t = 0; t < graph.size(); ++t) {
    if (!done_before.empty() && done_before[t]) {
      state_[t] = TaskState::kDone;
      continue;
    }
    for (const TaskId p : graph.predecessors(t)) {
      if (done_before.empty() || !done_before[p]) ++waiting_for_[t];
    }
  }
  for (TaskId t = 0; t < graph.size(); ++t) {
    if (state_[t] == TaskState::kWaiting && waiting_for_[t] == 0) make_ready(t, kNoTask);
  }
}

// Heap order: std::push_heap keeps the "largest" on top, so `a before b` means b is handed out first.
bool GraphScheduler::before(const Entry& a, const Entry& b) const {
  if (order_ == GraphOrder::kCriticalPath && a.priority != b.priority) return a.priority < b.priority;
  if (a.ready_seq != b.ready_seq) return a.ready_seq > b.ready_seq;
  return a.task > b.task;
}

void GraphScheduler::make_ready(TaskId task, TaskId by) {
  state_[task] = TaskState::kReady;
  released_by_[task] = by;
  heap_.push_back({order_ == GraphOrder::kCriticalPath ? priority_[task] : 0.0, ready_seq_++, task});
  std::push_heap(heap_.begin(), heap_.end(), [this](const Entry& a, const Entry& b) { return before(a, b); });
}

std::optional<TaskId> GraphScheduler::next() {
  if (halted_ || heap_.empty()) return std::nullopt;
  std::pop_heap(heap_.begin(), heap_.end(), [this](const Entry& a, const Entry& b) { return before(a, b); });
  const TaskId t = heap_.back().task;
  heap_.pop_back();
  state_[t] = TaskState::kRunning;
  ++running_;
  return t;
}

void GraphScheduler::give_back(TaskId task) {
  if (task >= state_.size() || state_[task] != TaskState::kRunning)
    throw Error(fmt::format("task graph: task {} given back but was not running", task));
  --running_;
  const TaskId by = released_by_[task];
  make_ready(task, by);
}

void GraphScheduler::finish(TaskId task, bool ok, std::vector<TaskId>* ready, std::vector<TaskId>* skipped) {
  if (task >= state_.size() || state_[task] != TaskState::kRunning)
    throw Error(fmt::format("task graph: task {} ended but was not running", task));
  --running_;
  state_[task] = ok ? TaskState::kDone : TaskState::kFailed;
  if (ok) {
    for (const TaskId s : graph_.successors(task)) {
      if (state_[s] == TaskState::kWaiting && --waiting_for_[s] == 0) {
        make_ready(s, task);
        if (ready != nullptr) ready->push_back(s);
      }
    }
    return;
  }
  // Everything downstream is skipped; a task already skipped was reached before with all below it.
  std::vector<TaskId> stack(graph_.successors(task).begin(), graph_.successors(task).end());
  while (!stack.empty()) {
    const TaskId s = stack.back();
    stack.pop_back();
    if (state_[s] != TaskState::kWaiting) continue;  // only waiting tasks can be downstream of a running one
    state_[s] = TaskState::kSkipped;
    if (skipped != nullptr) skipped->push_back(s);
    for (const TaskId d : graph_.successors(s))
      stack.push_back(d);
  }
}

CriticalPath critical_path(const TaskGraph& graph, std::span<const double> durations) {
  PARAKIT_REQUIRE(durations.size() == graph.size(), "one duration per task");
  CriticalPath result;
  if (graph.size() == 0) return result;
  // Longest path ending at each task, and the predecessor it came through.
  std::vector<double> finish(graph.size(), 0.0);
  std::vector<TaskId> via(graph.size(), kNoTask);
  TaskId last = graph.topological_order().front();
  for (const TaskId t : graph.topological_order()) {
    double start = 0.0;
    for (const TaskId p : graph.predecessors(t)) {
      if (via[t] == kNoTask || finish[p] > start) {
        start = finish[p];
        via[t] = p;
      }
    }
    finish[t] = start + durations[t];
    if (finish[t] > finish[last]) last = t;
  }
  for (TaskId t = last; t != kNoTask; t = via[t])
    result.tasks.push_back(t);
  std::reverse(result.tasks.begin(), result.tasks.end());
  result.length = finish[last];
  return result;
}

double graph_lower_bound(const TaskGraph& graph, std::span<const double> durations, std::size_t workers) {
  PARAKIT_REQUIRE(workers >= 1, "at least one worker");
  const double work = std::accumulate(durations.begin(), durations.end(), 0.0);
  return std::max(critical_path(graph, durations).length, work / static_cast<double>(workers));
}

double simulate_graph(const TaskGraph& graph, std::size_t workers, GraphOrder order,
                      std::span<const double> durations) {
  PARAKIT_REQUIRE(workers >= 1 && durations.size() == graph.size(), "workers >= 1 and one duration per task");
  const std::vector<double> priority = remaining_path(graph, durations);
  GraphScheduler scheduler(graph, order, priority);
  // Running tasks by end time (then task), earliest on top.
  using Running = std::pair<double, TaskId>;
  std::priority_queue<Running, std::vector<Running>, std::greater<>> running;
  double now = 0.0;
  std::size_t free = workers;
  for (;;) {
    while (free > 0) {
      const std::optional<TaskId> t = scheduler.next();
      if (!t) break;
      running.emplace(now + durations[*t], *t);
      --free;
    }
    if (running.empty()) break;
    const auto [end, t] = running.top();
    running.pop();
    now = end;
    scheduler.finish(t, true);
    ++free;
  }
  return now;
}

TaskGraph random_task_graph(std::size_t tasks, std::size_t max_after, std::size_t window, double cost_min,
                            double cost_max, std::uint64_t seed) {
  std::vector<GraphTask> list(tasks);
  std::uint64_t draw = 0;
  const auto uniform = [&](std::uint64_t n) { return splitmix64(seed, draw++) % n; };
  for (std::size_t t = 0; t < tasks; ++t) {
    GraphTask& task = list[t];
    task.name = std::to_string(t);
    task.name.insert(0, 1, 't');  // not "t" + ...: GCC 12 -O3 warns falsely there (-Wrestrict)
    const double u = static_cast<double>(splitmix64(seed, draw++) >> 11) * 0x1.0p-53;
    task.cost = cost_min + (cost_max - cost_min) * u;
    if (t == 0 || max_after == 0) continue;
    const std::size_t first = window == 0 || window >= t ? 0 : t - window;
    const std::size_t count = uniform(max_after + 1);
    for (std::size_t k = 0; k < count; ++k)
      task.after.push_back(static_cast<TaskId>(first + uniform(t - first)));
  }
  return TaskGraph(std::move(list));
}

}  // namespace parakit::kernels
