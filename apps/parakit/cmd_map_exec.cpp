// parakit map exec: a shell command per line of a task file (or per task of a graph file, each once the
// tasks it waits for succeeded), over every thread of every rank (mpi::run_commands), with a joblog that
// --resume continues, retries, time limits and a stop file.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/exec/command_outcomes.hpp"
#include "parakit/exec/process.hpp"
#include "parakit/exec/resume.hpp"
#include "parakit/format/graph_file.hpp"
#include "parakit/kernels/schedule.hpp"
#include "parakit/kernels/task_graph.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/command_farm.hpp"
#include "parakit/mpi/graph_file.hpp"
#include "parakit/mpi/task_file.hpp"
#include "parakit/parse.hpp"
#include "parakit/quote.hpp"
#include "parakit/report/farm_report.hpp"
#include "parakit/report/graph_report.hpp"
#include "parakit/report/output_file.hpp"

#include "common_options.hpp"
#include "map_options.hpp"

namespace po = boost::program_options;

namespace parakit::cli {
namespace {

using kernels::Schedule;

const char* const kMapExecUsage =
    "Usage: mpirun -n P parakit map exec --tasks @FILE [--joblog FILE [--resume]] [options] -- CMD {}\n"
    "       mpirun -n P parakit map exec --graph @FILE [--joblog FILE [--resume]] [options] -- CMD {}\n"
    "Runs CMD with /bin/sh -c once per non-blank line of FILE, over every thread of every rank: each {}\n"
    "becomes the line, quoted for the shell (do not quote {} yourself); without {} the line is\n"
    "appended. The words of CMD are joined with spaces and read by the shell, as GNU parallel does.\n"
    "--graph: one task per line, `NAME: ARGS` or `NAME after DEP[,DEP...]: ARGS` ({} becomes ARGS), or\n"
    "JSON lines {\"name\", \"after\", \"args\", \"cost\"}; a task starts once every task it waits for\n"
    "succeeded, and the tasks that wait for a failed one are skipped (logged as skipped).\n"
    "Exit code: 0 when every task succeeded (or there was none), 4 when a task failed (or was skipped),\n"
    "5 when --stop-file stopped it before every task ran (continue with --resume), 2 for bad input.\n"
    "Schedules of --tasks: static (equal blocks of tasks), cyclic (task i to worker i mod W), dynamic\n"
    "(--chunk tasks at a time to whichever worker is free; the default).";

// The options of map exec beyond the common ones and --tasks, checked.
struct ExecOptions {
  MapOptions map;
  std::string task_file;  // of --tasks, or the graph file of --graph
  bool is_graph = false;
  kernels::GraphOrder order = kernels::GraphOrder::kCriticalPath;
  bool halt_on_failure = false;
  int retries = 0;
  double timeout_s = 0.0;  // 0: not given
  bool resume = false;
  std::string joblog, results_dir, stop_file;
};

void add_exec_options(po::options_description& options) {
  add_map_options(options, false);
  // clang-format off
  options.add_options()
    ("graph", po::value<std::string>(), "@FILE: one task per line with the tasks it waits for (NAME: ARGS, "
     "NAME after DEP[,DEP...]: ARGS, or JSON lines); instead of --tasks")
    ("order", po::value<std::string>(), "--graph: which ready task starts first: critical-path (the longest "
     "remaining path; the default) or fifo")
    ("halt-on-failure", "--graph: start no task after the first failure (the running ones finish; exit 4)")
    ("joblog", po::value<std::string>(), "append one line per attempt to FILE as it ends (task, rank, host, "
     "start, duration, exit code, ...); refuses an existing FILE unless --resume")
    ("resume", "skip the tasks FILE shows done (exit code 0); run the others")
    ("retries", po::value<int>()->default_value(0), "run a failed task up to N more times (0 to 100)")
    ("timeout", po::value<double>(), "seconds a task may run before it is killed (SIGTERM, SIGKILL 1 s later)")
    ("results", po::value<std::string>(), "write each task's output to DIR/<task>.out and DIR/<task>.err "
     "instead of to ours, prefixed with [task]")
    ("stop-file", po::value<std::string>(), "once FILE exists (or if it does at the start), start no more "
     "tasks: the running ones finish and are logged, then exit 5 (a batch job's time limit: see "
     "slurm/taskfarm.sbatch)");
  // clang-format on
  add_common_options(options, false, false);
}

// The command after '--': there, and one line.
void check_command(const std::vector<std::string>& words) {
  if (words.empty() || words.front().empty()) {
    throw UsageError(
        "map exec: no command after '--' (usage: parakit map exec --tasks @FILE -- CMD {}, or --graph "
        "@FILE)");
  }
  for (const std::string& w : words) {
    if (w.find_first_of("\n\r") != std::string::npos) {
      throw UsageError(
          "map exec: the command has a line break, which a joblog line cannot hold (accepted: "
          "one line; put longer commands in a script)");
    }
  }
}

// The path of option @p name, "" when not given: an empty one given would read as not given, so it is
// refused.
std::string path_option(const po::variables_map& values, const char* name, const char* accepted) {
  if (values.count(name) == 0) return "";
  std::string path = values[name].as<std::string>();
  if (path.empty()) throw UsageError(fmt::format("--{}: an empty path (accepted: {})", name, accepted));
  return path;
}

// --graph and what only it takes: --order and --halt-on-failure; --schedule and --chunk are the farm's.
void read_graph_options(const po::variables_map& values, ExecOptions& x) {
  x.is_graph = values.count("graph") != 0;
  if (x.is_graph && values.count("tasks") != 0)
    throw UsageError("map exec: --graph and --tasks exclude each other (accepted: one of them)");
  if (!x.is_graph) {
    for (const char* name : {"order", "halt-on-failure"}) {
      if (values.count(name) != 0)
        throw UsageError(fmt::format("--{}: only with --graph (the tasks of --tasks wait for none)", name));
    }
    return;
  }
  if (values.count("chunk") != 0 || !values["schedule"].defaulted()) {
    throw UsageError(
        fmt::format("--{}: not with --graph, whose tasks start as they become ready (accepted: --order "
                    "critical-path|fifo)",
                    values.count("chunk") != 0 ? "chunk" : "schedule"));
  }
  const std::string graph = values["graph"].as<std::string>();
  if (graph.rfind('@', 0) != 0) {
    throw UsageError("--graph: " + parakit::quoted(graph) +
                     " is not @FILE (accepted: a graph file, one task per line" +
                     (std::filesystem::is_regular_file(graph) ? "; did you mean @" + graph + "?" : "") + ")");
  }
  x.task_file = graph.substr(1);
  if (values.count("order") != 0) x.order = kernels::parse_graph_order(values["order"].as<std::string>());
  x.halt_on_failure = values.count("halt-on-failure") != 0;
}

ExecOptions read_exec_options(const boost::mpi::communicator& comm, const po::variables_map& values) {
  ExecOptions x;
  read_graph_options(values, x);
  if (!x.is_graph && (values.count("tasks") == 0 || values["tasks"].as<std::string>().rfind('@', 0) != 0)) {
    std::string hint;
    if (values.count("tasks") != 0 && std::filesystem::is_regular_file(values["tasks"].as<std::string>())) {
      hint = "; did you mean @" + values["tasks"].as<std::string>() + "?";
    }
    throw UsageError(
        "map exec: --tasks @FILE is required, or --graph @FILE (accepted: a file with one task "
        "per line" +
        hint + ")");
  }
  x.map = read_map_options(comm, values);
  if (x.map.schedule == Schedule::kSplit) {
    throw UsageError(
        "--schedule: split cuts tasks into pieces, and commands cannot be cut (accepted for "
        "map exec: static, cyclic, dynamic)");
  }
  x.retries = values["retries"].as<int>();
  if (x.retries < 0 || x.retries > 100) {
    throw UsageError(fmt::format("--retries: {} is too {} (accepted: a whole number from 0 to 100)",
                                 x.retries, x.retries < 0 ? "small" : "large"));
  }
  if (values.count("timeout") != 0) {
    x.timeout_s = values["timeout"].as<double>();
    if (!(x.timeout_s > 0.0) || x.timeout_s > 1e7) {
      throw UsageError(fmt::format("--timeout: {} is {} (accepted: seconds, more than 0 and at most 1e7)",
                                   x.timeout_s, x.timeout_s > 1e7 ? "too long" : "not a time limit"));
    }
  }
  x.resume = values.count("resume") != 0;
  x.joblog = path_option(values, "joblog", "a file path in a writable directory");
  if (x.resume && x.joblog.empty())
    throw UsageError("--resume needs --joblog FILE: the log of the run to resume");
  x.results_dir = path_option(values, "results", "a directory path");
  x.stop_file = path_option(values, "stop-file", "a file path in an existing directory");
  if (!x.stop_file.empty()) {
    const std::filesystem::path parent = std::filesystem::absolute(x.stop_file).parent_path();
    if (!std::filesystem::is_directory(parent)) {
      throw UsageError("--stop-file: '" + x.stop_file +
                       "' is in no existing directory, so it could never appear " +
                       "(accepted: a file path in an existing directory)");
    }
  }
  if (!x.is_graph) x.task_file = values["tasks"].as<std::string>().substr(1);
  return x;
}

// The record of a map exec run on @p ranks ranks, on rank 0.
report::Record exec_record(int ranks, const ExecOptions& x, const mpi::CommandFarmOptions& farm_options,
                           const mpi::CommandFarmResult& run, const report::ScheduleFigures& figures) {
  const exec::CommandOutcomes& o = run.outcomes;
  const std::uint64_t run_count = run.todo.size();
  report::Record record =
      map_record("map exec", ranks, farm_options.threads, x.map.schedule, farm_options.chunk);
  if (x.is_graph) {
    // A graph has no farm schedule: its tasks start as they become ready, in its order.
    record.erase("schedule");
    record.erase("chunk");
    record["graph_file"] = x.task_file;
    record["order"] = kernels::graph_order_name(x.order);
    record["halt_on_failure"] = x.halt_on_failure;
  }
  record["tasks"] = farm_options.commands.size();
  record["pieces"] = run_count;
  record["retries"] = x.retries;
  if (x.timeout_s > 0.0) record["timeout_s"] = x.timeout_s;  // only what was given
  if (!x.joblog.empty()) record["joblog"] = x.joblog;
  report::Record failures = report::Record::array();
  for (const exec::FailedTask& f : o.failures) {
    failures.push_back({{"task", f.task},
                        {"status", exec::status_name(f.status)},
                        {"exit", f.exit_code},
                        {"attempts", f.attempts},
                        {"command", f.command}});
  }
  const std::uint64_t started = run_count - o.not_run - o.skipped - o.halted;
  report::Record result = {
      {"tasks_run", started}, {"skipped_done", run.skipped_done}, {"succeeded", started - o.failed},
      {"failed", o.failed},   {"timed_out", o.timed_out},         {"attempts", o.attempts},
      {"not_run", o.not_run}, {"stopped", o.not_run > 0},         {"failed_tasks", failures}};
  if (x.is_graph) {
    result["skipped"] = o.skipped;  // a task they wait for failed
    result["halted"] = o.halted;    // not started after a failure (--halt-on-failure)
  }
  report::add_schedule_figures(result, figures);
  record["result"] = result;
  return record;
}

}  // namespace

int map_exec(const boost::mpi::communicator& comm, const std::vector<std::string>& all_args,
             const std::vector<std::string>& argv) {
  const auto dashes = std::find(all_args.begin(), all_args.end(), "--");
  const std::vector<std::string> args(all_args.begin(), dashes);
  const std::vector<std::string> words(dashes == all_args.end() ? dashes : dashes + 1, all_args.end());

  po::options_description options("Options");
  add_exec_options(options);
  po::variables_map values;
  if (dashes == all_args.end()) {
    // Without '--' the command's words would be taken for parakit's: say what is missing.
    if (std::find_if(args.begin(), args.end(),
                     [](const std::string& a) { return a == "--help" || a == "-h"; }) == args.end()) {
      throw UsageError(
          "map exec: no '--' before the command (usage: parakit map exec --tasks @FILE -- CMD {})");
    }
  }
  if (!parse_args(comm, args, "parakit map exec", kMapExecUsage, options, values)) return 0;
  check_command(words);
  const ExecOptions x = read_exec_options(comm, values);
  const CommonOptions common = read_common_options(comm, values);
  // No file written replaces the task file or another one written.
  mpi::check_on_root(comm, [&] {
    report::check_distinct_files({{x.is_graph ? "--graph" : "--tasks", x.task_file},
                                  {"--joblog", x.joblog},
                                  {"--trace", x.map.trace},
                                  {"--gantt", x.map.gantt},
                                  {"--output", common.output},
                                  {"--json", common.json}});
  });
  agree_on_threads(comm, common.threads);

  mpi::CommandFarmOptions farm_options{
      .commands = {},
      .task_file = x.task_file,
      .joblog = x.joblog,
      .resume = x.resume,
      .stop_file = x.stop_file,
      // Tasks' output goes to our stdout, unless stdout carries a JSON or CSV record: then to stderr, so
      // that the record can be read by a program.
      .run = {.retries = x.retries,
              .timeout_s = x.timeout_s,
              .results_dir = x.results_dir,
              .output_fd = common.output.empty() && common.format != report::Format::kText ? 2 : 1},
      .schedule = x.map.schedule,
      .chunk = x.map.chunk == 0 ? 1 : x.map.chunk,
      .threads = common.threads,
      .graph = nullptr,
      .graph_fingerprint = {},
      .order = x.order,
      .halt_on_failure = x.halt_on_failure,
      .planned = [&x](const exec::ResumePlan& plan) {
        if (plan.torn_tail) {
          std::cerr
              << "parakit: warning: the last line of " << x.joblog
              << " was cut short by the end of the previous run; it was dropped and its task runs again\n";
        }
      }};
  format::GraphFile graph;
  if (x.is_graph) {
    graph = mpi::read_graph_everywhere(comm, x.task_file);
    for (const std::string& task_args : graph.args)
      farm_options.commands.push_back(exec::expand_command(words, task_args));
    farm_options.graph = &graph.graph;
    farm_options.graph_fingerprint = format::fingerprint_hex(graph.fingerprint);
  } else {
    for (const TaskLine& l : mpi::read_tasks_everywhere(comm, x.task_file, "--tasks", true))
      farm_options.commands.push_back(exec::expand_command(words, l.text));
  }
  const mpi::CommandFarmResult run = mpi::run_commands(comm, farm_options);
  const exec::CommandOutcomes& o = run.outcomes;
  if (comm.rank() != 0) return o.exit_code();

  report::GraphFigures graph_run_figures;
  if (run.graph) graph_run_figures = report::graph_figures(graph.graph, *run.graph, common.threads);
  const report::ScheduleFigures figures =
      run.graph ? graph_run_figures.schedule
                : report::schedule_figures(run.farm, common.threads, run.todo.size());
  report::Record record = exec_record(comm.size(), x, farm_options, run, figures);
  if (run.graph)
    report::add_graph_figures(record["result"], graph.graph, *run.graph, graph_run_figures, x.order);
  report::add_farm_report(record, run.farm, figures, common.threads, static_cast<double>(run.todo.size()),
                          "tasks", launch_context(argv));
  std::vector<report::TraceBox> boxes;
  if (run.graph && (!x.map.trace.empty() || !x.map.gantt.empty())) {
    boxes = report::graph_trace_boxes(graph.graph, *run.graph);
  } else if (!x.map.trace.empty() || !x.map.gantt.empty()) {
    boxes = exec::command_trace_boxes(run.farm.records, run.todo, farm_options.commands);
  }
  emit(comm, record, common);  // the report first: a picture that fails must not cost it
  write_pictures(x.map, boxes, run.farm, common.threads,
                 fmt::format("parakit map exec, {}: {} ranks x {} threads, {} tasks, makespan {:.3f} s",
                             run.graph ? fmt::format("graph ({} first)", kernels::graph_order_name(x.order))
                                       : fmt::format("{} schedule", kernels::schedule_name(x.map.schedule)),
                             comm.size(), common.threads, run.todo.size(), figures.makespan_s));
  if (o.failed > 0) {
    std::cerr << fmt::format("parakit: {} of {} tasks failed{}{}\n", o.failed, run.todo.size(),
                             o.timed_out > 0 ? fmt::format(" ({} timed out)", o.timed_out) : "",
                             x.joblog.empty() ? "" : "; see " + x.joblog);
  }
  if (o.skipped > 0) {
    std::string names;
    for (std::size_t i = 0; i < o.skipped_tasks.size() && i < 10; ++i)
      names += (i > 0 ? ", " : "") +
               parakit::quoted(graph.graph.task(static_cast<kernels::TaskId>(o.skipped_tasks[i])).name);
    std::cerr << fmt::format("parakit: {} tasks skipped because a task they wait for failed: {}{}\n",
                             o.skipped, names,
                             o.skipped > 10 ? fmt::format(", ... ({} more)", o.skipped - 10) : "");
  }
  if (o.halted > 0) {
    std::cerr << fmt::format("parakit: --halt-on-failure: {} tasks not started after the first failure{}\n",
                             o.halted,
                             x.joblog.empty() ? "" : "; run them with --joblog " + x.joblog + " --resume");
  }
  if (o.not_run > 0) {
    std::cerr << fmt::format("parakit: stopped by {}: {} of {} tasks not started{}\n", x.stop_file, o.not_run,
                             run.todo.size(),
                             x.joblog.empty() ? "" : "; continue with --joblog " + x.joblog + " --resume");
  }
  return o.exit_code();
}

}  // namespace parakit::cli
