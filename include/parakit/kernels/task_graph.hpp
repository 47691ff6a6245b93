#pragma once
/// @file
/// @brief Task graphs (issue #20): tasks that wait for other tasks, checked to be acyclic, and the pure
/// parts of running them: the longest-remaining-path priority, the ready set a scheduler hands out
/// from, the critical path and lower bound of a run, a simulated schedule, and random graphs for tests
/// and benchmarks. No MPI, no threads, no real time: mpi::run_graph runs graphs over ranks and threads.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace parakit::kernels {

/// @brief A task's index in its graph, from 0.
using TaskId = std::uint32_t;

/// @brief No task (a task made ready by no other, an unknown cost).
inline constexpr TaskId kNoTask = std::numeric_limits<TaskId>::max();

/// @brief One task as declared: its name, the tasks it waits for, and an optional cost estimate.
struct GraphTask {
  std::string name;
  std::vector<TaskId> after;  ///< the tasks it waits for (indices; duplicates are merged)
  double cost = -1.0;         ///< estimated run time (any unit, the same for all); < 0: unknown
};

/// @brief A checked task graph: unique non-empty names, dependencies on existing tasks, no cycle.
class TaskGraph {
 public:
  TaskGraph() = default;
  /// @brief Checks @p tasks and builds the successor lists and a topological order.
  /// @throws parakit::UsageError naming the problem: an empty or duplicate name ("task 'a' is declared
  /// twice"), a dependency out of range, a task that waits for itself, or a cycle, named with its tasks
  /// in order ("a cycle: a -> b -> c -> a").
  explicit TaskGraph(std::vector<GraphTask> tasks);

  [[nodiscard]] std::size_t size() const { return tasks_.size(); }
  [[nodiscard]] const GraphTask& task(TaskId t) const { return tasks_[t]; }
  [[nodiscard]] std::span<const TaskId> predecessors(TaskId t) const { return tasks_[t].after; }
  [[nodiscard]] std::span<const TaskId> successors(TaskId t) const;
  /// @brief Every task once, each after all of its predecessors (ties by index).
  [[nodiscard]] const std::vector<TaskId>& topological_order() const { return order_; }
  /// @brief The number of edges (dependencies).
  [[nodiscard]] std::size_t edges() const { return successor_list_.size(); }
  /// @brief The index of the task named @p name, if there is one.
  [[nodiscard]] std::optional<TaskId> find(std::string_view name) const;

 private:
  std::vector<GraphTask> tasks_;
  std::vector<std::size_t> successor_start_;  // CSR: successors of t are [start[t], start[t + 1])
  std::vector<TaskId> successor_list_;
  std::vector<TaskId> order_;
};

/// @brief The cost each task counts with when scheduling: its estimate where given; where not, the
/// mean of the given ones (1 when none is given), so that without estimates every task counts 1.
std::vector<double> scheduling_costs(const TaskGraph& graph);

/// @brief For every task, the longest path from its start to the end of the graph: its own cost plus
/// the longest such path of its successors (a "bottom level").
/// @pre costs.size() == graph.size(), every cost >= 0.
std::vector<double> remaining_path(const TaskGraph& graph, std::span<const double> costs);

/// @brief The order ready tasks are handed out in.
enum class GraphOrder {
  kCriticalPath,  ///< the longest remaining path first (ties: the task that became ready first, then index)
  kFifo,          ///< the task that became ready first (ties by index): first come, first served
};

/// @brief Parses "critical-path" or "fifo". @throws parakit::UsageError otherwise.
GraphOrder parse_graph_order(std::string_view name);

/// @brief The name parse_graph_order accepts for @p order.
std::string_view graph_order_name(GraphOrder order);

/// @brief Where a task stands in a run.
enum class TaskState : std::uint8_t {
  kWaiting,  ///< waits for a predecessor
  kReady,    ///< may start
  kRunning,  ///< handed out
  kDone,     ///< ended well (or was done in an earlier run)
  kFailed,   ///< ended badly
  kSkipped,  ///< will not run: a task it waits for (directly or not) failed
};

/// @brief "waiting", "ready", "running", "done", "failed" or "skipped".
std::string_view task_state_name(TaskState state);

/// @brief The bookkeeping of a graph's run, pure: which tasks may start, handed out in @p order; what
/// a task's end makes ready, or skips. One scheduler serves every worker of a run (the caller
/// serialises the calls).
class GraphScheduler {
 public:
  /// @param done_before tasks done in an earlier run (empty, or one flag per task): not run again;
  ///        their dependents may start.
  /// @param priority    per task, larger first under kCriticalPath (remaining_path); unused by kFifo.
  GraphScheduler(const TaskGraph& graph, GraphOrder order, std::span<const double> priority,
                 const std::vector<bool>& done_before = {});

  /// @brief The ready task to start next, now running; none when no task is ready or after halt().
  std::optional<TaskId> next();
  /// @brief Records the end of running task @p task. When @p ok, the tasks whose last predecessor it was
  /// become ready (appended to @p ready if given); when not, every task that waits for it, directly or
  /// not, is skipped (appended to @p skipped if given).
  /// @throws parakit::Error if @p task is not running.
  void finish(TaskId task, bool ok, std::vector<TaskId>* ready = nullptr,
              std::vector<TaskId>* skipped = nullptr);
  /// @brief A task handed out (next) that did not start after all: ready again (and, after halt(), never
  /// started). @throws parakit::Error if @p task is not running.
  void give_back(TaskId task);
  /// @brief No task starts any more (the run stops at a failure or drains); running ones still finish.
  void halt() { halted_ = true; }
  [[nodiscard]] bool halted() const { return halted_; }

  [[nodiscard]] std::size_t ready_count() const { return halted_ ? 0 : heap_.size(); }
  [[nodiscard]] std::size_t running_count() const { return running_; }
  /// @brief Nothing is running and nothing can start: every task is done, failed or skipped, or the
  /// run halted.
  [[nodiscard]] bool finished() const { return running_ == 0 && (halted_ || heap_.empty()); }
  [[nodiscard]] TaskState state(TaskId task) const { return state_[task]; }
  [[nodiscard]] const std::vector<TaskState>& states() const { return state_; }
  /// @brief The predecessor whose end made @p task ready (kNoTask: ready from the start).
  [[nodiscard]] TaskId released_by(TaskId task) const { return released_by_[task]; }

 private:
  struct Entry {
    double priority;
    std::uint64_t ready_seq;
    TaskId task;
  };
  void make_ready(TaskId task, TaskId by);
  [[nodiscard]] bool before(const Entry& a, const Entry& b) const;

  const TaskGraph& graph_;
  GraphOrder order_;
  std::span<const double> priority_;
  std::vector<TaskState> state_;
  std::vector<std::uint32_t> waiting_for_;  // predecessors not yet done
  std::vector<TaskId> released_by_;
  std::vector<Entry> heap_;
  std::uint64_t ready_seq_ = 0;
  std::size_t running_ = 0;
  bool halted_ = false;
};

/// @brief The longest path of a run through @p graph, each task counting @p durations (0 for a task
/// that did not run): its tasks in order and its length.
struct CriticalPath {
  std::vector<TaskId> tasks;
  double length = 0.0;
};
/// @pre durations.size() == graph.size()
CriticalPath critical_path(const TaskGraph& graph, std::span<const double> durations);

/// @brief No schedule of @p durations on @p workers workers is faster than this: max(the critical path,
/// the total work / workers). @pre workers >= 1
double graph_lower_bound(const TaskGraph& graph, std::span<const double> durations, std::size_t workers);

/// @brief A simulated run: the makespan of list scheduling @p graph on @p workers identical workers in
/// @p order, each task taking @p durations (priorities from remaining_path of the same durations),
/// with no overhead. Deterministic. @pre workers >= 1, durations.size() == graph.size()
double simulate_graph(const TaskGraph& graph, std::size_t workers, GraphOrder order,
                      std::span<const double> durations);

/// @brief A random graph of @p tasks tasks named t0, t1, ..., each waiting for up to @p max_after
/// earlier tasks (uniformly among the previous @p window, 0: all), with a cost uniform in
/// [cost_min, cost_max], all from @p seed (SplitMix64): the same arguments give the same graph.
TaskGraph random_task_graph(std::size_t tasks, std::size_t max_after, std::size_t window, double cost_min,
                            double cost_max, std::uint64_t seed);

}  // namespace parakit::kernels
