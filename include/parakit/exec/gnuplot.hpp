#pragma once
/// @file
/// @brief Pictures drawn by gnuplot, run as a process: the Gantt chart of a task farm or graph and the
/// studies' plots. Each picture is written whole or not at all. No MPI.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parakit/report/trace.hpp"

namespace parakit::exec {

/// @brief The gnuplot script of write_gantt_png: one box per line of @p data_path (lane, start, end,
/// failed), and, when boxes wait for others (TraceBox::after), a thin arrow from the end of each
/// predecessor's box to the start of the dependent's (inline, as `$arrows`); drawn into @p png_path.
/// @throws parakit::Error if an `after` index is not a box's.
std::string gantt_script(const std::vector<report::TraceBox>& boxes, int ranks, int threads,
                         const std::string& title, const std::string& data_path, const std::string& png_path);

/// @brief Draws the boxes as a Gantt chart into the PNG file @p path with gnuplot (whole or not at all).
/// @throws parakit::Error when gnuplot is missing or fails, with its message.
void write_gantt_png(const std::string& path, const std::vector<report::TraceBox>& boxes, int ranks,
                     int threads, const std::string& title);

/// @brief Runs the gnuplot script @p script on @p csv (written to a temporary file whose path the script
/// gets as the variable `csv`) and writes each picture whole or not at all: for each (variable, path) of
/// @p pictures the script gets `variable` = a temporary PNG path, copied to `path` afterwards. Also
/// sets `title`. Used for the studies' plots, whose scripts live in scripts/ for users to restyle.
/// @param option The option that asked for the pictures, for messages.
/// @throws parakit::Error when gnuplot is missing or fails, with its message.
void plot_csv(const std::string& script, const std::string& csv,
              const std::vector<std::pair<std::string, std::string>>& pictures, const std::string& title,
              std::string_view option);

}  // namespace parakit::exec
