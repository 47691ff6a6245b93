#pragma once
/// @file
/// @brief Pictures of a task farm: a Chrome trace (chrome://tracing, ui.perfetto.dev) and a Gantt chart
/// drawn by gnuplot. One lane per rank x thread, one box per task or piece.

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

/// @brief Draws the boxes as a Gantt chart into the PNG file @p path with gnuplot (whole or not at all).
/// @throws parakit::Error when gnuplot is missing or fails, with its message.
void write_gantt_png(const std::string& path, const std::vector<TraceBox>& boxes, int ranks, int threads,
                     const std::string& title);

/// @brief Runs the gnuplot script @p script on @p csv (written to a temporary file whose path the script
/// gets as the variable `csv`) and writes each picture whole or not at all: for each (variable, path) of
/// @p pictures the script gets `variable` = a temporary PNG path, copied to `path` afterwards. Also
/// sets `title`. Used for the studies' plots, whose scripts live in scripts/ for users to restyle.
/// @param option The option that asked for the pictures, for messages.
/// @throws parakit::Error when gnuplot is missing or fails, with its message.
void plot_csv(const std::string& script, const std::string& csv,
              const std::vector<std::pair<std::string, std::string>>& pictures, const std::string& title,
              std::string_view option);

}  // namespace parakit::report
