#include "parakit/mpi/command_farm.hpp"

#include <filesystem>
#include <memory>
#include <system_error>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/serialization/vector.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/exec/joblog.hpp"
#include "parakit/exec/process.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/farm.hpp"
#include "parakit/mpi/task_graph.hpp"
#include "parakit/sys.hpp"

namespace parakit::mpi {
namespace {

// Rank 0, before anything runs: the journals' lines the joblog lacks go into it, and only once they are
// on disk are the journals removed (a crash in between leaves both, and the next run merges again:
// lines already in the joblog are not added twice).
void merge_journals(exec::JoblogWriter* joblog, const exec::ResumePlan& plan) {
  if (joblog != nullptr) {
    for (const std::string& line : plan.journal_lines)
      joblog->write(line);
    if (!plan.journal_lines.empty()) joblog->sync();
  }
  for (const std::string& journal : plan.journals) {
    std::error_code ec;
    std::filesystem::remove(journal, ec);
  }
}

// What a failed task's last attempt was, for the graph's report (one line).
std::string attempt_error(const FarmRecord& r) {
  const auto status = static_cast<exec::Status>(r.status);
  return fmt::format("{}: exit {}{}, attempt {}", exec::status_name(status), r.exit_code,
                     r.signal != 0 ? fmt::format(", signal {}", r.signal) : "", r.attempt);
}

// The graph of options.graph run by mpi::run_graph: each task as the farm runs one (@p work_of), ok
// iff its last attempt succeeded. Tasks the joblog shows done (not in @p todo) are done before.
report::GraphResult run_command_graph(const boost::mpi::communicator& comm, const CommandFarmOptions& options,
                                      const std::vector<std::uint64_t>& todo,
                                      const std::function<void(std::uint64_t, const FarmWorker&)>& attempts,
                                      const FarmSink& sink, std::function<bool()> drain) {
  const kernels::TaskGraph& graph = *options.graph;
  GraphOptions graph_options{.threads = options.threads,
                             .order = options.order,
                             .priority = {},
                             .stop_on_failure = options.halt_on_failure,
                             .done_before = std::vector<bool>(graph.size(), true),
                             .keep = {},
                             .keep_exits = false,
                             .interrupt = exec::kill_running_processes,
                             .drain = std::move(drain)};
  for (const std::uint64_t t : todo)
    graph_options.done_before[t] = false;
  const GraphWork work = [&](kernels::TaskId task, const std::vector<const std::string*>& /*inputs*/,
                             const FarmWorker& worker) {
    // The records go on to rank 0 as the farm's do; the last one says how the task ended.
    FarmRecord last;
    const FarmWorker recorder(
        worker.rank(), worker.thread(), worker.start_unix_s(), [&worker] { return worker.now(); },
        [&worker, &last](const FarmRecord& r) {
          last = r;
          worker.emit(r);
        });
    attempts(task, recorder);
    return GraphTaskOutcome{.ok = last.status == 0, .value = last.status == 0 ? "" : attempt_error(last)};
  };
  return run_graph(comm, graph, graph_options, work, sink);
}

}  // namespace

CommandFarmResult run_commands(const boost::mpi::communicator& comm, const CommandFarmOptions& options) {
  CommandFarmResult result;
  // Rank 0 decides what is left to run; a joblog that is not this run's is refused untouched.
  exec::ResumePlan plan;
  // Rank 0: the joblog. The other ranks: their journal (exec::journal_path).
  std::unique_ptr<exec::JoblogWriter> joblog;
  PARAKIT_REQUIRE(options.graph == nullptr || options.graph->size() == options.commands.size(),
                  "one command per task of the graph");
  const bool is_graph = options.graph != nullptr;
  check_on_root(comm, [&] {
    plan = exec::plan_resume(options.joblog, options.resume, options.commands, options.task_file,
                             is_graph ? options.graph_fingerprint : "");
    // Everything checked: only now is anything created or changed.
    if (!options.run.results_dir.empty()) exec::prepare_results_dir(options.run.results_dir);
    if (!options.joblog.empty()) {
      joblog = std::make_unique<exec::JoblogWriter>(options.joblog, plan.keep_bytes, plan.fresh,
                                                    is_graph ? options.graph_fingerprint : "");
      merge_journals(joblog.get(), plan);
    }
  });
  result.todo = plan.todo;
  boost::mpi::broadcast(comm, result.todo, 0);
  if (comm.rank() == 0 && options.planned) options.planned(plan);
  result.skipped_done = options.commands.size() - result.todo.size();
  const std::string journal =
      options.joblog.empty() || comm.rank() == 0 ? "" : exec::journal_path(options.joblog, comm.rank());
  check_on_every_rank(comm, [&] {
    if (!journal.empty())
      joblog =
          std::make_unique<exec::JoblogWriter>(journal, 0, true, is_graph ? options.graph_fingerprint : "");
  });

  // The line of an attempt is written by the rank that ran it, before it reports the attempt: by the
  // command's supervisor the moment it has reaped the command (exec::EndLine), else by the worker
  // (exec::run_task_attempts), with one write(2) each. So nobody counts an attempt that is not logged,
  // and an attempt that ended is logged even when its rank, or rank 0, dies right after. Rank 0's
  // attempts go to the joblog, the other ranks' to their journals, and rank 0's main thread copies
  // the other ranks' reports into the joblog as they arrive. A write is in the kernel when it returns:
  // it survives any process; only a crash of the machine can lose it before the fdatasync at the end.
  // A graph's pieces are its tasks; a list's piece p is task todo[p].
  const std::vector<std::uint64_t>& todo = result.todo;
  const auto task_of = [&](std::uint64_t piece) { return is_graph ? piece : todo[piece]; };
  const std::string host = sys::hostname();
  const FarmWork work = [&](std::uint64_t p, const FarmWorker& worker) {
    exec::run_task_attempts(
        {.piece = p, .task = task_of(p), .rank = worker.rank(), .thread = worker.thread()},
        options.commands[task_of(p)], options.run, [&worker] { return worker.now(); },
        [&worker](const FarmRecord& r) { worker.emit(r); },
        {.writer = joblog.get(), .start_unix_s = worker.start_unix_s(), .host = host});
  };
  const FarmSink sink = [&](const FarmRecord& r, const FarmResult& farm) {
    if (!joblog || r.rank == 0) return;  // rank 0's own attempts are logged already
    const std::uint64_t task = task_of(r.piece);
    joblog->write(exec::format_joblog_line(exec::joblog_entry(r, farm, task, options.commands[task])));
  };
  std::function<bool()> drain;
  if (!options.stop_file.empty()) {
    const std::string& stop_file = options.stop_file;
    drain = [&stop_file] { return ::access(stop_file.c_str(), F_OK) == 0; };
  }
  if (is_graph) {
    result.graph = run_command_graph(comm, options, todo, work, sink, drain);
    result.farm = result.graph->farm;
    // The skipped tasks have no attempt: rank 0 logs them once the run is over, so that the joblog
    // shows every task of the graph (and --resume runs them again).
    if (comm.rank() == 0 && joblog) {
      const double end_unix_s = result.farm.start_unix_s + result.farm.elapsed_s;
      for (kernels::TaskId t = 0; t < options.graph->size(); ++t) {
        if (result.graph->states[t] == kernels::TaskState::kSkipped)
          joblog->write(exec::format_joblog_line(exec::skipped_entry(t, end_unix_s, options.commands[t])));
      }
    }
  } else {
    const FarmOptions farm_options{.schedule = options.schedule,
                                   .chunk = options.chunk,
                                   .threads = options.threads,
                                   .interrupt = exec::kill_running_processes,
                                   .drain = drain};
    result.farm = run_farm(comm, todo.size(), farm_options, work, sink);
  }
  // run_farm returns once rank 0 has logged every report (its last step is a barrier): a journal is
  // no longer needed. The joblog goes to disk once, at the end (one fdatasync per line would cost
  // milliseconds per task).
  if (comm.rank() == 0 && joblog) joblog->sync();
  joblog.reset();
  if (!journal.empty()) {
    std::error_code ec;
    std::filesystem::remove(journal, ec);
  }

  // The outcome of each task is its last attempt; every rank returns the same exit code.
  if (comm.rank() == 0 && is_graph) {
    std::vector<bool> done_before(options.commands.size(), true);
    for (const std::uint64_t t : todo)
      done_before[t] = false;
    result.outcomes = exec::summarize_graph_attempts(result.farm.records, result.graph->states, done_before,
                                                     options.commands, result.farm.drained);
  } else if (comm.rank() == 0) {
    result.outcomes =
        exec::summarize_attempts(result.farm.records, todo, options.commands, result.farm.drained);
  }
  boost::mpi::broadcast(comm, result.outcomes.failed, 0);
  boost::mpi::broadcast(comm, result.outcomes.not_run, 0);
  boost::mpi::broadcast(comm, result.outcomes.skipped, 0);
  boost::mpi::broadcast(comm, result.outcomes.halted, 0);
  return result;
}

}  // namespace parakit::mpi
