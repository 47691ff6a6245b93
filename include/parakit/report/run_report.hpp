#pragma once
/// @file
/// @brief The part of a record every kernel run shares: timing, throughput, phases, ranks, layout warnings
/// and the launch context. Computed from plain RunStats; no MPI.

#include <string>
#include <string_view>
#include <vector>

#include "parakit/report/record.hpp"
#include "parakit/report/run_stats.hpp"

namespace parakit::report {

/// @brief Facts about the launch that every record carries under `context`.
struct Context {
  std::vector<std::string> argv;  ///< the command line as given
  std::string mpi_library;        ///< the MPI library's version line
  std::string mpi_version;        ///< the MPI standard version
  std::string mpi_thread_level;   ///< the thread support granted
  std::string transports;         ///< which transports were chosen, and why (mpi::TransportChoice)
};

/// @brief Adds the common run report to @p record: `timing` (n, min, median, mean, stdev, max over
/// the repeats, in seconds), `throughput_per_s` (@p work_units / median time) and its per-core share,
/// `phases` (each phase's max over ranks, median over repeats, and the load imbalance), `per_rank`,
/// `warnings` (layout_warnings) and `context`. @p unit names the work unit, e.g. "samples".
void add_run_report(Record& record, const RunStats& stats, double work_units, std::string_view unit,
                    const Context& context);

/// @brief The record's `context`: command line (each argument quoted for a POSIX shell where it needs
/// it), build, MPI, OpenMP (its OMP_* variables and runtime settings), @p hosts, UTC time, and under
/// Slurm the job (`slurm`: ids and counts as numbers).
Record context_record(const Context& context, const std::vector<std::string>& hosts);

/// @brief Warnings about the layout, one sentence each: every host where the ranks run more threads
/// than the CPUs they may use together (their timings then measure sharing, not scaling). Ranks whose
/// CPUs are not known (empty `cpu_ids`) claim nothing.
std::vector<std::string> layout_warnings(const RunStats& stats);

}  // namespace parakit::report
