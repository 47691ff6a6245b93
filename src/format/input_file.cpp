#include "parakit/format/input_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/quote.hpp"

namespace parakit::format {

std::uint64_t check_input_file(const std::string& path) {
  if (path.empty()) throw UsageError("FILE: an empty path (accepted: a readable CSV, binary or HDF5 file)");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int error = errno;  // before escaped() allocates
    throw UsageError(fmt::format("{}: cannot open: {} (accepted: a readable CSV, binary or HDF5 file)",
                                 escaped(path), std::strerror(error)));
  }
  if (S_ISDIR(st.st_mode))
    throw UsageError(fmt::format("{}: is a directory (accepted: a data file)", escaped(path)));
  // A FIFO would block the open until someone writes, a device (/dev/zero) never ends: only files.
  if (!S_ISREG(st.st_mode)) {
    throw UsageError(fmt::format(
        "{}: not a regular file (a pipe, a device or a socket; accepted: a regular CSV, binary or HDF5 file)",
        escaped(path)));
  }
  if (::access(path.c_str(), R_OK) != 0) {
    const int error = errno;
    throw UsageError(fmt::format("{}: cannot read: {}", escaped(path), std::strerror(error)));
  }
  std::ifstream probe(path, std::ios::binary);
  if (!probe) {
    const int error = errno;
    throw UsageError(fmt::format("{}: cannot read: {}", escaped(path), std::strerror(error)));
  }
  if (st.st_size == 0)
    throw UsageError(fmt::format("{}: the file is empty (accepted: at least one value)", escaped(path)));
  return static_cast<std::uint64_t>(st.st_size);
}

std::uint64_t binary_rows(const std::string& path, std::uint64_t bytes, Dtype dtype) {
  const std::size_t width = dtype_bytes(dtype);
  if (bytes % width != 0) {
    throw UsageError(
        fmt::format("{}: {} bytes is not a whole number of {} values ({} bytes each; accepted: "
                    "raw little-endian values, --dtype f64|f32|i64|i32)",
                    escaped(path), bytes, dtype_name(dtype), width));
  }
  return bytes / width;
}

}  // namespace parakit::format
