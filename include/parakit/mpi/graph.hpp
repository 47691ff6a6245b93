#pragma once
/// @file
/// @brief Task graphs in C++ (issue #20), the seed's `dask.delayed` as message passing: tasks are
/// functions, and a task's result (any Boost-serialisable value) is passed to the tasks that wait for
/// it, on whichever rank they run. Results stay on the rank that made them until a task elsewhere
/// needs them; the values of the tasks nobody waits for come to rank 0.
///
/// @code
///   parakit::mpi::Graph g;
///   auto a = g.add("sample a", [] { return sample(1'000'000, 1); });
///   auto b = g.add("sample b", [] { return sample(1'000'000, 2); });
///   auto m = g.add("mean", [](const Sample& x, const Sample& y) { return (x.pi + y.pi) / 2; }, a, b);
///   const parakit::mpi::GraphValues values = g.run(comm, {.threads = 2});
///   if (comm.rank() == 0) std::cout << values.get(m) << '\n';
/// @endcode

#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/mpi/communicator.hpp>

#include "parakit/error.hpp"
#include "parakit/kernels/task_graph.hpp"
#include "parakit/mpi/task_graph.hpp"

namespace parakit::mpi {

/// @brief A task of a Graph whose result is a T: what add() returns, and what later tasks wait for.
/// It knows its graph: add() and GraphValues::get() refuse a task of another one.
template <class T>
class Task {
 public:
  [[nodiscard]] kernels::TaskId id() const { return id_; }
  /// @brief The serial number of the Graph that made it (Graph::serial).
  [[nodiscard]] std::uint64_t graph() const { return graph_; }

 private:
  friend class Graph;
  Task(kernels::TaskId id, std::uint64_t graph) : id_(id), graph_(graph) {}
  kernels::TaskId id_;
  std::uint64_t graph_;
};

/// @brief A task's name and, optionally, its estimated cost (seconds), for the critical-path order.
struct TaskSpec {
  TaskSpec(const char* task_name) : name(task_name) {}  // NOLINT: a name alone is the common case
  TaskSpec(std::string task_name, double task_cost = -1.0)
      : name(std::move(task_name)), cost(task_cost) {}  // NOLINT
  std::string name;
  double cost = -1.0;  ///< < 0: unknown
};

/// @brief How Graph::run runs.
struct GraphRunOptions {
  int threads = 1;  ///< worker threads per rank
  kernels::GraphOrder order = kernels::GraphOrder::kCriticalPath;
  bool stop_on_failure = false;       ///< start nothing after the first failure
  std::vector<kernels::TaskId> keep;  ///< tasks whose values rank 0 gets besides those nobody waits for
};

namespace detail {

/// @brief @p value as bytes (a Boost binary archive without header).
template <class T>
std::string save_value(const T& value) {
  std::ostringstream out;
  {
    boost::archive::binary_oarchive archive(out, boost::archive::no_header);
    archive << value;
  }
  return std::move(out).str();
}

/// @brief The value save_value(value) made.
template <class T>
T load_value(const std::string& bytes) {
  std::istringstream in(bytes);
  boost::archive::binary_iarchive archive(in, boost::archive::no_header);
  T value{};
  archive >> value;
  return value;
}

/// @brief A task's body: its arguments' bytes (in the order add() was given them) to its result's.
using TaskBody = std::function<std::string(const std::vector<const std::string*>& args)>;

template <class F, class... A, std::size_t... I>
std::string call_saved(const F& f, const std::vector<const std::string*>& args, std::index_sequence<I...>) {
  return save_value(f(load_value<A>(*args[I])...));
}

}  // namespace detail

class GraphValues;

/// @brief A task graph built in C++: add() tasks, then run() it on every rank.
class Graph {
 public:
  Graph();
  // Not copied: two graphs with one serial number would take each other's tasks. Moved, it keeps it.
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  Graph(Graph&&) = default;
  Graph& operator=(Graph&&) = default;

  /// @brief Adds task @p spec, which computes f(inputs' results...) once they are known.
  /// @return the task, for tasks that wait for it and for GraphValues::get.
  /// @throws parakit::Error naming the task when an input is a task of another Graph.
  template <class F, class... A>
  auto add(TaskSpec spec, F f, const Task<A>&... inputs) {
    using R = std::decay_t<std::invoke_result_t<const F&, const A&...>>;
    static_assert(!std::is_void_v<R>, "a task returns a value (any Boost-serialisable type)");
    (check_input(spec.name, inputs.graph(), inputs.id()), ...);
    const auto id = static_cast<kernels::TaskId>(tasks_.size());
    tasks_.push_back({std::move(spec.name), {inputs.id()...}, spec.cost});
    args_.push_back({inputs.id()...});
    bodies_.push_back([f = std::move(f)](const std::vector<const std::string*>& args) {
      return detail::call_saved<F, A...>(f, args, std::index_sequence_for<A...>{});
    });
    return Task<R>(id, serial_);
  }

  [[nodiscard]] std::size_t size() const { return tasks_.size(); }

  /// @brief This graph's serial number, unique in the process.
  [[nodiscard]] std::uint64_t serial() const { return serial_; }

  /// @brief Runs the graph over every rank and thread of @p comm (mpi::run_graph). A task that throws
  /// fails, with its message; the tasks that wait for it are skipped; the others run.
  /// @note Collective: every rank builds the same graph (same tasks, same order) and calls run.
  /// @throws parakit::UsageError for a duplicate name (on every rank, before anything runs).
  [[nodiscard]] GraphValues run(const boost::mpi::communicator& comm,
                                const GraphRunOptions& options = {}) const;

 private:
  void check_input(const std::string& task, std::uint64_t graph, kernels::TaskId input) const;

  std::uint64_t serial_;
  std::vector<kernels::GraphTask> tasks_;
  std::vector<std::vector<kernels::TaskId>> args_;  // per task, its inputs in add()'s order
  std::vector<detail::TaskBody> bodies_;
};

/// @brief What a Graph's run made: the kept values (on rank 0) and the run's figures.
class GraphValues {
 public:
  GraphValues(kernels::TaskGraph graph, GraphResult result, std::uint64_t serial)
      : graph_(std::move(graph)), result_(std::move(result)), serial_(serial) {}

  /// @brief The result of @p task, on rank 0.
  /// @throws parakit::Error naming the task when it failed (with its message), was skipped, did not
  /// run, or its value was not kept (GraphRunOptions::keep), on another rank than 0, or when it is a
  /// task of another Graph than the one that ran.
  template <class T>
  [[nodiscard]] T get(const Task<T>& task) const {
    return detail::load_value<T>(bytes(task.graph(), task.id()));
  }

  [[nodiscard]] const kernels::TaskGraph& graph() const { return graph_; }
  [[nodiscard]] const GraphResult& result() const { return result_; }

 private:
  [[nodiscard]] const std::string& bytes(std::uint64_t graph, kernels::TaskId task) const;
  kernels::TaskGraph graph_;
  GraphResult result_;
  std::uint64_t serial_;
};

}  // namespace parakit::mpi
