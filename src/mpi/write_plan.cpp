// The round plan of the writers and their OpenMP team size (write_detail.hpp).

#include <algorithm>

#include <omp.h>

#include "write_detail.hpp"

namespace parakit::mpi::detail {
namespace {

// Values generated per rank and round: 8 MiB of doubles, at most about 25 MiB of CSV text. Large enough
// that a round's collectives cost nothing next to its write, small enough for any node.
constexpr std::uint64_t kPieceValues = std::uint64_t{1} << 20;

}  // namespace

kernels::Range Rounds::round(std::uint64_t r) const {
  const std::uint64_t first = std::min(r * piece * ranks, rows);
  const kernels::Range mine = kernels::block_range(std::min(piece * ranks, rows - first), rank, ranks);
  return {first + mine.first, first + mine.last};
}

Rounds plan(const boost::mpi::communicator& comm, std::uint64_t rows, std::uint64_t values_per_row) {
  Rounds r;
  r.rows = rows;
  r.piece = std::max<std::uint64_t>(1, kPieceValues / std::max<std::uint64_t>(1, values_per_row));
  r.rank = static_cast<std::uint64_t>(comm.rank());
  r.ranks = static_cast<std::uint64_t>(comm.size());
  const std::uint64_t per_round = r.piece * r.ranks;
  r.count = std::max<std::uint64_t>(1, rows / per_round + (rows % per_round != 0 ? 1 : 0));
  return r;
}

ThreadCount::ThreadCount(int threads) : saved_(omp_get_max_threads()) {
  if (threads > 0) omp_set_num_threads(threads);
}

ThreadCount::~ThreadCount() {
  omp_set_num_threads(saved_);
}

}  // namespace parakit::mpi::detail
