// --read mmap: every rank maps its own whole blocks of a binary file. f64 values are used where they lie,
// in the page cache: no copy, no column memory, no page zeroing. Other types are decoded from the mapping
// into the column by the rank's threads.

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/quote.hpp"
#include "parakit/sys.hpp"

#include "read_detail.hpp"

namespace parakit::mpi::detail {
namespace {

// A read-only mapping of part of a file, unmapped when the last column that uses it goes.
struct Mapping {
  void* address = MAP_FAILED;
  std::size_t length = 0;
  Mapping() = default;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (address != MAP_FAILED) ::munmap(address, length);
  }
};

// Maps bytes [start, end) of @p path, a file of @p size bytes, on this rank (@p rank names it in messages).
// @throws parakit::Error when the file cannot be opened, has changed size or cannot be mapped.
void map_range(const std::string& path, std::uint64_t size, std::uint64_t start, std::uint64_t end, int rank,
               Mapping& mapping) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;  // before escaped() allocates
    throw Error(fmt::format("{}: cannot open it on rank {} ({}; accepted: a file every rank can read)",
                            escaped(path), rank, std::strerror(error)));
  }
  struct stat st {};
  const int stat_result = ::fstat(fd, &st);
  const int stat_errno = errno;
  if (stat_result == 0 && static_cast<std::uint64_t>(st.st_size) == size) {
    mapping.length = static_cast<std::size_t>(end - start);
    mapping.address = ::mmap(nullptr, mapping.length, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(start));
  }
  const int mmap_errno = errno;
  ::close(fd);
  if (stat_result != 0) {
    throw Error(
        fmt::format("{}: cannot stat it on rank {} ({})", escaped(path), rank, std::strerror(stat_errno)));
  }
  if (static_cast<std::uint64_t>(st.st_size) != size) {
    throw Error(fmt::format("{}: rank {} sees {} bytes, rank 0 saw {} (the file changed while it was read)",
                            escaped(path), rank, st.st_size, size));
  }
  if (mapping.address == MAP_FAILED) {
    throw Error(fmt::format("{}: mmap failed on rank {} ({}; accepted instead: --read parallel)",
                            escaped(path), rank, std::strerror(mmap_errno)));
  }
}

}  // namespace

LocalColumn read_binary_mapped(const boost::mpi::communicator& comm, const InputSpec& spec, std::uint64_t n,
                               std::uint64_t size, int threads, ReadInfo& info) {
  const double t0 = sys::now_s();
  // Named variables, not a structured binding: the lambda below uses them, which clang before 16 refuses.
  const auto range = block_range(n, comm.rank(), comm.size());
  const std::uint64_t first = range.first, last = range.second;
  LocalColumn out;
  const std::size_t width = format::dtype_bytes(spec.dtype);
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  const std::uint64_t begin = first * width, start = begin / page * page;
  auto mapping = std::make_shared<Mapping>();
  // Every rank maps its own part; a rank that cannot fails the read on all ranks with one line.
  check_on_every_rank(comm, [&] {
    if (last > first) map_range(spec.path, size, start, last * width, comm.rank(), *mapping);
  });
  if (last > first) {
    const char* raw = static_cast<const char*>(mapping->address) + (begin - start);
    const std::size_t count = last - first;
    if (spec.dtype == format::Dtype::kF64 && reinterpret_cast<std::uintptr_t>(raw) % alignof(double) == 0) {
      out.view = {reinterpret_cast<const double*>(raw), count};
      out.mapping = std::move(mapping);
    } else {
      reserve_huge(out.values, count);
      out.values.resize(count);
      const std::size_t pieces = (count + kReadBlock - 1) / kReadBlock;
#pragma omp parallel for schedule(static) num_threads(threads)
      for (std::size_t p = 0; p < pieces; ++p) {
        const std::size_t from = p * kReadBlock, k = std::min<std::size_t>(kReadBlock, count - from);
        format::decode(raw + from * width, k, spec.dtype, out.values.data() + from);
      }
    }
    out.segments.push_back({first, 0, count});
  }
  info.read_s += sys::now_s() - t0;
  return out;
}

}  // namespace parakit::mpi::detail
