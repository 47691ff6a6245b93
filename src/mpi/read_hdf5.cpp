// HDF5 input: rank 0 checks the dataset with the serial driver; then every rank reads its whole blocks
// with collective transfers (--read parallel), or rank 0 reads it chunk by chunk for the scatter
// (--read root). Values of any numeric type arrive as doubles (HDF5 converts).

#include <algorithm>

#include <fmt/format.h>
#include <hdf5.h>

#include "parakit/error.hpp"
#include "parakit/quote.hpp"
#include "parakit/sys.hpp"

#include "hdf5_handle.hpp"
#include "read_detail.hpp"

namespace parakit::mpi::detail {
namespace {

// Reads rows [first, first + count) of the dataset into @p out (as doubles). With a parallel file
// handle, every rank must call it the same number of times (collective transfer); count may be 0.
void h5_read(hid_t set, std::uint64_t first, std::uint64_t count, double* out, hid_t transfer) {
  const Handle file_space(H5Dget_space(set), H5Sclose);
  const hsize_t n = count;
  const Handle memory(H5Screate_simple(1, &n, nullptr), H5Sclose);
  if (count == 0) {
    H5Sselect_none(file_space.get());
    H5Sselect_none(memory.get());
  } else {
    const hsize_t start = first;
    H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &n, nullptr);
  }
  double dummy = 0.0;
  if (H5Dread(set, H5T_NATIVE_DOUBLE, memory.get(), file_space.get(), transfer, count == 0 ? &dummy : out) <
      0) {
    throw Error("HDF5: reading the dataset failed");
  }
}

// Rank 0 reads the dataset with the serial driver, chunk after chunk.
class Hdf5Rows final : public RowReader {
 public:
  explicit Hdf5Rows(const InputSpec& spec)
      : file_(H5Fopen(spec.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose),
        set_(H5Dopen2(file_.get(), spec.dataset.c_str(), H5P_DEFAULT), H5Dclose) {}

  std::optional<std::string> read(std::uint64_t from, std::uint64_t count, double* out) override {
    h5_read(set_.get(), from, count, out, H5P_DEFAULT);
    return std::nullopt;
  }

  std::uint64_t buffer_bytes() const override { return 0; }  // HDF5 reads straight into the chunk

 private:
  QuietHdf5 quiet_;  // first in, last out: quiet while the file is open and closed
  Handle file_, set_;
};

}  // namespace

std::uint64_t check_hdf5(const InputSpec& spec) {
  const QuietHdf5 quiet;
  if (H5Fis_hdf5(spec.path.c_str()) <= 0) {
    throw UsageError(
        fmt::format("{}: not an HDF5 file (accepted with --dataset: an HDF5 file)", escaped(spec.path)));
  }
  const Handle file(H5Fopen(spec.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) throw UsageError(fmt::format("{}: cannot open as HDF5", escaped(spec.path)));
  const Handle set(H5Dopen2(file.get(), spec.dataset.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.valid()) {
    throw UsageError(
        fmt::format("{}: no dataset {} (accepted: the path of a 1-D numeric dataset; "
                    "h5ls -r {} lists them)",
                    escaped(spec.path), parakit::quoted(spec.dataset), escaped(spec.path)));
  }
  const Handle space(H5Dget_space(set.get()), H5Sclose);
  const Handle type(H5Dget_type(set.get()), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
    throw UsageError(fmt::format("{}: dataset {} is not numeric (accepted: integer or float)",
                                 escaped(spec.path), parakit::quoted(spec.dataset)));
  }
  if (H5Sget_simple_extent_ndims(space.get()) != 1) {
    throw UsageError(fmt::format("{}: dataset {} has {} dimensions (accepted: a 1-D dataset)",
                                 escaped(spec.path), parakit::quoted(spec.dataset),
                                 H5Sget_simple_extent_ndims(space.get())));
  }
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space.get(), &n, nullptr);
  if (n == 0)
    throw UsageError(
        fmt::format("{}: dataset {} is empty", escaped(spec.path), parakit::quoted(spec.dataset)));
  return n;
}

LocalColumn read_hdf5_parallel(const boost::mpi::communicator& comm, const InputSpec& spec, std::uint64_t n,
                               ReadInfo& info) {
  const double t0 = sys::now_s();
  const QuietHdf5 quiet;
  const Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_mpio(access.get(), MPI_Comm(comm), MPI_INFO_NULL);
  const Handle file(H5Fopen(spec.path.c_str(), H5F_ACC_RDONLY, access.get()), H5Fclose);
  if (!file.valid()) throw Error(escaped(spec.path) + ": H5Fopen with MPI-IO failed");
  const Handle set(H5Dopen2(file.get(), spec.dataset.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.valid()) throw Error(escaped(spec.path) + ": H5Dopen2 failed");
  const Handle transfer(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
  H5Pset_dxpl_mpio(transfer.get(), H5FD_MPIO_COLLECTIVE);
  LocalColumn out = read_rows_collectively(comm, n, std::max<std::uint64_t>(kReadBlock, kMaxRead / 8),
                                           [&](std::uint64_t from, std::uint64_t count, double* dest) {
                                             h5_read(set.get(), from, count, dest, transfer.get());
                                           });
  info.read_s += sys::now_s() - t0;
  return out;
}

std::unique_ptr<RowReader> open_hdf5_rows(const InputSpec& spec) {
  return std::make_unique<Hdf5Rows>(spec);
}

}  // namespace parakit::mpi::detail
