#include "parakit/report/piece_tally.hpp"

#include <string>

#include <fmt/format.h>

#include "parakit/error.hpp"

namespace parakit::report {

std::vector<TaskTally> tally_pieces(const std::vector<FarmRecord>& records,
                                    std::span<const kernels::Chunk> pieces, std::uint64_t tasks) {
  std::vector<TaskTally> tally(tasks);
  std::vector<std::uint64_t> seen(pieces.size(), 0);
  for (const FarmRecord& r : records) {
    if (r.piece >= pieces.size() || seen[r.piece]++ != 0) {
      throw WrongAnswer(fmt::format("task farm: piece {} came back twice or does not exist", r.piece));
    }
    const std::uint64_t task = pieces[r.piece].task;
    PARAKIT_REQUIRE(task < tasks, "piece " + std::to_string(r.piece) + " of a task in the list");
    tally[task].value += r.value;
    tally[task].busy_s += r.end_s - r.start_s;
    ++tally[task].pieces;
  }
  if (records.size() != pieces.size()) {
    throw WrongAnswer(fmt::format("task farm: {} of {} pieces came back", records.size(), pieces.size()));
  }
  return tally;
}

std::vector<TraceBox> piece_trace_boxes(const std::vector<FarmRecord>& records,
                                        std::span<const kernels::Chunk> pieces, bool with_range,
                                        std::string_view value_name) {
  std::vector<TraceBox> boxes;
  boxes.reserve(records.size());
  for (const FarmRecord& r : records) {
    PARAKIT_REQUIRE(r.piece < pieces.size(), "piece " + std::to_string(r.piece) + " of the farm");
    const kernels::Chunk& p = pieces[r.piece];
    boxes.push_back(
        {.name =
             fmt::format("task {}", p.task) + (with_range ? fmt::format(" [{}, {})", p.first, p.last) : ""),
         .rank = r.rank,
         .thread = r.thread,
         .start_s = r.start_s,
         .end_s = r.end_s,
         .failed = false,
         .args = {{"task", p.task}, {"first", p.first}, {"last", p.last}, {std::string(value_name), r.value}},
         .after = {}});
  }
  return boxes;
}

}  // namespace parakit::report
