#pragma once
/// @file
/// @brief What a task farm (`parakit map`, mpi::run_farm) measured: one record per attempt at a piece,
/// and the run's ranks and times. Plain data, no MPI: the MPI-free code that turns a farm into a report
/// (report/farm_report.hpp, exec/command_farm.hpp) reads it without the MPI layer.

#include <cstdint>
#include <type_traits>
#include <vector>

#include "parakit/report/run_stats.hpp"

namespace parakit::report {

/// @brief What happened to one attempt at a piece. Plain bytes: it travels as MPI_BYTE.
struct FarmRecord {
  std::uint64_t piece = 0;   ///< index of the piece
  std::uint64_t value = 0;   ///< the work's result (for example points inside the quarter disc)
  double start_s = 0.0;      ///< since the common start of the farm (a barrier)
  double end_s = 0.0;        ///< since the common start
  std::int32_t rank = 0;     ///< who ran it
  std::int32_t thread = 0;   ///< worker thread within the rank, from 0
  std::int32_t attempt = 1;  ///< 1 for the first try
  std::int32_t status = 0;   ///< work-defined; 0 means success
  std::int32_t exit_code = 0;
  std::int32_t signal = 0;
};
static_assert(std::is_trivially_copyable_v<FarmRecord>);

/// @brief What the farm measured. Complete on rank 0 only.
struct FarmResult {
  std::vector<FarmRecord> records;  ///< every record, in arrival order
  std::vector<RankInfo> per_rank;   ///< host, pid, threads and CPUs of each rank (compute_s unset)
  double start_unix_s = 0.0;        ///< the common start as Unix time (rank 0's clock)
  double elapsed_s = 0.0;           ///< from the common start until rank 0 had every record
  /// The farm's drain fired (before the start, or while the farm ran): pieces without a record were never
  /// started. Without a drain every piece has a record.
  bool drained = false;
};

}  // namespace parakit::report
