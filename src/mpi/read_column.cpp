// mpi::read_column: rank 0 checks the input (one message from one place), everyone learns what it found,
// then the file's format and the read strategy pick the reader (read_detail.hpp lists them).

#include "parakit/mpi/read_column.hpp"

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/serialization/string.hpp>

#include "parakit/error.hpp"
#include "parakit/format/input_file.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/check.hpp"
#include "parakit/mpi/watchdog.hpp"
#include "parakit/sys.hpp"

#include "read_detail.hpp"

namespace parakit::mpi {
namespace {

using format::FileType;

// What rank 0 finds out about the input before anyone reads it; the same on every rank afterwards.
struct Probe {
  std::uint64_t size = 0;    // bytes of the file
  std::uint64_t rows = 0;    // values of a binary file or dataset (0 for CSV: unknown until parsed)
  format::CsvLayout layout;  // CSV only
};

// Rank 0 checks the file and its layout; every rank gets the result, or the same UsageError. Collective.
Probe probe(const boost::mpi::communicator& comm, const InputSpec& spec) {
  Probe found;
  check_on_root(comm, [&] {
    found.size = format::check_input_file(spec.path);
    switch (spec.type) {
      case FileType::kCsv:
        found.layout = format::read_csv_layout(spec.path, found.size, spec.sep, spec.header, spec.column);
        break;
      case FileType::kBinary:
        found.rows = format::binary_rows(spec.path, found.size, spec.dtype);
        break;
      case FileType::kHdf5:
        found.rows = detail::check_hdf5(spec);
        break;
    }
  });
  boost::mpi::broadcast(comm, found.size, 0);
  boost::mpi::broadcast(comm, found.rows, 0);
  boost::mpi::broadcast(comm, found.layout, 0);
  return found;
}

// The reader for the file's format and the strategy. Collective.
LocalColumn read_share(const boost::mpi::communicator& comm, const InputSpec& spec, const Probe& found,
                       int threads, ReadInfo& info) {
  const bool root = spec.read == ReadStrategy::kRoot;
  switch (spec.type) {
    case FileType::kCsv:
      return root ? detail::read_csv_root(comm, spec, found.layout, threads, info)
                  : detail::read_csv_parallel(comm, spec, found.layout, found.size, threads, info);
    case FileType::kBinary:
      if (root) {
        return detail::read_rows_root(
            comm, found.rows, format::dtype_bytes(spec.dtype), spec.chunk_bytes,
            [&] { return detail::open_binary_rows(spec); }, info);
      }
      return spec.read == ReadStrategy::kMmap
                 ? detail::read_binary_mapped(comm, spec, found.rows, found.size, threads, info)
                 : detail::read_binary_parallel(comm, spec, found.rows, info);
    case FileType::kHdf5:
      // Rank 0 reads the dataset as doubles: 8 bytes a row, whatever the file holds.
      return root ? detail::read_rows_root(
                        comm, found.rows, sizeof(double), spec.chunk_bytes,
                        [&] { return detail::open_hdf5_rows(spec); }, info)
                  : detail::read_hdf5_parallel(comm, spec, found.rows, info);
  }
  return {};
}

}  // namespace

std::span<double> LocalColumn::writable() {
  if (mapping) {
    values.assign(view.begin(), view.end());
    view = {};
    mapping.reset();
  }
  return values;
}

LocalColumn read_column(const boost::mpi::communicator& comm, const InputSpec& spec, int threads,
                        ReadInfo& info) {
  PARAKIT_REQUIRE(threads >= 1 && spec.chunk_bytes > 0, "threads and the chunk size must be positive");
  progress("read");
  const double t0 = sys::now_s();
  const Probe found = probe(comm, spec);
  info.file_bytes = found.size;
  info.chunk_bytes = spec.chunk_bytes;
  info.column = spec.type == FileType::kCsv    ? found.layout.name
                : spec.type == FileType::kHdf5 ? spec.dataset
                                               : "0";
  info.read_s += sys::now_s() - t0;

  PARAKIT_REQUIRE(spec.read != ReadStrategy::kMmap || spec.type == FileType::kBinary,
                  "--read mmap is for binary files only");
  LocalColumn column = read_share(comm, spec, found, threads, info);
  info.rows = column.data().size();
  PARAKIT_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &info.rows, 1, MPI_UINT64_T, MPI_SUM, MPI_Comm(comm)));
  PARAKIT_MPI_CHECK(MPI_Bcast(&info.root_buffer_bytes, 1, MPI_UINT64_T, 0, MPI_Comm(comm)));
  return column;
}

}  // namespace parakit::mpi
