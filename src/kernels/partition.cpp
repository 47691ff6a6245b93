#include "parakit/kernels/partition.hpp"

#include <algorithm>

#include "parakit/error.hpp"

namespace parakit::kernels {

Range block_range(std::uint64_t n, std::uint64_t part, std::uint64_t parts) {
  PARAKIT_REQUIRE(parts > 0 && part < parts, "part " + std::to_string(part) + " of " + std::to_string(parts));
  const std::uint64_t base = n / parts;
  const std::uint64_t extra = n % parts;
  // Parts below `extra` hold base + 1 indices; written so that no intermediate exceeds n.
  const std::uint64_t first = part * base + (part < extra ? part : extra);
  return {first, first + base + (part < extra ? 1 : 0)};
}

}  // namespace parakit::kernels

namespace parakit::kernels {

std::vector<std::vector<Chunk>> split_chunks(std::span<const Chunk> chunks, std::uint64_t parts) {
  PARAKIT_REQUIRE(parts > 0, "cannot split work into 0 parts");
  std::uint64_t total = 0;
  for (const Chunk& c : chunks)
    total += c.size();
  std::vector<std::vector<Chunk>> blocks(parts);
  // Walk the chunks once; `offset` is the position of `c.first` in the concatenated index space.
  std::size_t next = 0;
  std::uint64_t offset = 0, consumed = 0;
  for (std::uint64_t p = 0; p < parts; ++p) {
    const Range want = block_range(total, p, parts);
    while (consumed < want.last && next < chunks.size()) {
      const Chunk& c = chunks[next];
      const std::uint64_t begin = c.first + (consumed - offset);
      const std::uint64_t take = std::min(c.last - begin, want.last - consumed);
      if (take > 0) blocks[p].push_back({c.task, begin, begin + take});
      consumed += take;
      if (begin + take == c.last) {
        offset += c.size();
        ++next;
      }
    }
  }
  return blocks;
}

}  // namespace parakit::kernels
