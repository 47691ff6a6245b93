#pragma once
/// @file
/// @brief How well a task farm kept its workers busy, measured from its records, and the common run
/// report of a farm: the record fields `parakit map pi` and `parakit map exec` share. No MPI.

#include <cstdint>
#include <string_view>

#include "parakit/report/farm_record.hpp"
#include "parakit/report/record.hpp"
#include "parakit/report/run_report.hpp"

namespace parakit::report {

/// @brief The figures of kernels::ScheduleResult, measured instead of simulated. Seconds.
struct ScheduleFigures {
  double makespan_s = 0.0;     ///< when the last record ended, since the common start
  double lower_bound_s = 0.0;  ///< max(busy total / workers, the longest piece's total): no schedule beats it
  double busy_total_s = 0.0;   ///< the records' durations, summed
  double efficiency = 0.0;     ///< busy / (workers x makespan); 1 when nothing ran
  double imbalance = 1.0;      ///< the busiest worker's busy time / the mean; 1 when nothing ran
  /// One entry per worker (rank-major): rank, thread, host, runs, busy_s, idle_s (makespan - busy).
  Record workers = Record::array();
};

/// @brief The schedule figures of @p farm, whose ranks each ran @p threads workers on @p pieces pieces.
/// Every attempt counts (a piece's time is the sum of its attempts).
/// @pre threads >= 1, farm.per_rank holds every rank, every record's piece < @p pieces, and its rank and
/// thread are those of a worker. Not collective: rank 0 has the records.
ScheduleFigures schedule_figures(const FarmResult& farm, int threads, std::uint64_t pieces);

/// @brief Adds makespan_s, lower_bound_s, efficiency, imbalance and workers of @p figures to @p result.
void add_schedule_figures(Record& result, const ScheduleFigures& figures);

/// @brief The run statistics of a farm, as one timed run: its total is farm.elapsed_s, its compute phase
/// the makespan and its reduce phase the rest; a rank's compute time is its workers' busy time over
/// @p threads; the imbalance is that of the ranks' busy times.
RunStats farm_run_stats(const FarmResult& farm, const ScheduleFigures& figures, int threads);

/// @brief Adds the common run report (add_run_report) of farm_run_stats to @p record: @p work units of
/// kind @p unit (for example "samples", "tasks") done in farm.elapsed_s.
void add_farm_report(Record& record, const FarmResult& farm, const ScheduleFigures& figures, int threads,
                     double work, std::string_view unit, const Context& context);

}  // namespace parakit::report
