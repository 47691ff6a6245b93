#pragma once
/// @file
/// @brief The MPI layer's heat run: a Cartesian grid of ranks, rank 0's initial field scattered as
/// blocks (subarray datatypes), the halos exchanged every `halo` steps (blocking send-receive,
/// nonblocking overlapped with the interior, or an MPI-3 shared-memory window between ranks of one
/// node), a residual all-reduced every `check` steps, and the final field gathered back to rank 0.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <boost/mpi/communicator.hpp>

#include "parakit/kernels/heat.hpp"
#include "parakit/mpi/repeat.hpp"
#include "parakit/report/heat_stats.hpp"
#include "parakit/report/run_stats.hpp"

namespace parakit::mpi {

/// @brief How the halos move; every mode gives the same field to the bit.
enum class Exchange {
  kBlocking,  ///< MPI_Sendrecv with each neighbour, then the update
  kOverlap,   ///< MPI_Isend/Irecv, the interior updated while they fly, the block's frame after
  kShared,    ///< neighbours on this node read straight from their MPI-3 shared window; others as kOverlap
};

/// @brief "blocking", "overlap", "shared".
const char* exchange_name(Exchange exchange);
/// @brief The mode called @p name. @throws parakit::UsageError naming `--exchange` and the names.
Exchange parse_exchange(const std::string& name);

/// @brief What to run.
struct HeatOptions {
  kernels::heat::GridSize grid;  ///< the whole grid
  std::int64_t steps = 0;        ///< time steps (>= 0)
  double r = 0.25;               ///< diffusion number, 0 < r <= kernels::heat::kMaxR
  kernels::heat::Boundary bc = kernels::heat::Boundary::kFixed;
  Exchange exchange = Exchange::kBlocking;
  int halo = 1;                   ///< halo width K: exchanged every K steps (1 <= K <= every block's sides)
  kernels::heat::GridSize procs;  ///< process rows x columns; {0, 0}: MPI_Dims_create
  std::int64_t check = 0;         ///< residual max|du| every K steps, and at the last step (0: only there)
  double tol = 0.0;        ///< stop after a checked step whose residual is <= tol (0: never stop early)
  std::int64_t every = 0;  ///< > 0: call `frame` with the field every K steps (and at step 0 and the end)
  /// Rank 0, last run only: the whole field (row-major) after @p step steps. Its time (the gather and
  /// the call) counts in that run's compute phase, in none of the per-rank figures.
  std::function<void(std::int64_t step, std::span<const double> field)> frame;
};

/// @brief A run's outcome; complete on rank 0 only.
struct HeatResult {
  std::vector<double> field;  ///< the final field, row-major (rank 0)
  std::int64_t steps_done = 0;
  double residual = 0.0;  ///< the last checked residual (NaN when no step ran)
  std::vector<std::pair<std::int64_t, double>> residuals;  ///< (step, residual) of every check
  kernels::heat::GridSize procs;                           ///< the process grid used
  std::vector<report::HeatRankStats> per_rank;             ///< by rank
  report::RunStats stats;  ///< per run: partition, scatter, compute (the steps), reduce (the gather)
};

/// @brief Runs the heat stencil from @p initial (rank 0: the whole field, row-major; ignored elsewhere)
/// options.warmup + options.repeat times on every rank of @p comm, each run from the initial field.
/// @note Collective over @p comm: every rank passes the same @p heat (but `frame`) and repeat counts.
/// @throws parakit::UsageError, on every rank, when the options cannot run on this many ranks (a process
/// grid that does not multiply to the rank count, a grid smaller than the process grid, a halo deeper
/// than a block, an r outside (0, 1/4]); parakit::Error, on every rank, naming the step, the rank and
/// the cell, when a value stops being finite; parakit::WrongAnswer when two runs end differently.
HeatResult run_heat(const boost::mpi::communicator& comm, const std::vector<double>& initial,
                    const HeatOptions& heat, const RunOptions& options);

namespace detail {

/// @brief run_heat with the ranks that share memory given as @p node (a communicator over the ranks of
/// @p comm that may share a window, each in the same order as in @p comm): what kShared uses for its
/// window. run_heat passes MPI_Comm_split_type(MPI_COMM_TYPE_SHARED); tests split a node artificially
/// to exercise the mix of windows and messages.
HeatResult run_heat(const boost::mpi::communicator& comm, const boost::mpi::communicator& node,
                    const std::vector<double>& initial, const HeatOptions& heat, const RunOptions& options);

}  // namespace detail

}  // namespace parakit::mpi
