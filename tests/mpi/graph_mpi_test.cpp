// The task-graph scheduler under mpiexec at 1 to 4 ranks, 1 and 2 threads: every task runs exactly
// once and only after its predecessors, values reach the tasks that need them on any rank, failures
// skip exactly their dependents, and C++ graphs give the same results for every layout.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/mpi/communicator.hpp>
#include <boost/serialization/vector.hpp>
#include <gtest/gtest.h>

#include "parakit/error.hpp"
#include "parakit/kernels/monte_carlo_pi.hpp"
#include "parakit/kernels/splitmix64.hpp"
#include "parakit/kernels/task_graph.hpp"
#include "parakit/mpi/graph.hpp"
#include "parakit/mpi/task_graph.hpp"

using namespace parakit;
using kernels::GraphTask;
using kernels::TaskGraph;
using kernels::TaskId;
using kernels::TaskState;

namespace {

// A task's value: its index mixed with its inputs' values, in the order the engine passes them.
std::uint64_t mix(TaskId task, const std::vector<std::uint64_t>& inputs) {
  std::uint64_t h = kernels::splitmix64(task, 0);
  for (const std::uint64_t v : inputs)
    h = kernels::splitmix64(h ^ v, 1);
  return h;
}

// Every task's value computed in one thread, in topological order.
std::vector<std::uint64_t> serial_values(const TaskGraph& g) {
  std::vector<std::uint64_t> value(g.size());
  for (const TaskId t : g.topological_order()) {
    std::vector<std::uint64_t> in;
    for (const TaskId p : g.predecessors(t))
      in.push_back(value[p]);
    value[t] = mix(t, in);
  }
  return value;
}

std::string bytes_of(std::uint64_t v) {
  return {reinterpret_cast<const char*>(&v), sizeof v};
}
std::uint64_t value_of(const std::string& s) {
  std::uint64_t v = 0;
  std::copy(s.begin(), s.end(), reinterpret_cast<char*>(&v));
  return v;
}

// Runs @p g with tasks that mix their inputs (sleeping @p sleep_us each) and fail where @p fails says.
mpi::GraphResult run_mixing(const boost::mpi::communicator& world, const TaskGraph& g, int threads,
                            int sleep_us = 0, const std::vector<bool>& fails = {},
                            mpi::GraphOptions options = {}) {
  options.threads = threads;
  for (TaskId t = 0; t < g.size(); ++t)
    options.keep.push_back(t);
  return mpi::run_graph(
      world, g, options,
      [&](TaskId task, const std::vector<const std::string*>& inputs, const mpi::FarmWorker& w) {
        mpi::FarmRecord r;
        r.piece = task;
        r.start_s = w.now();
        std::vector<std::uint64_t> in;
        for (const std::string* s : inputs)
          in.push_back(value_of(*s));
        if (sleep_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us));
        const bool ok = fails.empty() || !fails[task];
        r.end_s = w.now();
        r.status = ok ? 0 : 1;
        w.emit(r);
        return mpi::GraphTaskOutcome{ok, ok ? bytes_of(mix(task, in)) : "task failed on purpose"};
      },
      [](const mpi::FarmRecord&, const mpi::FarmResult&) {});
}

// On rank 0: every task that ran has exactly one record, which starts after every predecessor's ended.
void expect_ran_once_in_order(const TaskGraph& g, const mpi::GraphResult& result) {
  std::vector<int> count(g.size(), 0);
  std::vector<double> start(g.size(), -1.0), end(g.size(), -1.0);
  for (const mpi::FarmRecord& r : result.farm.records) {
    ASSERT_LT(r.piece, g.size());
    ++count[r.piece];
    start[r.piece] = r.start_s;
    end[r.piece] = r.end_s;
  }
  for (TaskId t = 0; t < g.size(); ++t) {
    const TaskState s = result.states[t];
    const bool ran = s == TaskState::kDone || s == TaskState::kFailed;
    ASSERT_EQ(count[t], ran ? 1 : 0) << "task " << t;
    if (!ran) continue;
    for (const TaskId p : g.predecessors(t))
      ASSERT_GE(start[t], end[p]) << "task " << t << " started before " << p << " ended";
  }
}

TaskGraph chain(TaskId n) {
  std::vector<GraphTask> tasks;
  for (TaskId t = 0; t < n; ++t)
    tasks.push_back(
        {"c" + std::to_string(t), t == 0 ? std::vector<TaskId>{} : std::vector<TaskId>{t - 1}, -1.0});
  return TaskGraph(std::move(tasks));
}

// One root, @p width tasks that wait for it, one task that waits for them all.
TaskGraph fan(TaskId width) {
  std::vector<GraphTask> tasks{{"root", {}, -1.0}};
  std::vector<TaskId> all;
  for (TaskId t = 1; t <= width; ++t) {
    tasks.push_back({"f" + std::to_string(t), {0}, -1.0});
    all.push_back(t);
  }
  tasks.push_back({"sink", all, -1.0});
  return TaskGraph(std::move(tasks));
}

}  // namespace

TEST(Graph, every_shape_runs_each_task_once_after_its_predecessors_with_the_serial_values) {
  const boost::mpi::communicator world;
  const TaskGraph diamond({{"a", {}, -1.0}, {"b", {0}, -1.0}, {"c", {0}, -1.0}, {"d", {1, 2}, -1.0}});
  const std::vector<TaskGraph> shapes{chain(50), diamond, fan(200),
                                      kernels::random_task_graph(10000, 3, 50, 1.0, 2.0, 11)};
  for (const TaskGraph& g : shapes) {
    const std::vector<std::uint64_t> expected = serial_values(g);
    for (const int threads : {1, 2}) {
      const mpi::GraphResult result = run_mixing(world, g, threads);
      EXPECT_EQ(result.done, g.size());
      EXPECT_EQ(result.failed + result.skipped + result.not_run, 0U);
      if (world.rank() != 0) continue;
      expect_ran_once_in_order(g, result);
      ASSERT_EQ(result.values.size(), g.size());
      for (TaskId t = 0; t < g.size(); ++t)
        ASSERT_EQ(value_of(result.values.at(t)), expected[t])
            << "task " << t << ", " << threads << " threads";
    }
  }
}

TEST(Graph, values_move_between_ranks_only_when_a_task_elsewhere_needs_them) {
  const boost::mpi::communicator world;
  const TaskGraph g = fan(64);
  const mpi::GraphResult result = run_mixing(world, g, 1, 2000);
  if (world.rank() != 0) return;
  expect_ran_once_in_order(g, result);
  std::uint64_t needed = 0;  // values the sink and the fan's tasks needed from another rank
  for (TaskId t = 0; t < g.size(); ++t) {
    for (const TaskId p : g.predecessors(t))
      needed += result.ran_on[p] != result.ran_on[t] ? 1U : 0U;
  }
  // Each value goes at most once to each rank; the sink's rank needs every value made elsewhere.
  EXPECT_LE(result.transfers, needed);
  if (world.size() == 1) {
    EXPECT_EQ(result.transfers, 0U);
  }
  if (world.size() > 1) {
    EXPECT_GT(result.transfers, 0U);  // 64 tasks of 2 ms: the other ranks ran some
    EXPECT_EQ(result.bytes_moved, result.transfers * sizeof(std::uint64_t));
  }
  for (TaskId t = 0; t < g.size(); ++t) {
    if (t > 0) {
      EXPECT_NE(result.released_by[t], kernels::kNoTask);
    }
    EXPECT_GE(result.ready_s[t], 0.0);
  }
}

TEST(Graph, a_failure_skips_exactly_its_dependents_and_stop_on_failure_starts_nothing_after_it) {
  const boost::mpi::communicator world;
  // Two chains of 20; the first fails at its 5th task.
  std::vector<GraphTask> tasks;
  for (TaskId c = 0; c < 2; ++c) {
    for (TaskId i = 0; i < 20; ++i) {
      const TaskId id = c * 20 + i;
      tasks.push_back(
          {"t" + std::to_string(id), i == 0 ? std::vector<TaskId>{} : std::vector<TaskId>{id - 1}, -1.0});
    }
  }
  const TaskGraph g(std::move(tasks));
  std::vector<bool> fails(g.size(), false);
  fails[4] = true;
  for (const int threads : {1, 2}) {
    const mpi::GraphResult result = run_mixing(world, g, threads, 0, fails);
    EXPECT_EQ(result.failed, 1U);
    EXPECT_EQ(result.skipped, 15U);
    EXPECT_EQ(result.done, 24U);
    if (world.rank() == 0) {
      expect_ran_once_in_order(g, result);
      EXPECT_EQ(result.errors.at(4), "task failed on purpose");
    }
  }
  // With stop_on_failure, the failure is the first task of a 2-task chain; a 100 ms task is ready
  // from the start alongside it: nothing starts after the failure, the running one finishes.
  const TaskGraph small(
      {{"fails", {}, -1.0}, {"after", {0}, -1.0}, {"other", {}, -1.0}, {"later", {2}, -1.0}});
  std::vector<bool> first_fails{true, false, false, false};
  mpi::GraphOptions stop;
  stop.stop_on_failure = true;
  const mpi::GraphResult result = run_mixing(world, small, 1, 20000, first_fails, stop);
  EXPECT_EQ(result.failed, 1U);
  EXPECT_EQ(result.skipped, 1U);
  EXPECT_EQ(result.done + result.not_run, 2U);
  if (world.rank() == 0) expect_ran_once_in_order(small, result);
}

TEST(Graph, a_drain_starts_nothing_more_and_a_second_run_is_clean) {
  const boost::mpi::communicator world;
  const TaskGraph g = kernels::random_task_graph(400, 2, 20, 1.0, 1.0, 5);
  mpi::GraphOptions options;
  int asked = 0;
  options.drain = [&asked] { return ++asked > 2; };  // the third question, about 100 ms in
  const mpi::GraphResult drained = run_mixing(world, g, 2, 5000, {}, options);  // 250 ms at 8 workers
  EXPECT_GT(drained.not_run, 0U);
  EXPECT_EQ(drained.done + drained.not_run, g.size());
  if (world.rank() == 0) {
    EXPECT_TRUE(drained.farm.drained);
    expect_ran_once_in_order(g, drained);
  }
  const mpi::GraphResult again = run_mixing(world, g, 2);
  EXPECT_EQ(again.done, g.size());
}

// A halt (a failure under stop_on_failure) while values of 1 MB are on their way between ranks, some
// to rank 0 for tasks of its own: the tasks given back still receive what was sent, nothing hangs and no
// message is left behind (found in review: a value ordered to rank 0 was never received).
TEST(Graph, a_halt_while_large_values_travel_ends_cleanly) {
  const boost::mpi::communicator world;
  std::vector<GraphTask> tasks;
  for (TaskId i = 0; i < 30; ++i)
    tasks.push_back({"p" + std::to_string(i), {}, -1.0});
  for (TaskId i = 0; i < 30; ++i)
    tasks.push_back({"t" + std::to_string(i), {i, (i + 7) % 30}, -1.0});
  tasks.push_back({"fails", {}, -1.0});
  const TaskGraph g(std::move(tasks));
  mpi::GraphOptions options;
  options.stop_on_failure = true;
  for (int round = 0; round < 3; ++round) {
    const mpi::GraphResult result = mpi::run_graph(
        world, g, options,
        [&](TaskId task, const std::vector<const std::string*>&, const mpi::FarmWorker& w) {
          mpi::FarmRecord r;
          r.piece = task;
          r.start_s = w.now();
          std::this_thread::sleep_for(std::chrono::milliseconds(task == 60 ? 15 : 3));
          r.end_s = w.now();
          r.status = task == 60 ? 1 : 0;
          w.emit(r);
          return mpi::GraphTaskOutcome{task != 60, task < 30 ? std::string(1 << 20, 'v') : "x"};
        },
        [](const mpi::FarmRecord&, const mpi::FarmResult&) {});
    EXPECT_LE(result.failed, 1U);
    EXPECT_EQ(result.done + result.failed + result.skipped + result.not_run, g.size());
    if (world.rank() == 0) expect_ran_once_in_order(g, result);
  }
}

namespace {
struct Sample {
  std::uint64_t inside = 0, samples = 0;
  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& inside& samples;
  }
};
}  // namespace

TEST(Graph, the_seeds_sample_and_mean_in_cpp_is_the_same_for_every_layout) {
  const boost::mpi::communicator world;
  mpi::Graph g;
  const auto sample = [](std::uint64_t seed) {
    return [seed] {
      return Sample{kernels::count_inside(kernels::task_stream_seed(seed, 0), 0, 200000), 200000};
    };
  };
  const auto a = g.add("sample a", sample(1));
  const auto b = g.add("sample b", sample(2));
  const auto mean = g.add(
      "mean",
      [](const Sample& x, const Sample& y) {
        return 4.0 * double(x.inside + y.inside) / double(x.samples + y.samples);
      },
      a, b);
  const auto count = g.add(
      "count",
      [](const Sample& x) {
        return std::vector<std::uint64_t>{x.inside, x.samples};
      },
      a);
  const double expected = 4.0 *
                          double(kernels::count_inside(kernels::task_stream_seed(1, 0), 0, 200000) +
                                 kernels::count_inside(kernels::task_stream_seed(2, 0), 0, 200000)) /
                          400000.0;
  for (const int threads : {1, 2}) {
    mpi::GraphRunOptions options;
    options.threads = threads;
    const mpi::GraphValues values = g.run(world, options);
    if (world.rank() != 0) {
      EXPECT_THROW((void)values.get(mean), Error);
      continue;
    }
    EXPECT_EQ(values.get(mean), expected);  // bitwise
    EXPECT_EQ(values.get(count)[1], 200000U);
    EXPECT_THROW((void)values.get(a), Error);  // waited for: not kept
  }
}

TEST(Graph, a_cpp_task_that_throws_fails_with_its_message_and_skips_its_dependents) {
  const boost::mpi::communicator world;
  mpi::Graph g;
  const auto bad = g.add("bad", []() -> int { throw std::runtime_error("no data"); });
  const auto after = g.add(
      "after", [](int x) { return x + 1; }, bad);
  const auto good = g.add("good", [] { return 42; });
  const mpi::GraphValues values = g.run(world);
  EXPECT_EQ(values.result().failed, 1U);
  EXPECT_EQ(values.result().skipped, 1U);
  if (world.rank() != 0) return;
  EXPECT_EQ(values.get(good), 42);
  try {
    (void)values.get(bad);
    ADD_FAILURE() << "no exception";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "task 'bad' failed: no data");
  }
  try {
    (void)values.get(after);
    ADD_FAILURE() << "no exception";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "task 'after' was skipped: a task it waits for failed");
  }
}

TEST(Graph, a_duplicate_name_is_refused_on_every_rank_before_anything_runs) {
  const boost::mpi::communicator world;
  mpi::Graph g;
  int runs = 0;
  (void)g.add("x", [&runs] { return ++runs; });
  (void)g.add("x", [&runs] { return ++runs; });
  EXPECT_THROW((void)g.run(world), UsageError);
  EXPECT_EQ(runs, 0);
}

// A task knows its graph: another Graph's add() refuses it as an input, naming the task that would wait
// for it, and the values of one run refuse a task of another graph (its id may be valid there).
TEST(Graph, a_task_of_another_graph_is_refused_by_add_and_by_get) {
  const boost::mpi::communicator world;
  mpi::Graph first, second;
  const auto a = first.add("a", [] { return 1; });
  const auto b = second.add("b", [] { return 2; });
  try {
    (void)second.add(
        "c", [](int x) { return x + 1; }, a);
    ADD_FAILURE() << "a task of another graph was taken";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("task 'c' waits for a task of another Graph"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(second.size(), 1U);  // nothing added
  const mpi::GraphValues values = second.run(world);
  if (world.rank() == 0) {
    EXPECT_EQ(values.get(b), 2);
    EXPECT_THROW((void)values.get(a), Error);  // id 0 exists in both graphs
  }
  mpi::Graph moved = std::move(first);
  EXPECT_NO_THROW((void)moved.add(
      "d", [](int x) { return x; }, a));  // a move keeps the graph's tasks
}
