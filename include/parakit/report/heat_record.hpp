#pragma once
/// @file
/// @brief The run record of `parakit heat` (schema parakit.run/1, kernel "heat"): what was asked (grid,
/// steps, exchange, halo, process grid, boundary, initial field, r, check, tol), the layout-independent
/// result (steps done, residual, the final field's checksum, sum, min, max), the residual history, the
/// common run report, and per rank its block and where its time went (update vs halo exchange). Also the
/// rank tables its text report shows. Plain data in, a Record out: no MPI.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "parakit/kernels/heat.hpp"
#include "parakit/report/heat_stats.hpp"
#include "parakit/report/record.hpp"
#include "parakit/report/run_report.hpp"
#include "parakit/report/run_stats.hpp"

namespace parakit::report {

/// @brief What a heat run was asked to do, as its record states it.
struct HeatSetup {
  kernels::heat::GridSize grid;   ///< the whole grid
  std::int64_t steps = 0;         ///< steps asked for
  std::string exchange;           ///< the exchange mode's name: "blocking", "overlap", "shared"
  int halo = 1;                   ///< halo width K (exchanged every K steps)
  kernels::heat::GridSize procs;  ///< the process grid used (rows x columns of ranks)
  kernels::heat::Boundary bc = kernels::heat::Boundary::kFixed;
  kernels::heat::Init init = kernels::heat::Init::kHotspot;  ///< the initial field, when not read
  std::string input;          ///< the file the initial field was read from; empty: built from `init`
  std::string input_type;     ///< "binary" or "hdf5", with @p input
  std::string input_dataset;  ///< the HDF5 dataset, with an HDF5 @p input
  double r = 0.25;            ///< diffusion number
  std::uint64_t seed = 0;     ///< the seed of the random initial field
  std::int64_t check = 0;     ///< residual every K steps (0: only at the end)
  double tol = 0.0;           ///< stop early once the residual is <= tol (0: never)
  std::string output;         ///< the final field's file (empty: not written)
  std::string png;            ///< the final field's picture (empty: none)
  std::string png_dir;        ///< the frames' directory (empty: none)
  std::int64_t every = 0;     ///< a frame every K steps (with @p png_dir)
};

/// @brief How a heat run ended, as rank 0 knows it.
struct HeatOutcome {
  std::int64_t steps_done = 0;
  double residual = 0.0;                                   ///< the last checked residual (NaN: no step)
  std::vector<std::pair<std::int64_t, double>> residuals;  ///< (step, residual) of every check
  kernels::heat::FieldSummary field;                       ///< the final field's summary
  std::vector<HeatRankStats> per_rank;                     ///< by rank
};

/// @brief The final field's checksum as the record writes it: 16 lower-case hex digits.
std::string checksum_text(std::uint64_t checksum);

/// @brief The record of a heat run: `schema`, `kernel` "heat", `ranks`, `threads_per_rank`, `grid`
/// {rows, cols}, `cells`, `process_grid` [P, Q], `exchange`, `halo`, `bc`, `init` (or `input`,
/// `input_type`, `dataset`), `r`, `steps`, `check`, `tol`, `seed` (and `output`, `png`, `png_dir`,
/// `every` when given); `result` {steps_done, residual, checksum, sum, min, max}, which holds only what
/// every layout computes alike; `steps_done`, `cell_updates` (cells x steps done: the work studies
/// count), `cell_updates_per_s` (over the median time); `residuals` [[step, value], ...]; the common
/// run report (add_run_report, unit "cell_updates"); and in each `per_rank` entry the rank's `coords`
/// [row, col], `block` {row0, col0, rows, cols}, `update_s`, `exchange_s`, `hidden_s`, `check_s`,
/// `exchange_share` (exchange_s / (update_s + exchange_s), 0 when both are 0), `bytes_sent`,
/// `messages_sent`, `bytes_read_shared`, `shared_neighbours`, `message_neighbours`.
/// @pre @p outcome.per_rank has one entry per rank of @p stats, in rank order.
/// @throws parakit::Error when it does not.
Record heat_record(const HeatSetup& setup, const HeatOutcome& outcome, const RunStats& stats,
                   const Context& context);

/// @brief The rank tables the text report shows for a heat record, each an array of rows (objects whose
/// keys are the columns): where each rank ran (the per_rank columns every run has), then its block and
/// what its time went to (`rank`, `block` "ROWSxCOLS at (ROW0,COL0)", `update_s`, `exchange_s`,
/// `hidden_s`, `check_s`, `exchange_share`, `sent_bytes`, `messages`, `read_shared_bytes`). Empty for any
/// other record, whose per_rank table is printed as it is.
std::vector<Record> heat_rank_tables(const Record& record);

}  // namespace parakit::report
