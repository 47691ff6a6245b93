// A 2D field in a file (parakit/mpi/field_file.hpp): rank 0 reads or writes it alone (HDF5 without MPI-IO),
// and every rank learns the outcome together.

#include "parakit/mpi/field_file.hpp"

#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/mpi/collectives/broadcast.hpp>
#include <fcntl.h>
#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/write.hpp"
#include "parakit/quote.hpp"
#include "parakit/sys.hpp"

#include "hdf5_handle.hpp"
#include "write_detail.hpp"

namespace parakit::mpi {
namespace {

using detail::Handle;
using kernels::heat::GridSize;

// Raw files are read into and written from the doubles' own bytes, as format::decode does for f64.
static_assert(std::endian::native == std::endian::little, "raw f64 files are little-endian");

constexpr const char* kInput = "--input";
constexpr const char* kOutput = "--output";
constexpr const char* kAcceptedInput =
    " (accepted: a raw f64 file with --grid, or an HDF5 2-D dataset of f64)";

// "--input 'PATH'", how every message about the input names it.
std::string input_named(const std::string& path) {
  return std::string(kInput) + " " + parakit::quoted(path);
}

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw UsageError(input_named(path) + ": " + why);
}

std::string shortest(double v) {
  char text[32];
  return {text, std::to_chars(text, text + sizeof text, v).ptr};
}

// detail::hdf5_message() on one line: a driver's innermost description spans lines and lists its state
// ("write to backing store failed: time = ...\n, filename = ..., error message = 'File too large', ...");
// keep its first words and the system's reason.
std::string hdf5_reason() {
  std::string message = detail::hdf5_message();
  const std::string marker = "error message = '";
  const std::size_t reason = message.find(marker);
  const std::size_t state = message.find(": time = ");
  if (reason != std::string::npos && state != std::string::npos && state < reason) {
    const std::size_t from = reason + marker.size();
    message = message.substr(0, state) + ": " + message.substr(from, message.find('\'', from) - from);
  }
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return message;
}

// The size in bytes of @p path, which must be a regular file (a symbolic link to one is followed).
std::uint64_t regular_file_size(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) refuse(path, std::string("cannot open: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) refuse(path, std::string("not a regular file") + kAcceptedInput);
  return static_cast<std::uint64_t>(st.st_size);
}

// Reads exactly @p bytes bytes of @p path into @p out.
void read_exactly(const std::string& path, std::uint64_t bytes, char* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) refuse(path, std::string("cannot open: ") + std::strerror(errno));
  std::uint64_t done = 0;
  int error = 0;
  while (done < bytes) {
    const ssize_t n = ::read(fd, out + done, static_cast<std::size_t>(bytes - done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? errno : 0;
      break;
    }
    done += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
  if (error != 0) refuse(path, std::string("cannot read: ") + std::strerror(error));
  if (done < bytes) {
    refuse(path, "the file ended after " + std::to_string(done) + " of " + std::to_string(bytes) +
                     " bytes while it was read (was it changed meanwhile?)");
  }
}

std::vector<double> read_raw(const std::string& path, const std::optional<GridSize>& grid,
                             GridSize& grid_read) {
  const std::uint64_t bytes = regular_file_size(path);
  if (!grid) {
    refuse(path,
           "a raw f64 file needs --grid ROWSxCOLS (its size does not tell its shape; accepted: --grid, "
           "or an HDF5 file)");
  }
  const auto expected = static_cast<std::uint64_t>(grid->cells()) * sizeof(double);
  if (bytes != expected) {
    refuse(path, "the file has " + std::to_string(bytes) + " bytes, a " + kernels::heat::grid_name(*grid) +
                     " grid of f64 needs " + std::to_string(expected) +
                     " (accepted: raw little-endian f64, row-major, nothing else)");
  }
  std::vector<double> values(static_cast<std::size_t>(grid->cells()));
  read_exactly(path, expected, reinterpret_cast<char*>(values.data()));
  grid_read = *grid;
  return values;
}

// The shape of a 2-D dataset of IEEE doubles (either byte order; HDF5 converts), or a refusal.
GridSize hdf5_shape(const std::string& path, const std::string& name, hid_t set) {
  const Handle type(H5Dget_type(set), H5Tclose);
  const bool is_f64 = type.valid() && H5Tget_class(type.get()) == H5T_FLOAT &&
                      (H5Tequal(type.get(), H5T_IEEE_F64LE) > 0 || H5Tequal(type.get(), H5T_IEEE_F64BE) > 0);
  if (!is_f64) {
    const std::size_t size = type.valid() ? H5Tget_size(type.get()) : 0;
    const char* kind = type.valid() && H5Tget_class(type.get()) == H5T_FLOAT     ? "float"
                       : type.valid() && H5Tget_class(type.get()) == H5T_INTEGER ? "integer"
                                                                                 : "non-numeric";
    refuse(path, "dataset '" + name + "' holds " + std::to_string(size) + "-byte " + kind + " values" +
                     kAcceptedInput);
  }
  const Handle space(H5Dget_space(set), H5Sclose);
  const int dimensions = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (dimensions != 2) {
    refuse(path, "dataset '" + name + "' has " + std::to_string(dimensions) + " dimensions" + kAcceptedInput);
  }
  hsize_t extent[2] = {0, 0};
  H5Sget_simple_extent_dims(space.get(), extent, nullptr);
  const auto too_large = [](hsize_t side) { return side > static_cast<hsize_t>(kernels::heat::kMaxSide); };
  if (extent[0] == 0 || extent[1] == 0 || too_large(extent[0]) || too_large(extent[1]) ||
      extent[0] > static_cast<hsize_t>(kernels::heat::kMaxCells) / extent[1]) {
    refuse(path, "dataset '" + name + "' is " + std::to_string(extent[0]) + "x" + std::to_string(extent[1]) +
                     " (accepted: 1 to 2147483647 rows and columns, at most 2^40 cells)");
  }
  return {static_cast<std::int64_t>(extent[0]), static_cast<std::int64_t>(extent[1])};
}

std::vector<double> read_hdf5(const FieldFile& file, const std::optional<GridSize>& grid,
                              GridSize& grid_read) {
  const std::string& path = file.path;
  regular_file_size(path);
  const detail::QuietHdf5 quiet;
  if (H5Fis_hdf5(path.c_str()) <= 0) refuse(path, std::string("not an HDF5 file") + kAcceptedInput);
  const Handle h5(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!h5.valid()) refuse(path, "cannot open as HDF5: " + hdf5_reason());
  if (H5Lexists(h5.get(), file.dataset.c_str(), H5P_DEFAULT) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    refuse(path, "no dataset '" + file.dataset + "' (accepted: the path of a 2-D f64 dataset; h5ls -r '" +
                     path + "' lists them)");
  }
  const Handle set(H5Dopen2(h5.get(), file.dataset.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.valid()) refuse(path, "'" + file.dataset + "' is not a dataset: " + hdf5_reason());
  const GridSize shape = hdf5_shape(path, file.dataset, set.get());
  if (grid && *grid != shape) {
    refuse(path, "dataset '" + file.dataset + "' is " + kernels::heat::grid_name(shape) + ", --grid says " +
                     kernels::heat::grid_name(*grid) + " (accepted: the same grid, or no --grid)");
  }
  std::vector<double> values(static_cast<std::size_t>(shape.cells()));
  if (H5Dread(set.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    refuse(path, "cannot read dataset '" + file.dataset + "': " + hdf5_reason());
  grid_read = shape;
  return values;
}

void check_finite(const std::string& path, GridSize grid, const std::vector<double>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isfinite(values[i])) continue;
    const auto cell = static_cast<std::int64_t>(i);
    refuse(path, "the value at row " + std::to_string(cell / grid.cols) + ", column " +
                     std::to_string(cell % grid.cols) + " (counting from 0) is " + shortest(values[i]) +
                     " (accepted: finite values only)");
  }
}

// Rank 0's part of read_field; any exception becomes the failure every rank raises.
std::vector<double> read_on_root(const FieldFile& file, const std::optional<GridSize>& grid,
                                 GridSize& grid_read) {
  switch (file.type) {
    case format::FileType::kBinary: {
      auto values = read_raw(file.path, grid, grid_read);
      check_finite(file.path, grid_read, values);
      return values;
    }
    case format::FileType::kHdf5: {
      auto values = read_hdf5(file, grid, grid_read);
      check_finite(file.path, grid_read, values);
      return values;
    }
    case format::FileType::kCsv:
      break;
  }
  refuse(file.path,
         std::string("a field is not read from ") + format::file_type_name(file.type) + kAcceptedInput);
}

// Writes @p bytes to @p name and syncs them to disk.
void write_synced(const std::string& name, std::string_view bytes) {
  const int fd = ::open(name.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) throw Error(std::strerror(errno));
  int error = sys::write_all(fd, bytes);
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) throw Error(std::strerror(error));
}

void check_hdf5(bool ok, const char* call) {
  if (!ok) throw Error(std::string(call) + ": " + hdf5_reason());
}

// The field as the bytes of an HDF5 file with one 2-D dataset. HDF5 builds the file in memory (the core
// driver without a backing store) and the caller writes it: HDF5 1.10 writing a file itself handles a
// failing write(2) (a full disk) badly: sec2 keeps a broken file open that crashes the process at exit,
// in MPI_Finalize; the core driver with a backing store leaks its buffer. The price is two more copies
// of the field in memory on rank 0 while it is written.
std::string hdf5_image(const FieldFile& file, GridSize grid, const std::vector<double>& field) {
  const detail::QuietHdf5 quiet;
  const Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  const std::size_t image_bytes = field.size() * sizeof(double) + (std::size_t{1} << 16);  // one allocation
  check_hdf5(fapl.valid() && H5Pset_fapl_core(fapl.get(), image_bytes, /*backing_store=*/0) >= 0,
             "H5Pset_fapl_core");
  const Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  check_hdf5(lcpl.valid() && H5Pset_create_intermediate_group(lcpl.get(), 1) >= 0,
             "H5Pset_create_intermediate_group");
  // Without timestamps the file's bytes depend on the field alone.
  const Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  check_hdf5(dcpl.valid() && H5Pset_obj_track_times(dcpl.get(), 0) >= 0, "H5Pset_obj_track_times");
  // The name only labels the image in memory: nothing is written to it.
  Handle h5(H5Fcreate("field.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
  check_hdf5(h5.valid(), "H5Fcreate");
  const hsize_t extent[2] = {static_cast<hsize_t>(grid.rows), static_cast<hsize_t>(grid.cols)};
  const Handle space(H5Screate_simple(2, extent, nullptr), H5Sclose);
  check_hdf5(space.valid(), "H5Screate_simple");
  Handle set(H5Dcreate2(h5.get(), file.dataset.c_str(), H5T_IEEE_F64LE, space.get(), lcpl.get(), dcpl.get(),
                        H5P_DEFAULT),
             H5Dclose);
  if (!set.valid()) throw Error("H5Dcreate2 '" + file.dataset + "': " + hdf5_reason());
  check_hdf5(H5Dwrite(set.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, field.data()) >= 0,
             "H5Dwrite");
  check_hdf5(set.close(), "H5Dclose");
  check_hdf5(H5Fflush(h5.get(), H5F_SCOPE_GLOBAL) >= 0, "H5Fflush");
  const ssize_t size = H5Fget_file_image(h5.get(), nullptr, 0);
  check_hdf5(size > 0, "H5Fget_file_image");
  std::string image(static_cast<std::size_t>(size), '\0');
  check_hdf5(H5Fget_file_image(h5.get(), image.data(), image.size()) == size, "H5Fget_file_image");
  check_hdf5(h5.close(), "H5Fclose");
  return image;
}

}  // namespace

std::vector<double> read_field(const boost::mpi::communicator& comm, const FieldFile& file,
                               std::optional<kernels::heat::GridSize> grid,
                               kernels::heat::GridSize& grid_read) {
  std::vector<double> values;
  std::optional<Failure> failure;
  if (comm.rank() == 0) {
    try {
      values = read_on_root(file, grid, grid_read);
    } catch (const UsageError& e) {
      failure = Failure{true, e.what()};
    } catch (const std::exception& e) {
      failure = Failure{false, input_named(file.path) + ": " + e.what()};
    }
  }
  raise_if_any(comm, failure);
  std::int64_t sides[2] = {grid_read.rows, grid_read.cols};
  boost::mpi::broadcast(comm, sides, 2, 0);
  grid_read = {sides[0], sides[1]};
  return values;
}

void write_field(const boost::mpi::communicator& comm, const FieldFile& file, kernels::heat::GridSize grid,
                 const std::vector<double>& field) {
  if (file.type != format::FileType::kBinary && file.type != format::FileType::kHdf5) {
    throw UsageError(std::string(kOutput) + " '" + file.path + "': a field is not written as " +
                     format::file_type_name(file.type) + " (accepted: raw f64 or HDF5)");
  }
  if (file.type == format::FileType::kHdf5 && file.dataset.empty())
    throw UsageError(std::string(kOutput) + " '" + file.path + "': the dataset name is empty");
  const detail::Target t = detail::prepare(comm, file.path, WriteOptions{.threads = 0, .option = kOutput});
  detail::TempFile temp(comm, t);
  std::optional<Failure> failure;
  if (comm.rank() == 0) {
    try {
      PARAKIT_REQUIRE(
          grid.rows >= 1 && grid.cols >= 1 && field.size() == static_cast<std::size_t>(grid.cells()),
          "a field of " + kernels::heat::grid_name(grid) + " cells, not " + std::to_string(field.size()));
      if (file.type == format::FileType::kBinary) {
        write_synced(temp.name(),
                     {reinterpret_cast<const char*>(field.data()), field.size() * sizeof(double)});
      } else {
        write_synced(temp.name(), hdf5_image(file, grid, field));
      }
    } catch (...) {
      failure = detail::current_failure(t);
    }
  }
  raise_if_any(comm, failure);  // the temporary file goes with `temp`
  temp.commit(comm, t);
}

}  // namespace parakit::mpi
