#include "parakit/mpi/graph.hpp"

#include <atomic>
#include <cstdint>
#include <exception>
#include <string>

#include <fmt/format.h>

#include "parakit/mpi/agree.hpp"
#include "parakit/quote.hpp"

namespace parakit::mpi {

namespace {
std::atomic<std::uint64_t> next_serial{1};
}  // namespace

Graph::Graph() : serial_(next_serial.fetch_add(1, std::memory_order_relaxed)) {}

void Graph::check_input(const std::string& task, std::uint64_t graph, kernels::TaskId input) const {
  if (graph != serial_ || input >= tasks_.size())
    throw Error(
        fmt::format("task graph: task {} waits for a task of another Graph (input {} of graph {}; "
                    "accepted: tasks this Graph's add() returned)",
                    parakit::quoted(task), input, graph));
}

GraphValues Graph::run(const boost::mpi::communicator& comm, const GraphRunOptions& options) const {
  kernels::TaskGraph graph;
  check_on_every_rank(comm, [&] { graph = kernels::TaskGraph(tasks_); });
  // The engine passes inputs in the graph's order of predecessors (sorted, merged); a body takes them
  // in add()'s order.
  const GraphWork work = [&](kernels::TaskId task, const std::vector<const std::string*>& inputs,
                             const FarmWorker& worker) {
    const std::span<const kernels::TaskId> preds = graph.predecessors(task);
    std::vector<const std::string*> args;
    for (const kernels::TaskId a : args_[task])
      args.push_back(
          inputs[static_cast<std::size_t>(std::lower_bound(preds.begin(), preds.end(), a) - preds.begin())]);
    FarmRecord record;
    record.piece = task;
    record.start_s = worker.now();
    GraphTaskOutcome outcome;
    try {
      outcome.value = bodies_[task](args);
    } catch (const std::exception& e) {
      outcome = {false, e.what()};
    } catch (...) {
      outcome = {false, "an exception that is not a std::exception"};
    }
    record.end_s = worker.now();
    record.status = outcome.ok ? 0 : 1;
    record.value = outcome.ok ? outcome.value.size() : 0;
    worker.emit(record);
    return outcome;
  };
  GraphOptions run_options{.threads = options.threads,
                           .order = options.order,
                           .priority = {},
                           .stop_on_failure = options.stop_on_failure,
                           .done_before = {},
                           .keep = options.keep,
                           .keep_exits = true,
                           .interrupt = {},
                           .drain = {}};
  GraphResult result = run_graph(comm, graph, run_options, work, [](const FarmRecord&, const FarmResult&) {});
  return {std::move(graph), std::move(result), serial_};
}

const std::string& GraphValues::bytes(std::uint64_t graph, kernels::TaskId task) const {
  if (graph != serial_ || task >= graph_.size())
    throw Error(
        fmt::format("task graph: get() of a task of another Graph (task {} of graph {}; this run "
                    "was graph {})",
                    task, graph, serial_));
  const std::string name = parakit::quoted(graph_.task(task).name);
  if (result_.states.empty() || result_.farm.per_rank.empty())
    throw Error(fmt::format("task {}: values are kept on rank 0 only", name));
  const kernels::TaskState state = result_.states[task];
  if (state == kernels::TaskState::kFailed) {
    const auto error = result_.errors.find(task);
    throw Error(fmt::format("task {} failed: {}", name,
                            error == result_.errors.end() ? "" : parakit::escaped(error->second)));
  }
  if (state == kernels::TaskState::kSkipped)
    throw Error(fmt::format("task {} was skipped: a task it waits for failed", name));
  if (state != kernels::TaskState::kDone) throw Error(fmt::format("task {} did not run", name));
  const auto value = result_.values.find(task);
  if (value == result_.values.end())
    throw Error(fmt::format(
        "task {}: its value was not kept (GraphRunOptions::keep; tasks nobody waits for are kept)", name));
  return value->second;
}

}  // namespace parakit::mpi
