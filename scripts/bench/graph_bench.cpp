// The task-graph benchmark's program (scripts/bench/graph.sh runs it under mpirun): task graphs whose
// tasks busy-wait for their known cost (spinning on the clock, so a task takes its cost in wall time
// whatever else shares the core), run with mpi::run_graph; rank 0 prints one JSON object. Modes:
//   overhead  TASKS independent tasks of COST ms through mpi::run_farm (dynamic, chunk 1) and through
//             mpi::run_graph, alternating, REPEAT times: overhead per task (workers x makespan - work) /
//             tasks
//   random    kernels::random_task_graph(TASKS, 3 predecessors, window 75, costs 0.5-1.5 x COST ms)
//   order     SHORT short tasks (COST ms) declared first, then a chain as long as all of them together, of
//             tasks 10 x COST: critical-path order against fifo, alternating
// Usage: mpirun -n 2 graph_bench MODE [--tasks N] [--cost-ms C] [--threads T] [--repeat R] [--warmup W]
// Every run is checked: each task ran once, after all of its predecessors ended (exit 3 if not).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "parakit/error.hpp"
#include "parakit/kernels/task_graph.hpp"
#include "parakit/mpi/environment.hpp"
#include "parakit/mpi/farm.hpp"
#include "parakit/mpi/task_graph.hpp"
#include "parakit/parse.hpp"
#include "parakit/report/farm_report.hpp"
#include "parakit/report/graph_report.hpp"

namespace {

using parakit::kernels::TaskGraph;
using parakit::kernels::TaskId;
using Json = nlohmann::ordered_json;

struct Settings {
  std::string mode;
  std::uint64_t tasks = 10'000;
  double cost_s = 1e-3;
  int threads = 1;
  std::uint64_t repeat = 3, warmup = 1;
};

Settings parse(int argc, char** argv) {
  Settings s;
  if (argc < 2) throw parakit::UsageError("usage: graph_bench overhead|random|order [--tasks N] ...");
  s.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string_view key = argv[i], value = argv[i + 1];
    if (key == "--tasks")
      s.tasks = parakit::parse_count(value, key, 10'000'000);
    else if (key == "--cost-ms")
      s.cost_s = std::stod(std::string(value)) * 1e-3;
    else if (key == "--threads")
      s.threads = static_cast<int>(parakit::parse_count(value, key, 256));
    else if (key == "--repeat")
      s.repeat = parakit::parse_count(value, key, 1000);
    else if (key == "--warmup")
      s.warmup = std::stoull(std::string(value));
    else
      throw parakit::UsageError("graph_bench: unknown option " + std::string(key));
  }
  if (s.mode != "overhead" && s.mode != "random" && s.mode != "order")
    throw parakit::UsageError("graph_bench: unknown mode " + s.mode);
  return s;
}

// Busy-waits @p seconds: the work of a task whose cost is known.
void spin(double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
  }
}

// Each piece ran once; each task started after all of its predecessors ended (rank 0).
void check(const parakit::report::FarmResult& farm, const TaskGraph* graph, std::size_t tasks) {
  std::vector<const parakit::report::FarmRecord*> by_task(tasks, nullptr);
  for (const auto& r : farm.records) {
    if (r.piece >= tasks || by_task[r.piece] != nullptr)
      throw parakit::WrongAnswer("a task ran twice or is unknown: " + std::to_string(r.piece));
    by_task[r.piece] = &r;
  }
  if (farm.records.size() != tasks) throw parakit::WrongAnswer("not every task ran");
  if (graph == nullptr) return;
  for (TaskId t = 0; t < tasks; ++t) {
    for (const TaskId p : graph->predecessors(t)) {
      if (by_task[p]->end_s > by_task[t]->start_s)
        throw parakit::WrongAnswer("task " + graph->task(t).name + " started before " + graph->task(p).name);
    }
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// One timed configuration: every repetition's makespan, work and lower bound.
struct Series {
  std::vector<double> makespan_s, work_s, lower_bound_s;
  Json workers_last;  // the last repetition's busy and idle time per worker
  void add(const parakit::report::ScheduleFigures& figures, double work, double bound) {
    makespan_s.push_back(figures.makespan_s);
    work_s.push_back(work);
    lower_bound_s.push_back(bound);
    workers_last = figures.workers;
  }
  // The medians over the repetitions. The overhead per task is (workers x makespan - work) / tasks with
  // the tasks' known costs as the work (what they take alone): a task spins at least its cost, so time a
  // worker lost to others (the scheduler's threads, other processes) counts as overhead, as do the gaps.
  // work_s and lower_bound_s are measured (report::graph_figures: the tasks' recorded durations).
  [[nodiscard]] Json json(std::size_t tasks, std::size_t workers, double planned_work_s,
                          double planned_bound_s) const {
    std::vector<double> overhead_us, ratio, planned_ratio;
    for (std::size_t i = 0; i < makespan_s.size(); ++i) {
      overhead_us.push_back((static_cast<double>(workers) * makespan_s[i] - planned_work_s) /
                            static_cast<double>(tasks) * 1e6);
      ratio.push_back(makespan_s[i] / lower_bound_s[i]);
      planned_ratio.push_back(makespan_s[i] / planned_bound_s);
    }
    return {{"makespan_s", median(makespan_s)},
            {"makespan_min_s", *std::min_element(makespan_s.begin(), makespan_s.end())},
            {"work_s", median(work_s)},
            {"lower_bound_s", median(lower_bound_s)},
            {"ratio", median(ratio)},
            {"ratio_to_planned_bound", median(planned_ratio)},
            {"overhead_per_task_us", median(overhead_us)},
            {"makespans_s", makespan_s},
            {"workers_last_run", workers_last}};
  }
};

// Runs @p graph once with run_graph, each task spinning for its cost; adds the figures to @p series.
void run_graph_once(const boost::mpi::communicator& comm, const TaskGraph& graph, const Settings& s,
                    parakit::kernels::GraphOrder order, Series* series) {
  parakit::mpi::GraphOptions options;
  options.threads = s.threads;
  options.order = order;
  options.keep_exits = false;
  const parakit::mpi::GraphWork work = [&](TaskId task, const std::vector<const std::string*>& /*inputs*/,
                                           const parakit::mpi::FarmWorker& worker) {
    parakit::mpi::FarmRecord record;
    record.piece = task;
    record.start_s = worker.now();
    spin(graph.task(task).cost);
    record.end_s = worker.now();
    worker.emit(record);
    // 8 bytes for the tasks that wait for this one: values move between ranks as in a real graph.
    return parakit::mpi::GraphTaskOutcome{true, std::string(8, 'v')};
  };
  const parakit::mpi::GraphResult result =
      parakit::mpi::run_graph(comm, graph, options, work, [](const auto&, const auto&) {});
  if (comm.rank() != 0 || series == nullptr) return;
  check(result.farm, &graph, graph.size());
  const auto figures = parakit::report::graph_figures(graph, result, s.threads);
  series->add(figures.schedule, figures.work_s, figures.lower_bound_s);
}

// Runs @p tasks independent tasks of s.cost_s once with run_farm (dynamic, chunk 1).
void run_farm_once(const boost::mpi::communicator& comm, const Settings& s, Series* series) {
  parakit::mpi::FarmOptions options;
  options.threads = s.threads;
  const parakit::mpi::FarmWork work = [&](std::uint64_t piece, const parakit::mpi::FarmWorker& worker) {
    parakit::mpi::FarmRecord record;
    record.piece = piece;
    record.start_s = worker.now();
    spin(s.cost_s);
    record.end_s = worker.now();
    worker.emit(record);
  };
  const parakit::mpi::FarmResult farm =
      parakit::mpi::run_farm(comm, s.tasks, options, work, [](const auto&, const auto&) {});
  if (comm.rank() != 0 || series == nullptr) return;
  check(farm, nullptr, s.tasks);
  const auto figures = parakit::report::schedule_figures(farm, s.threads, s.tasks);
  series->add(figures, figures.busy_total_s, figures.lower_bound_s);
}

std::string task_name(const char* prefix, std::uint64_t t) {
  std::string name(prefix);
  name += std::to_string(t);
  return name;
}

TaskGraph independent(std::uint64_t tasks, double cost_s) {
  std::vector<parakit::kernels::GraphTask> list(tasks);
  for (std::uint64_t t = 0; t < tasks; ++t)
    list[t] = {task_name("t", t), {}, cost_s};
  return TaskGraph(std::move(list));
}

// Short tasks first, then a chain as long as all of them: fifo runs the chain last, alone.
TaskGraph short_tasks_then_a_chain(std::uint64_t shorts, double cost_s) {
  std::vector<parakit::kernels::GraphTask> list;
  for (std::uint64_t t = 0; t < shorts; ++t)
    list.push_back({task_name("short", t), {}, cost_s});
  const std::uint64_t links = std::max<std::uint64_t>(1, shorts / 10);
  for (std::uint64_t c = 0; c < links; ++c) {
    std::vector<TaskId> after;
    if (c > 0) after.push_back(static_cast<TaskId>(list.size() - 1));
    list.push_back({task_name("chain", c), after, 10 * cost_s});
  }
  return TaskGraph(std::move(list));
}

std::vector<double> planned_costs(const TaskGraph& graph) {
  std::vector<double> costs(graph.size());
  for (TaskId t = 0; t < graph.size(); ++t)
    costs[t] = graph.task(t).cost;
  return costs;
}

}  // namespace

int main(int argc, char** argv) {
  return parakit::mpi::guarded_main(argc, argv, "graph_bench", [&](const boost::mpi::communicator& comm) {
    const Settings s = parse(argc, argv);
    const std::size_t workers = static_cast<std::size_t>(comm.size()) * static_cast<std::size_t>(s.threads);
    using parakit::kernels::GraphOrder;
    const TaskGraph graph = s.mode == "overhead" ? independent(s.tasks, s.cost_s)
                            : s.mode == "random" ? parakit::kernels::random_task_graph(
                                                       s.tasks, 3, 75, 0.5 * s.cost_s, 1.5 * s.cost_s, 20)
                                                 : short_tasks_then_a_chain(s.tasks, s.cost_s);
    const std::vector<double> planned = planned_costs(graph);
    double planned_work = 0.0;
    for (const double c : planned)
      planned_work += c;
    const double planned_bound = parakit::kernels::graph_lower_bound(graph, planned, workers);
    Json out = {
        {"mode", s.mode},       {"tasks", graph.size()},          {"edges", graph.edges()},
        {"ranks", comm.size()}, {"threads", s.threads},           {"repeat", s.repeat},
        {"warmup", s.warmup},   {"planned_work_s", planned_work}, {"planned_lower_bound_s", planned_bound}};
    // The configurations alternate within each repetition, so that drift in the machine's load hits all.
    Series farm, critical, fifo;
    for (std::uint64_t rep = 0; rep < s.warmup + s.repeat; ++rep) {
      const bool timed = rep >= s.warmup;
      if (s.mode == "overhead") run_farm_once(comm, s, timed ? &farm : nullptr);
      run_graph_once(comm, graph, s, GraphOrder::kCriticalPath, timed ? &critical : nullptr);
      if (s.mode == "order") run_graph_once(comm, graph, s, GraphOrder::kFifo, timed ? &fifo : nullptr);
    }
    if (comm.rank() != 0) return 0;
    if (s.mode == "overhead") out["farm"] = farm.json(graph.size(), workers, planned_work, planned_bound);
    out["critical_path"] = critical.json(graph.size(), workers, planned_work, planned_bound);
    out["critical_path"]["order"] = "critical-path";
    out["critical_path"]["simulated_s"] =
        parakit::kernels::simulate_graph(graph, workers, GraphOrder::kCriticalPath, planned);
    if (s.mode == "order") {
      out["fifo"] = fifo.json(graph.size(), workers, planned_work, planned_bound);
      out["fifo"]["order"] = "fifo";
      out["fifo"]["simulated_s"] =
          parakit::kernels::simulate_graph(graph, workers, GraphOrder::kFifo, planned);
    }
    std::printf("%s\n", out.dump().c_str());
    return 0;
  });
}
