// The root strategy: rank 0 reads in bounded chunks and scatters whole blocks of values (Scatterv), so that
// rank 0 never holds more than a chunk or two however big the file is.

#include <algorithm>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/serialization/string.hpp>

#include "parakit/error.hpp"
#include "parakit/mpi/check.hpp"
#include "parakit/sys.hpp"

#include "read_detail.hpp"

namespace parakit::mpi::detail {
namespace {

// The first word of a round's header.
constexpr std::uint64_t kMore = 1, kLast = 2, kFailed = 3;

// The values rank @p r of @p p receives in a round of @p blocks whole blocks out of @p available values.
std::uint64_t share(std::uint64_t blocks, std::uint64_t available, bool last, std::uint64_t p,
                    std::uint64_t r) {
  std::uint64_t n = (blocks * (r + 1) / p - blocks * r / p) * kReadBlock;
  if (last && r == p - 1) n += available - blocks * kReadBlock;
  return n;
}

}  // namespace

void Scatterer::expect(std::uint64_t n, std::uint64_t per_read) {
  const auto p = static_cast<std::uint64_t>(comm_.size()), r = static_cast<std::uint64_t>(comm_.rank());
  std::uint64_t mine = 0;
  // Every read but the last is whole blocks, so every round sends all that is pending (as send() does).
  for (std::uint64_t from = 0; from < n;) {
    const std::uint64_t count = std::min(per_read, n - from);
    from += count;
    mine += share(count / kReadBlock, count, from == n, p, r);
  }
  reserve_huge(out_.values, out_.values.size() + mine);
}

void Scatterer::send(Values& fresh, bool last) {
  pending_.insert(pending_.end(), fresh.begin(), fresh.end());
  fresh.clear();
  const std::uint64_t blocks = pending_.size() / kReadBlock;
  std::uint64_t header[3] = {last ? kLast : kMore, blocks, pending_.size()};
  if (blocks == 0 && !last) return;
  round(header);
}

void Scatterer::fail(const std::string& message) {
  std::uint64_t header[3] = {kFailed, 0, 0};
  PARAKIT_MPI_CHECK(MPI_Bcast(header, 3, MPI_UINT64_T, 0, MPI_Comm(comm_)));
  std::string m = message;
  boost::mpi::broadcast(comm_, m, 0);
}

void Scatterer::receive_all() {
  for (;;) {
    std::uint64_t header[3] = {};
    const double t0 = sys::now_s();
    PARAKIT_MPI_CHECK(MPI_Bcast(header, 3, MPI_UINT64_T, 0, MPI_Comm(comm_)));
    info_.scatter_s += sys::now_s() - t0;
    if (header[0] == kFailed) {
      std::string message;
      boost::mpi::broadcast(comm_, message, 0);
      throw UsageError(message);
    }
    round(header, /*announced=*/true);
    if (header[0] == kLast) return;
  }
}

void Scatterer::round(std::uint64_t header[3], bool announced) {
  const double t0 = sys::now_s();
  if (!announced) PARAKIT_MPI_CHECK(MPI_Bcast(header, 3, MPI_UINT64_T, 0, MPI_Comm(comm_)));
  const bool last = header[0] == kLast;
  const std::uint64_t blocks = header[1];
  const std::uint64_t available = header[2];
  const auto p = static_cast<std::uint64_t>(comm_.size());
  std::vector<int> counts(p), displs(p);
  std::uint64_t offset = 0;
  for (std::uint64_t r = 0; r < p; ++r) {
    const std::uint64_t n = share(blocks, available, last, p, r);
    counts[r] = static_cast<int>(n);
    displs[r] = static_cast<int>(offset);
    offset += n;
  }
  const auto me = static_cast<std::size_t>(comm_.rank());
  const std::size_t mine = static_cast<std::size_t>(counts[me]);
  const std::size_t at = out_.values.size();
  if (at + mine > out_.values.capacity()) {
    // The room doubles, on huge pages advised before the values are copied in (each fresh small page
    // costs a fault): a column of gigabytes grows in a few dozen steps.
    Values bigger;
    reserve_huge(bigger, std::max(at + mine, 2 * out_.values.capacity()));
    bigger.insert(bigger.end(), out_.values.begin(), out_.values.end());
    out_.values.swap(bigger);
  }
  out_.values.resize(at + mine);
  if (mine > 0) out_.segments.push_back({sent_ + static_cast<std::uint64_t>(displs[me]), at, mine});
  PARAKIT_MPI_CHECK(MPI_Scatterv(comm_.rank() == 0 ? pending_.data() : nullptr, counts.data(), displs.data(),
                                 MPI_DOUBLE, out_.values.data() + at, counts[me], MPI_DOUBLE, 0,
                                 MPI_Comm(comm_)));
  sent_ += offset;
  if (comm_.rank() == 0)
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(offset));
  info_.scatter_s += sys::now_s() - t0;
}

LocalColumn read_rows_root(const boost::mpi::communicator& comm, std::uint64_t n, std::size_t width,
                           std::uint64_t chunk_bytes, const std::function<std::unique_ptr<RowReader>()>& open,
                           ReadInfo& info) {
  LocalColumn out;
  Scatterer scatter(comm, out, info);
  const std::uint64_t per_read =
      std::max<std::uint64_t>(kReadBlock, chunk_bytes / width / kReadBlock * kReadBlock);
  scatter.expect(n, per_read);
  if (comm.rank() != 0) {
    scatter.receive_all();
    return out;
  }
  Values fresh;
  const std::unique_ptr<RowReader> reader = open();
  for (std::uint64_t from = 0; from < n;) {
    const double t0 = sys::now_s();
    const std::uint64_t count = std::min(per_read, n - from);
    fresh.resize(count);
    if (const std::optional<std::string> failure = reader->read(from, count, fresh.data())) {
      scatter.fail(*failure);
      throw UsageError(*failure);
    }
    info.read_s += sys::now_s() - t0;
    from += count;
    scatter.send(fresh, from == n);
    info.root_buffer_bytes = std::max<std::uint64_t>(
        info.root_buffer_bytes,
        reader->buffer_bytes() + fresh.capacity() * sizeof(double) + scatter.pending_bytes());
  }
  return out;
}

}  // namespace parakit::mpi::detail
