#pragma once
/// @file
/// @brief `parakit stats` as one library call: read a column (mpi::read_column), apply an expression to
/// it, describe it (mpi::describe), repeated and timed by mpi::repeat, with every run checked to give the
/// same statistics bit for bit.

#include <cstddef>
#include <vector>

#include <boost/mpi/communicator.hpp>

#include "parakit/kernels/expression.hpp"
#include "parakit/mpi/describe.hpp"
#include "parakit/mpi/read_column.hpp"
#include "parakit/mpi/repeat.hpp"
#include "parakit/report/run_stats.hpp"

namespace parakit::mpi {

/// @brief What to read, what to compute, how often.
struct DescribeFileOptions {
  InputSpec input;                                    ///< the file, its column and the read strategy
  std::size_t bins = 10;                              ///< histogram bins (>= 1)
  std::vector<double> quantiles = {0.25, 0.5, 0.75};  ///< in [0, 1]
  /// Applied to every value after reading (in place, run.threads threads); none when null. Not owned: it
  /// must outlive the call.
  const kernels::Expression* apply = nullptr;
  RunOptions run;  ///< threads per rank (reading, applying, describing), repeat and warmup counts
};

/// @brief What describe_file found.
struct FileDescription {
  Description description;     ///< of the last run (every run's is the same, checked)
  ReadInfo read;               ///< of the last run; read_s and scatter_s are this rank's
  double read_max_s = 0.0;     ///< the last run's read_s of the slowest rank (rank 0 only)
  double scatter_max_s = 0.0;  ///< the last run's scatter_s of the slowest rank (rank 0 only)
  report::RunStats stats;      ///< the timed runs (complete on rank 0). Phases: scatter_s is reading,
                               ///< compute_s applying and describing, reduce_s describe()'s reductions
};

/// @brief Every run (run.warmup + run.repeat of them) reads the column of options.input, applies
/// options.apply and describes it: the timing covers opening, reading, parsing, applying, computing and
/// reducing; the column is released after each run, untimed.
/// @note Collective over @p comm: every rank passes the same options except run.threads.
/// @throws parakit::UsageError on every rank for bad input (see read_column); parakit::WrongAnswer on
/// rank 0 when a run computes other statistics than run 1 ("run R of N computed different statistics
/// than run 1"), which rank 0's error path ends.
FileDescription describe_file(const boost::mpi::communicator& comm, const DescribeFileOptions& options);

}  // namespace parakit::mpi
