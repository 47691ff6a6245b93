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
  /// Indices (in the same list of boxes) of the boxes this one waited for: the trace draws an arrow
  /// from the end of each to the start of this one (a task graph's dependencies; empty for a farm).
  std::vector<std::size_t> after;
};

/// @brief The Chrome trace event format ("X" complete events, microseconds): process = rank (named
/// with its host), thread = worker thread. Each dependency (TraceBox::after) is a flow, an arrow: an
/// "s" event at the predecessor's end and an "f" event ("bp":"e") at the dependent's start, one id each.
/// @param hosts the host of each rank; its size is the number of ranks
/// @throws parakit::Error if an `after` index is not a box's
std::string chrome_trace(const std::vector<TraceBox>& boxes, const std::vector<std::string>& hosts,
                         int threads);

}  // namespace parakit::report
