#include "parakit/mpi/command_farm.hpp"

#include <filesystem>
#include <memory>
#include <system_error>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/serialization/vector.hpp>
#include <unistd.h>

#include "parakit/exec/joblog.hpp"
#include "parakit/exec/process.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/farm.hpp"
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

}  // namespace

CommandFarmResult run_commands(const boost::mpi::communicator& comm, const CommandFarmOptions& options) {
  CommandFarmResult result;
  // Rank 0 decides what is left to run; a joblog that is not this run's is refused untouched.
  exec::ResumePlan plan;
  // Rank 0: the joblog. The other ranks: their journal (exec::journal_path).
  std::unique_ptr<exec::JoblogWriter> joblog;
  check_on_root(comm, [&] {
    plan = exec::plan_resume(options.joblog, options.resume, options.commands, options.task_file);
    // Everything checked: only now is anything created or changed.
    if (!options.run.results_dir.empty()) exec::prepare_results_dir(options.run.results_dir);
    if (!options.joblog.empty()) {
      joblog = std::make_unique<exec::JoblogWriter>(options.joblog, plan.keep_bytes, plan.fresh);
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
    if (!journal.empty()) joblog = std::make_unique<exec::JoblogWriter>(journal, 0, true);
  });

  // The line of an attempt is written by the rank that ran it, before it reports the attempt: by the
  // command's supervisor the moment it has reaped the command (exec::EndLine), else by the worker
  // (exec::run_task_attempts), with one write(2) each. So nobody counts an attempt that is not logged,
  // and an attempt that ended is logged even when its rank, or rank 0, dies right after. Rank 0's
  // attempts go to the joblog, the other ranks' to their journals, and rank 0's main thread copies
  // the other ranks' reports into the joblog as they arrive. A write is in the kernel when it returns:
  // it survives any process; only a crash of the machine can lose it before the fdatasync at the end.
  const std::vector<std::uint64_t>& todo = result.todo;
  const std::string host = sys::hostname();
  const FarmWork work = [&](std::uint64_t p, const FarmWorker& worker) {
    exec::run_task_attempts(
        {.piece = p, .task = todo[p], .rank = worker.rank(), .thread = worker.thread()},
        options.commands[todo[p]], options.run, [&worker] { return worker.now(); },
        [&worker](const FarmRecord& r) { worker.emit(r); },
        {.writer = joblog.get(), .start_unix_s = worker.start_unix_s(), .host = host});
  };
  const FarmSink sink = [&](const FarmRecord& r, const FarmResult& farm) {
    if (!joblog || r.rank == 0) return;  // rank 0's own attempts are logged already
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
  if (comm.rank() == 0) {
    result.outcomes =
        exec::summarize_attempts(result.farm.records, todo, options.commands, result.farm.drained);
  }
  boost::mpi::broadcast(comm, result.outcomes.failed, 0);
  boost::mpi::broadcast(comm, result.outcomes.not_run, 0);
  return result;
}

}  // namespace parakit::mpi
