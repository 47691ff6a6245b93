#pragma once
/// @file
/// @brief Block partitioning of index ranges and task lists: the one split used by ranks and by threads
/// alike.

#include <cstdint>
#include <span>
#include <vector>

namespace parakit::kernels {

/// @brief A half-open range [first, last) of 64-bit indices.
struct Range {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  [[nodiscard]] std::uint64_t size() const { return last - first; }
  friend bool operator==(const Range&, const Range&) = default;
};

/// @brief Part @p part of @p parts of the range [0, n): contiguous, in order, sizes differ by at most
/// one (the first n % parts parts get one more), no gaps and no overlaps. Never overflows.
/// @throws parakit::Error if parts == 0 or part >= parts.
Range block_range(std::uint64_t n, std::uint64_t part, std::uint64_t parts);

/// @brief Indices [first, last) of task @p task: the unit of work the distribution layer hands out.
struct Chunk {
  std::uint64_t task = 0;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  [[nodiscard]] std::uint64_t size() const { return last - first; }
  friend bool operator==(const Chunk&, const Chunk&) = default;
  /// Boost.Serialization hook, so that chunks can be scattered without this header including Boost.
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& task& first& last;
  }
};

/// @brief Splits the concatenated indices of @p chunks into @p parts contiguous blocks whose sizes
/// differ by at most one (block_range), each block a list of chunks in order. A large task is cut
/// across parts; small ones stay whole where the block boundaries allow. Empty chunks are dropped.
/// @throws parakit::Error if parts == 0.
std::vector<std::vector<Chunk>> split_chunks(std::span<const Chunk> chunks, std::uint64_t parts);

}  // namespace parakit::kernels
