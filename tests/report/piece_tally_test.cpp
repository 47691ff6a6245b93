#include "parakit/report/piece_tally.hpp"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"

using namespace parakit::report;
using parakit::kernels::Chunk;

namespace {

FarmRecord record(std::uint64_t piece, std::uint64_t value, double start_s, double end_s) {
  FarmRecord r;
  r.piece = piece;
  r.value = value;
  r.start_s = start_s;
  r.end_s = end_s;
  r.rank = 1;
  r.thread = 2;
  return r;
}

// Task 0 cut in three pieces, task 1 whole, task 2 with none (0 samples under split).
const std::vector<Chunk> kPieces = {{0, 0, 10}, {0, 10, 20}, {0, 20, 25}, {1, 0, 7}};

}  // namespace

TEST(TallyPieces, sums_values_times_and_pieces_per_task_in_any_arrival_order) {
  const std::vector<FarmRecord> records = {record(3, 5, 0.0, 0.5), record(1, 8, 0.0, 1.0),
                                           record(0, 7, 1.0, 1.25), record(2, 4, 1.0, 2.0)};
  const auto tally = tally_pieces(records, kPieces, 3);
  ASSERT_EQ(tally.size(), 3U);
  EXPECT_EQ(tally[0].value, 19U);
  EXPECT_DOUBLE_EQ(tally[0].busy_s, 2.25);
  EXPECT_EQ(tally[0].pieces, 3U);
  EXPECT_EQ(tally[1].value, 5U);
  EXPECT_DOUBLE_EQ(tally[1].busy_s, 0.5);
  EXPECT_EQ(tally[1].pieces, 1U);
  EXPECT_EQ(tally[2].value, 0U);
  EXPECT_EQ(tally[2].pieces, 0U);
}

TEST(TallyPieces, a_piece_twice_missing_or_unknown_is_a_wrong_answer) {
  const auto message = [](const std::vector<FarmRecord>& records) {
    try {
      tally_pieces(records, kPieces, 3);
    } catch (const parakit::WrongAnswer& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message({record(0, 1, 0, 1), record(1, 1, 0, 1), record(1, 1, 0, 1), record(3, 1, 0, 1)}),
            "task farm: piece 1 came back twice or does not exist");
  EXPECT_EQ(message({record(0, 1, 0, 1), record(9, 1, 0, 1)}),
            "task farm: piece 9 came back twice or does not exist");
  EXPECT_EQ(message({record(0, 1, 0, 1), record(3, 1, 0, 1)}), "task farm: 2 of 4 pieces came back");
  EXPECT_EQ(message({}), "task farm: 0 of 4 pieces came back");
}

TEST(PieceTraceBoxes, one_box_per_record_named_for_its_task_and_with_its_range_when_cut) {
  const std::vector<FarmRecord> records = {record(2, 4, 1.0, 2.0), record(3, 5, 0.0, 0.5)};
  const auto cut = piece_trace_boxes(records, kPieces, true, "inside");
  ASSERT_EQ(cut.size(), 2U);
  EXPECT_EQ(cut[0].name, "task 0 [20, 25)");
  EXPECT_EQ(cut[0].rank, 1);
  EXPECT_EQ(cut[0].thread, 2);
  EXPECT_DOUBLE_EQ(cut[0].start_s, 1.0);
  EXPECT_DOUBLE_EQ(cut[0].end_s, 2.0);
  EXPECT_FALSE(cut[0].failed);
  EXPECT_EQ(cut[0].args, (nlohmann::json{{"task", 0}, {"first", 20}, {"last", 25}, {"inside", 4}}));
  const auto whole = piece_trace_boxes(records, kPieces, false, "inside");
  EXPECT_EQ(whole[1].name, "task 1");
  EXPECT_EQ(whole[1].args["inside"], 5);
}
