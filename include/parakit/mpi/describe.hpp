#pragma once
/// @file
/// @brief describe() of a column spread over the ranks (as mpi::read_column leaves it): pandas'
/// describe() plus the missing values and a histogram, computed with OpenMP threads on every rank and
/// reduced so that the result does not depend on the layout, bit for bit.

#include <cstdint>
#include <vector>

#include <boost/mpi/communicator.hpp>

#include "parakit/kernels/describe.hpp"
#include "parakit/mpi/read_column.hpp"
#include "parakit/report/run_stats.hpp"

namespace parakit::mpi {

/// @brief What describe() computes.
struct DescribeOptions {
  std::size_t bins = 10;                              ///< histogram bins from min to max (>= 1)
  std::vector<double> quantiles = {0.25, 0.5, 0.75};  ///< in [0, 1]
  int threads = 1;                                    ///< OpenMP threads of this rank (>= 1)
};

/// @brief The statistics, complete on every rank except the histogram counts (rank 0 only).
struct Description {
  kernels::describe::Moments moments;
  std::vector<double> quantiles;      ///< one per DescribeOptions::quantiles
  std::vector<double> edges;          ///< histogram edges (bins + 1; empty without finite values)
  std::vector<std::uint64_t> counts;  ///< histogram counts (rank 0; empty elsewhere)
  int selection_rounds = 0;           ///< key-histogram rounds the quantiles needed
  bool full_rescan = false;           ///< whether the sample missed a quantile (one more pass)
};

/// @brief describe() of the column spread over the ranks of @p comm: block summaries combined in global
/// block order on rank 0 (layout-independent sums), a histogram, and exact quantiles (pandas' linear
/// interpolation) by distributed selection, where only the values near each wanted order statistic
/// travel. The result does not depend on how the rows are spread or on the thread counts, bit for bit.
/// Adds its compute and reduce times (seconds) to @p phases.
/// @note Collective over @p comm: every rank passes the same options except threads.
/// @throws parakit::Error if options.threads < 1.
Description describe(const boost::mpi::communicator& comm, const LocalColumn& column,
                     const DescribeOptions& options, report::PhaseTimes& phases);

}  // namespace parakit::mpi
