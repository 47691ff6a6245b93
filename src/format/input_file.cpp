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

std::uint64_t check_regular_file(const std::string& path, std::string_view label, std::string_view noun) {
  if (path.empty()) {
    throw UsageError(
        fmt::format("{}: an empty path (accepted: a readable {})", label.empty() ? "FILE" : label, noun));
  }
  const std::string where = label.empty() ? escaped(path) : fmt::format("{} {}", label, escaped(path));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int error = errno;  // before fmt allocates
    throw UsageError(
        fmt::format("{}: cannot open: {} (accepted: a readable {})", where, std::strerror(error), noun));
  }
  if (S_ISDIR(st.st_mode)) throw UsageError(fmt::format("{}: is a directory (accepted: a {})", where, noun));
  // A FIFO would block the open until someone writes, a device (/dev/zero) never ends: only files.
  if (!S_ISREG(st.st_mode)) {
    throw UsageError(fmt::format(
        "{}: not a regular file (a pipe, a device or a socket; accepted: a regular {})", where, noun));
  }
  if (::access(path.c_str(), R_OK) != 0) {
    const int error = errno;
    throw UsageError(fmt::format("{}: cannot read: {}", where, std::strerror(error)));
  }
  std::ifstream probe(path, std::ios::binary);
  if (!probe) {
    const int error = errno;
    throw UsageError(fmt::format("{}: cannot read: {}", where, std::strerror(error)));
  }
  return static_cast<std::uint64_t>(st.st_size);
}

std::uint64_t check_input_file(const std::string& path) {
  const std::uint64_t size = check_regular_file(path, "", "CSV, binary or HDF5 file");
  if (size == 0)
    throw UsageError(fmt::format("{}: the file is empty (accepted: at least one value)", escaped(path)));
  return size;
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
