#pragma once
/// @file
/// @brief Block partitioning of an index range: the one split used by ranks and by threads alike.

#include <cstdint>

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

}  // namespace parakit::kernels
