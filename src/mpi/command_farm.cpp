#include "parakit/mpi/command_farm.hpp"

#include <memory>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/serialization/vector.hpp>
#include <unistd.h>

#include "parakit/exec/joblog.hpp"
#include "parakit/exec/process.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/farm.hpp"

namespace parakit::mpi {

CommandFarmResult run_commands(const boost::mpi::communicator& comm, const CommandFarmOptions& options) {
  CommandFarmResult result;
  // Rank 0 decides what is left to run; a joblog that is not this run's is refused untouched.
  exec::ResumePlan plan;
  std::unique_ptr<exec::JoblogWriter> joblog;
  check_on_root(comm, [&] {
    plan = exec::plan_resume(options.joblog, options.resume, options.commands, options.task_file);
    // Everything checked: only now is anything created or changed.
    if (!options.run.results_dir.empty()) exec::prepare_results_dir(options.run.results_dir);
    if (!options.joblog.empty())
      joblog = std::make_unique<exec::JoblogWriter>(options.joblog, plan.keep_bytes, plan.fresh);
  });
  result.todo = plan.todo;
  boost::mpi::broadcast(comm, result.todo, 0);
  if (comm.rank() == 0 && options.planned) options.planned(plan);
  result.skipped_done = options.commands.size() - result.todo.size();

  const std::vector<std::uint64_t>& todo = result.todo;
  const FarmWork work = [&](std::uint64_t p, const FarmWorker& worker) {
    exec::run_task_attempts(
        {.piece = p, .task = todo[p], .rank = worker.rank(), .thread = worker.thread()},
        options.commands[todo[p]], options.run, [&worker] { return worker.now(); },
        [&worker](const FarmRecord& r) { worker.emit(r); });
  };
  const FarmSink sink = [&](const FarmRecord& r, const FarmResult& farm) {
    if (!joblog) return;
    const std::uint64_t task = todo[r.piece];
    joblog->write(exec::format_joblog_line(exec::joblog_entry(r, farm, task, options.commands[task])));
  };
  FarmOptions farm_options{.schedule = options.schedule,
                           .chunk = options.chunk,
                           .threads = options.threads,
                           .interrupt = exec::kill_running_processes,
                           .drain = {}};
  if (!options.stop_file.empty()) {
    const std::string& stop_file = options.stop_file;
    farm_options.drain = [&stop_file] { return ::access(stop_file.c_str(), F_OK) == 0; };
  }
  result.farm = run_farm(comm, todo.size(), farm_options, work, sink);

  // The outcome of each task is its last attempt; every rank returns the same exit code.
  if (comm.rank() == 0) {
    result.outcomes =
        exec::summarize_attempts(result.farm.records, todo, options.commands, result.farm.drained);
  }
  boost::mpi::broadcast(comm, result.outcomes.failed, 0);
  boost::mpi::broadcast(comm, result.outcomes.not_run, 0);
  return result;
}

}  // namespace parakit::mpi
