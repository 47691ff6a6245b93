#pragma once
/// @file
/// @brief The results of a farm whose tasks were cut into pieces (`parakit map pi`), summed per task once
/// every piece is checked to have come back exactly once; and the trace boxes of those pieces. No MPI.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "parakit/kernels/partition.hpp"
#include "parakit/report/farm_record.hpp"
#include "parakit/report/trace.hpp"

namespace parakit::report {

/// @brief One task's pieces, summed.
struct TaskTally {
  std::uint64_t value = 0;   ///< the sum of its pieces' FarmRecord::value (map pi: points inside)
  double busy_s = 0.0;       ///< the sum of its pieces' durations, seconds
  std::uint64_t pieces = 0;  ///< how many pieces it had
};

/// @brief Sums @p records per task, piece p of the farm being @p pieces[p] (of task pieces[p].task < @p
/// tasks).
/// @return One entry per task, in task order.
/// @throws parakit::WrongAnswer unless every piece came back exactly once (a record of a piece that does
/// not exist, one twice, or one missing): that is a bug of the farm, not noise.
std::vector<TaskTally> tally_pieces(const std::vector<FarmRecord>& records,
                                    std::span<const kernels::Chunk> pieces, std::uint64_t tasks);

/// @brief One trace box per record, named `task T`, or `task T [first, last)` when @p with_range (pieces
/// cut from tasks); its args are task, first, last and the record's value under @p value_name.
/// @pre every record's piece indexes @p pieces.
std::vector<TraceBox> piece_trace_boxes(const std::vector<FarmRecord>& records,
                                        std::span<const kernels::Chunk> pieces, bool with_range,
                                        std::string_view value_name);

}  // namespace parakit::report
