// The parallel strategy's split: every rank reads whole blocks of rows, in rank order, with as many read
// calls as every other rank (collective transfers need that).

#include <algorithm>

#include "parakit/mpi/check.hpp"

#include "read_detail.hpp"

namespace parakit::mpi::detail {

std::pair<std::uint64_t, std::uint64_t> block_range(std::uint64_t n, int rank, int ranks) {
  const std::uint64_t blocks = (n + kReadBlock - 1) / kReadBlock;
  const auto r = static_cast<std::uint64_t>(rank), p = static_cast<std::uint64_t>(ranks);
  return {std::min(n, blocks * r / p * kReadBlock), std::min(n, blocks * (r + 1) / p * kReadBlock)};
}

LocalColumn read_rows_collectively(const boost::mpi::communicator& comm, std::uint64_t n,
                                   std::uint64_t per_read, const ReadRows& read) {
  const auto [first, last] = block_range(n, comm.rank(), comm.size());
  LocalColumn out;
  reserve_huge(out.values, last - first);
  out.values.resize(last - first);
  std::uint64_t most = last - first;
  PARAKIT_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &most, 1, MPI_UINT64_T, MPI_MAX, MPI_Comm(comm)));
  for (std::uint64_t k = 0; k < (most + per_read - 1) / per_read; ++k) {
    const std::uint64_t from = std::min(last, first + k * per_read), to = std::min(last, from + per_read);
    read(from, to - from, out.values.data() + (from - first));
  }
  if (last > first) out.segments.push_back({first, 0, last - first});
  return out;
}

}  // namespace parakit::mpi::detail
