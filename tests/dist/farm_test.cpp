#include "parakit/dist/farm.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

using parakit::dist::assigned_pieces;
using parakit::kernels::Schedule;

TEST(AssignedPieces, static_gives_contiguous_blocks_and_cyclic_deals_round_robin) {
  EXPECT_EQ(assigned_pieces(Schedule::kStatic, 7, 0, 3), (std::vector<std::uint64_t>{0, 1, 2}));
  EXPECT_EQ(assigned_pieces(Schedule::kStatic, 7, 1, 3), (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(assigned_pieces(Schedule::kStatic, 7, 2, 3), (std::vector<std::uint64_t>{5, 6}));
  EXPECT_EQ(assigned_pieces(Schedule::kCyclic, 7, 1, 3), (std::vector<std::uint64_t>{1, 4}));
  EXPECT_TRUE(assigned_pieces(Schedule::kCyclic, 2, 3, 4).empty());
}

TEST(AssignedPieces, every_piece_goes_to_exactly_one_worker) {
  for (const Schedule s : {Schedule::kStatic, Schedule::kCyclic}) {
    for (const std::uint64_t pieces : {0U, 1U, 5U, 64U, 1001U}) {
      for (const std::uint64_t workers : {1U, 2U, 3U, 7U, 16U}) {
        std::vector<int> seen(pieces, 0);
        for (std::uint64_t w = 0; w < workers; ++w) {
          for (const std::uint64_t p : assigned_pieces(s, pieces, w, workers))
            ++seen[p];
        }
        EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }))
            << pieces << " pieces, " << workers << " workers";
      }
    }
  }
}
