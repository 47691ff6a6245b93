#include "parakit/kernels/task_graph.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"

namespace parakit::kernels {
namespace {

GraphTask task(std::string name, std::vector<TaskId> after = {}, double cost = -1.0) {
  return {std::move(name), std::move(after), cost};
}

std::string message_of(std::vector<GraphTask> tasks) {
  try {
    const TaskGraph graph(std::move(tasks));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(TaskGraph, OrdersEveryTaskAfterItsPredecessorsAndListsSuccessors) {
  // d waits for b and c, which wait for a: a diamond, declared out of order.
  const TaskGraph g({task("d", {1, 2}), task("b", {3}), task("c", {3, 3}), task("a")});
  EXPECT_EQ(g.size(), 4U);
  EXPECT_EQ(g.edges(), 4U);  // c's duplicate dependency is merged
  EXPECT_EQ(g.topological_order(), (std::vector<TaskId>{3, 1, 2, 0}));
  EXPECT_EQ(std::vector<TaskId>(g.successors(3).begin(), g.successors(3).end()), (std::vector<TaskId>{1, 2}));
  EXPECT_EQ(g.find("c"), TaskId{2});
  EXPECT_FALSE(g.find("e").has_value());
}

TEST(TaskGraph, RefusesCyclesNamingTheirTasksInOrder) {
  EXPECT_EQ(message_of({task("x"), task("a", {3}), task("b", {1}), task("c", {2, 0})}),
            "a cycle: 'a' -> 'b' -> 'c' -> 'a' (accepted: a graph without cycles)");
  EXPECT_EQ(message_of({task("a", {0})}), "task 'a' waits for itself (accepted: other tasks)");
  EXPECT_EQ(message_of({task("a"), task("b"), task("a")}),
            "task 'a' is declared twice (tasks 0 and 2; accepted: unique names)");
  EXPECT_EQ(message_of({task("a", {5})}),
            "task 'a' waits for task 5, which does not exist (accepted: 0 to 0)");
  EXPECT_EQ(message_of({task("")}), "task 0 has no name (accepted: a non-empty name)");
}

TEST(TaskGraph, RemainingPathIsTheLongestPathToTheEnd) {
  const TaskGraph g({task("a"), task("b", {0}), task("c", {0}), task("d", {1, 2})});
  const std::vector<double> cost{1.0, 5.0, 2.0, 1.0};
  EXPECT_EQ(remaining_path(g, cost), (std::vector<double>{7.0, 6.0, 3.0, 1.0}));
  const CriticalPath cp = critical_path(g, cost);
  EXPECT_EQ(cp.tasks, (std::vector<TaskId>{0, 1, 3}));
  EXPECT_DOUBLE_EQ(cp.length, 7.0);
  EXPECT_DOUBLE_EQ(graph_lower_bound(g, cost, 1), 9.0);  // the work alone
  EXPECT_DOUBLE_EQ(graph_lower_bound(g, cost, 4), 7.0);  // the path
}

TEST(TaskGraph, SchedulingCostsFillUnknownEstimatesWithTheMean) {
  EXPECT_EQ(scheduling_costs(TaskGraph({task("a"), task("b")})), (std::vector<double>{1.0, 1.0}));
  EXPECT_EQ(scheduling_costs(TaskGraph({task("a", {}, 2.0), task("b"), task("c", {}, 4.0)})),
            (std::vector<double>{2.0, 3.0, 4.0}));
}

TEST(GraphScheduler, HandsOutTheLongestRemainingPathFirstOrFirstCome) {
  // Three independent tasks of which the last declared heads the longest path.
  const TaskGraph g({task("short1"), task("short2"), task("long"), task("tail", {2}, 10.0)});
  const std::vector<double> priority = remaining_path(g, scheduling_costs(g));
  GraphScheduler cp(g, GraphOrder::kCriticalPath, priority);
  EXPECT_EQ(cp.next(), TaskId{2});
  GraphScheduler fifo(g, GraphOrder::kFifo, priority);
  EXPECT_EQ(fifo.next(), TaskId{0});
  EXPECT_EQ(fifo.next(), TaskId{1});
  EXPECT_EQ(fifo.next(), TaskId{2});
  EXPECT_FALSE(fifo.next().has_value());  // tail waits
  std::vector<TaskId> ready;
  fifo.finish(2, true, &ready);
  EXPECT_EQ(ready, (std::vector<TaskId>{3}));
  EXPECT_EQ(fifo.released_by(3), TaskId{2});
  EXPECT_EQ(fifo.released_by(0), kNoTask);
  EXPECT_THROW(fifo.finish(2, true), Error);  // not running any more
}

TEST(GraphScheduler, AFailureSkipsEverythingDownstreamAndNothingElse) {
  // a -> b -> d, a -> c, e -> d; f alone.
  const TaskGraph g({task("a"), task("b", {0}), task("c", {0}), task("d", {1, 4}), task("e"), task("f")});
  const std::vector<double> priority = remaining_path(g, scheduling_costs(g));
  GraphScheduler s(g, GraphOrder::kFifo, priority);
  EXPECT_EQ(s.next(), TaskId{0});
  s.finish(0, true);
  EXPECT_EQ(s.next(), TaskId{4});
  EXPECT_EQ(s.next(), TaskId{5});
  EXPECT_EQ(s.next(), TaskId{1});
  std::vector<TaskId> skipped;
  s.finish(1, false, nullptr, &skipped);
  EXPECT_EQ(skipped, (std::vector<TaskId>{3}));
  s.finish(4, true);  // d stays skipped though its other predecessor succeeded
  s.finish(5, true);
  EXPECT_EQ(s.next(), TaskId{2});
  s.finish(2, true);
  EXPECT_TRUE(s.finished());
  EXPECT_EQ(s.states(), (std::vector<TaskState>{TaskState::kDone, TaskState::kFailed, TaskState::kDone,
                                                TaskState::kSkipped, TaskState::kDone, TaskState::kDone}));
}

TEST(GraphScheduler, TasksDoneBeforeAreNotRunAndReleaseTheirDependents) {
  const TaskGraph g({task("a"), task("b", {0}), task("c", {1})});
  const std::vector<double> priority = remaining_path(g, scheduling_costs(g));
  GraphScheduler s(g, GraphOrder::kCriticalPath, priority, {true, false, false});
  EXPECT_EQ(s.state(0), TaskState::kDone);
  EXPECT_EQ(s.next(), TaskId{1});
  EXPECT_FALSE(s.next().has_value());
  s.halt();
  s.finish(1, true);
  EXPECT_FALSE(s.next().has_value());  // halted: c is ready but does not start
  EXPECT_TRUE(s.finished());
  EXPECT_EQ(s.state(2), TaskState::kReady);
}

TEST(SimulateGraph, CriticalPathFirstBeatsFirstComeOnAChainBehindShortTasks) {
  // 20 short tasks declared first, then a chain of 10 long ones: first come runs the short ones first.
  std::vector<GraphTask> tasks;
  for (int i = 0; i < 20; ++i)
    tasks.push_back(task("s" + std::to_string(i)));
  for (TaskId i = 0; i < 10; ++i)
    tasks.push_back(i == 0 ? task("c0") : task("c" + std::to_string(i), {20 + i - 1}));
  const TaskGraph g(std::move(tasks));
  std::vector<double> d(30, 1.0);
  const double bound = graph_lower_bound(g, d, 2);
  EXPECT_DOUBLE_EQ(bound, 15.0);
  EXPECT_DOUBLE_EQ(simulate_graph(g, 2, GraphOrder::kCriticalPath, d), 15.0);
  EXPECT_DOUBLE_EQ(simulate_graph(g, 2, GraphOrder::kFifo, d), 20.0);
}

TEST(RandomTaskGraph, IsTheSameForTheSameSeedAndAcyclicByConstruction) {
  const TaskGraph a = random_task_graph(10000, 3, 100, 1.0, 2.0, 42);
  const TaskGraph b = random_task_graph(10000, 3, 100, 1.0, 2.0, 42);
  const TaskGraph c = random_task_graph(10000, 3, 100, 1.0, 2.0, 43);
  ASSERT_EQ(a.size(), 10000U);
  std::size_t same = 0;
  for (TaskId t = 0; t < a.size(); ++t) {
    EXPECT_EQ(a.task(t).after, b.task(t).after);
    EXPECT_EQ(a.task(t).cost, b.task(t).cost);
    EXPECT_GE(a.task(t).cost, 1.0);
    EXPECT_LE(a.task(t).cost, 2.0);
    for (const TaskId p : a.predecessors(t))
      EXPECT_TRUE(p < t && p + 100 >= t);
    same += a.task(t).after == c.task(t).after ? 1U : 0U;
  }
  EXPECT_LT(same, 5000U);
  EXPECT_GT(a.edges(), 10000U);
  const std::vector<double> costs = scheduling_costs(a);
  const double bound = graph_lower_bound(a, costs, 2);
  const double cp = simulate_graph(a, 2, GraphOrder::kCriticalPath, costs);
  EXPECT_GE(cp, bound);
  EXPECT_LE(cp, 1.1 * bound);
}

}  // namespace
}  // namespace parakit::kernels
