#include "parakit/kernels/partition.hpp"

#include <cstdint>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"

using parakit::kernels::block_range;
using parakit::kernels::Chunk;
using parakit::kernels::split_chunks;

TEST(BlockRange, every_size_against_every_part_count_is_contiguous_balanced_and_complete) {
  for (std::uint64_t n = 0; n <= 200; ++n) {
    for (std::uint64_t parts = 1; parts <= 17; ++parts) {
      std::uint64_t expected_first = 0, smallest = n, largest = 0;
      for (std::uint64_t p = 0; p < parts; ++p) {
        const auto r = block_range(n, p, parts);
        ASSERT_EQ(r.first, expected_first) << "gap or overlap at n=" << n << " parts=" << parts << " p=" << p;
        ASSERT_LE(r.first, r.last);
        smallest = std::min(smallest, r.size());
        largest = std::max(largest, r.size());
        expected_first = r.last;
      }
      EXPECT_EQ(expected_first, n) << "n=" << n << " parts=" << parts;
      EXPECT_LE(largest - smallest, 1U) << "n=" << n << " parts=" << parts;
    }
  }
}

TEST(BlockRange, larger_parts_come_first) {
  // 10 over 4: 3, 3, 2, 2
  EXPECT_EQ(block_range(10, 0, 4), (parakit::kernels::Range{0, 3}));
  EXPECT_EQ(block_range(10, 1, 4), (parakit::kernels::Range{3, 6}));
  EXPECT_EQ(block_range(10, 2, 4), (parakit::kernels::Range{6, 8}));
  EXPECT_EQ(block_range(10, 3, 4), (parakit::kernels::Range{8, 10}));
}

TEST(BlockRange, does_not_overflow_near_the_top_of_the_range) {
  constexpr auto n = std::numeric_limits<std::uint64_t>::max();
  const auto last = block_range(n, 6, 7);
  EXPECT_EQ(last.last, n);
  EXPECT_EQ(block_range(n, 5, 7).last, last.first);
}

TEST(BlockRange, rejects_zero_parts_and_a_part_out_of_range) {
  EXPECT_THROW(block_range(10, 0, 0), parakit::Error);
  EXPECT_THROW(block_range(10, 4, 4), parakit::Error);
}

namespace {

// Every (task, index) the blocks cover, in order.
std::vector<std::pair<std::uint64_t, std::uint64_t>> covered(const std::vector<std::vector<Chunk>>& blocks) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  for (const auto& block : blocks) {
    for (const auto& c : block) {
      for (std::uint64_t i = c.first; i < c.last; ++i)
        out.emplace_back(c.task, i);
    }
  }
  return out;
}

}  // namespace

TEST(SplitChunks, covers_every_index_of_every_task_once_in_order_for_all_part_counts) {
  // The seed's 1:32 imbalance, plus an empty chunk and a task that starts mid-way.
  const std::vector<Chunk> tasks = {{0, 0, 5}, {1, 0, 0}, {2, 0, 160}, {3, 7, 19}};
  const auto expected = covered({tasks});  // the indices of the unsplit list
  for (std::uint64_t parts = 1; parts <= 40; ++parts) {
    const auto blocks = split_chunks(tasks, parts);
    ASSERT_EQ(blocks.size(), parts);
    EXPECT_EQ(covered(blocks), expected) << "parts=" << parts;
    std::uint64_t smallest = UINT64_MAX, largest = 0;
    for (const auto& block : blocks) {
      std::uint64_t size = 0;
      for (const auto& c : block) {
        EXPECT_GT(c.size(), 0U) << "empty chunks are dropped";
        size += c.size();
      }
      smallest = std::min(smallest, size);
      largest = std::max(largest, size);
    }
    EXPECT_LE(largest - smallest, 1U) << "a large task is shared, never one task per part; parts=" << parts;
  }
}

TEST(SplitChunks, every_list_of_three_small_tasks_against_every_part_count) {
  for (std::uint64_t a = 0; a <= 9; ++a) {
    for (std::uint64_t b = 0; b <= 9; ++b) {
      for (std::uint64_t c = 0; c <= 9; ++c) {
        // The middle chunk starts mid-task, as a rank's share does when threads split it again.
        const std::vector<Chunk> tasks = {{0, 0, a}, {1, 3, 3 + b}, {2, 0, c}};
        const auto expected = covered({tasks});
        for (std::uint64_t parts = 1; parts <= 12; ++parts) {
          const auto blocks = split_chunks(tasks, parts);
          ASSERT_EQ(blocks.size(), parts);
          ASSERT_EQ(covered(blocks), expected) << a << "," << b << "," << c << " over " << parts;
          for (std::uint64_t p = 0; p < parts; ++p) {
            std::uint64_t size = 0;
            for (const auto& chunk : blocks[p])
              size += chunk.size();
            ASSERT_EQ(size, block_range(a + b + c, p, parts).size())
                << a << "," << b << "," << c << " part " << p;
          }
        }
      }
    }
  }
}

TEST(SplitChunks, splits_nothing_into_empty_blocks) {
  const auto blocks = split_chunks(std::vector<Chunk>{}, 3);
  ASSERT_EQ(blocks.size(), 3U);
  for (const auto& b : blocks)
    EXPECT_TRUE(b.empty());
  EXPECT_THROW(split_chunks(std::vector<Chunk>{{0, 0, 1}}, 0), parakit::Error);
}
