#pragma once
/// @file
/// @brief Pictures of a task farm: the boxes of a Chrome trace (chrome://tracing, ui.perfetto.dev) and of a
/// Gantt chart (exec/gnuplot.hpp draws it). One lane per rank x thread, one box per task or piece.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace parakit::report {

/// @brief One box: what ran, where, when (seconds since the common start).
struct TraceBox {
  std::string name;
  int rank = 0;
  int thread = 0;
  double start_s = 0.0;
  double end_s = 0.0;
  bool failed = false;  ///< drawn in another colour
  nlohmann::json args;  ///< shown when the box is selected in the trace viewer
};

/// @brief The Chrome trace event format ("X" complete events, microseconds): process = rank (named
/// with its host), thread = worker thread.
/// @param hosts the host of each rank; its size is the number of ranks
std::string chrome_trace(const std::vector<TraceBox>& boxes, const std::vector<std::string>& hosts,
                         int threads);

}  // namespace parakit::report
