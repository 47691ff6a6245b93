#include "parakit/mpi/pi_farm.hpp"

#include "parakit/kernels/monte_carlo_pi.hpp"
#include "parakit/mpi/farm.hpp"

namespace parakit::mpi {

PiTasksResult run_pi_tasks(const boost::mpi::communicator& comm, const PiTasksOptions& options) {
  PiTasksResult result;
  result.pieces = kernels::schedule_pieces(options.samples, options.schedule, options.chunk);
  const std::vector<kernels::Chunk>& pieces = result.pieces;
  const std::uint64_t seed = options.seed;
  const FarmWork work = [&](std::uint64_t p, const FarmWorker& worker) {
    const kernels::Chunk& piece = pieces[p];
    FarmRecord r;
    r.piece = p;
    r.start_s = worker.now();
    r.value = kernels::count_inside(kernels::task_stream_seed(seed, piece.task), piece.first, piece.last);
    r.end_s = worker.now();
    worker.emit(r);
  };
  const FarmOptions farm_options{.schedule = options.schedule,
                                 .chunk = options.chunk,
                                 .threads = options.threads,
                                 .interrupt = {},
                                 .drain = {}};
  result.farm =
      run_farm(comm, pieces.size(), farm_options, work, [](const FarmRecord&, const FarmResult&) {});
  if (comm.rank() == 0)
    result.tasks = report::tally_pieces(result.farm.records, pieces, options.samples.size());
  return result;
}

}  // namespace parakit::mpi
