#pragma once
/// @file
/// @brief The parts of mpi::read_column (include/parakit/mpi/read_column.hpp), one file each under src/mpi:
/// read_column.cpp dispatches; read_scatter.cpp is rank 0's chunked read and the scatter; read_blocks.cpp
/// the parallel strategy's split; mpi_file.cpp MPI-IO; read_csv_text.cpp threaded CSV parsing;
/// read_csv.cpp, read_binary.cpp, read_mmap.cpp and read_hdf5.cpp one format or strategy each.
/// Internal to src/mpi.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/mpi/communicator.hpp>
#include <mpi.h>
#include <sys/mman.h>

#include "parakit/format/csv_layout.hpp"
#include "parakit/kernels/csv.hpp"
#include "parakit/kernels/describe.hpp"
#include "parakit/mpi/read_column.hpp"

namespace parakit::mpi::detail {

/// @brief Rows of one block: the reader hands out whole blocks (describe() sums them in a fixed order).
inline constexpr std::uint64_t kReadBlock = kernels::describe::kBlock;

/// @brief Bytes one MPI read moves at most (counts are ints).
inline constexpr std::uint64_t kMaxRead = std::uint64_t{1} << 30;

/// @brief Makes room for @p n values in @p values and asks the kernel for transparent huge pages behind
/// them: a column of gigabytes then costs a few thousand page faults instead of a few hundred thousand.
template <class Vector>
void reserve_huge(Vector& values, std::size_t n) {
  values.reserve(n);
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto first = (reinterpret_cast<std::uintptr_t>(values.data()) + kHuge - 1) & ~(kHuge - 1);
  const auto last = (reinterpret_cast<std::uintptr_t>(values.data() + values.capacity())) & ~(kHuge - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);  // a hint only
}

/// @brief Text read from the file: not zeroed before it is read into, on huge pages.
using TextBuffer = std::vector<char, kernels::UninitializedAllocator<char>>;

// --- mpi_file.cpp -----------------------------------------------------------------------------------

/// @brief A file opened read-only with MPI-IO on every rank of a communicator, closed on every path out.
class MpiFile {
 public:
  /// @brief Opens @p path. Collective over @p comm. @throws parakit::Error "PATH: MPI_File_open failed".
  MpiFile(const boost::mpi::communicator& comm, const std::string& path);
  ~MpiFile();
  MpiFile(const MpiFile&) = delete;
  MpiFile& operator=(const MpiFile&) = delete;
  MPI_File get() const { return file_; }

  /// @brief Reads bytes [offset, offset + n) into @p out, independently (not collective), in pieces an
  /// int count can hold.
  void read_at(std::uint64_t offset, char* out, std::uint64_t n) const;

 private:
  MPI_File file_ = MPI_FILE_NULL;
};

// --- read_blocks.cpp --------------------------------------------------------------------------------

/// @brief Rows [first, last) of @p rank under the parallel strategy: whole blocks, in rank order.
std::pair<std::uint64_t, std::uint64_t> block_range(std::uint64_t n, int rank, int ranks);

/// @brief Reads this rank's rows: @p read(from, count, dest) writes rows [from, from + count) to dest.
using ReadRows = std::function<void(std::uint64_t from, std::uint64_t count, double* dest)>;

/// @brief This rank's whole blocks of rows [0, n) (block_range), read by @p read in pieces of at most
/// @p per_read rows. Every rank makes the same number of calls, some with count 0, so that @p read may be
/// a collective transfer. Collective over @p comm.
LocalColumn read_rows_collectively(const boost::mpi::communicator& comm, std::uint64_t n,
                                   std::uint64_t per_read, const ReadRows& read);

// --- read_scatter.cpp -------------------------------------------------------------------------------

/// @brief The rounds of the root strategy. Rank 0 hands over values in row order; whole blocks of them
/// are spread over all ranks (contiguous, equal shares), the rest waits for the next round, and the last
/// round gives the tail to the last rank. A round is: broadcast of its size (or of an error), Scatterv.
class Scatterer {
 public:
  /// @brief Received values go to @p out, the time spent to info.scatter_s.
  Scatterer(const boost::mpi::communicator& comm, LocalColumn& out, ReadInfo& info)
      : comm_(comm), out_(out), info_(info) {}

  /// @brief Reserves, on huge pages, room for exactly what this rank will receive when rank 0 sends
  /// @p n rows in reads of @p per_read (a multiple of kReadBlock). Without it the room doubles as needed.
  void expect(std::uint64_t n, std::uint64_t per_read);

  /// @brief Rank 0: adds @p fresh to what is pending (emptying @p fresh) and sends what forms whole
  /// blocks, everything if @p last. Collective with receive_all() on the other ranks.
  void send(Values& fresh, bool last);

  /// @brief Rank 0: the bytes its pending values hold (part of its read buffer).
  std::uint64_t pending_bytes() const { return pending_.capacity() * sizeof(double); }

  /// @brief Rank 0: tells everyone that reading failed, with @p message.
  void fail(const std::string& message);

  /// @brief Other ranks: receive rounds until the last one. @throws UsageError when rank 0 failed.
  void receive_all();

 private:
  void round(std::uint64_t header[3], bool announced = false);

  const boost::mpi::communicator& comm_;
  LocalColumn& out_;
  ReadInfo& info_;
  Values pending_;
  std::uint64_t sent_ = 0;
};

/// @brief Rank 0's source of rows for the root strategy: a binary file or an HDF5 dataset.
class RowReader {
 public:
  virtual ~RowReader() = default;
  /// @brief Writes rows [from, from + count) to @p out, called for consecutive ranges from row 0.
  /// @return A message for input that went bad while it was read (the file became shorter), else none.
  virtual std::optional<std::string> read(std::uint64_t from, std::uint64_t count, double* out) = 0;
  /// @brief The bytes of its own read buffer.
  virtual std::uint64_t buffer_bytes() const = 0;
};

/// @brief The root strategy for rows of @p width bytes in the file: rank 0 reads @p n rows with the
/// reader @p open makes (called on rank 0 only) in chunks of about @p chunk_bytes and scatters them.
/// Collective over @p comm. @throws UsageError on every rank for a read the reader reports as bad.
LocalColumn read_rows_root(const boost::mpi::communicator& comm, std::uint64_t n, std::size_t width,
                           std::uint64_t chunk_bytes, const std::function<std::unique_ptr<RowReader>()>& open,
                           ReadInfo& info);

// --- read_csv_text.cpp ------------------------------------------------------------------------------

/// @brief A piece of text parsed with some threads, split at line starts.
struct ParsedText {
  std::uint64_t lines = 0;
  std::uint64_t skipped = 0;
  std::optional<kernels::csv::BadLine> error;  ///< line relative to the start of the text
};

/// @brief Per-piece vectors that parse_text hands back to the parser chunk after chunk.
using ThreadStorage = std::vector<std::vector<double>>;

/// @brief Parses @p text with @p threads threads and appends the values to @p values (up to the first bad
/// line). The text is cut at line starts into a few pieces per thread, taken dynamically, so that the
/// master thread can first do @p side_job (read the next chunk: MPI calls stay on the master thread)
/// while the others parse. Not collective.
ParsedText parse_text(std::string_view text, const kernels::csv::Dialect& dialect,
                      const kernels::csv::ColumnSpec& spec, int threads, ThreadStorage& storage,
                      Values& values, const std::function<void()>& side_job = {});

// --- read_csv.cpp -----------------------------------------------------------------------------------

/// @brief Every rank parses the lines that start in its share of the bytes (MPI-IO). Collective.
LocalColumn read_csv_parallel(const boost::mpi::communicator& comm, const InputSpec& spec,
                              const format::CsvLayout& layout, std::uint64_t size, int threads,
                              ReadInfo& info);

/// @brief Rank 0 reads chunks of whole lines, parses them and scatters the values. Collective.
LocalColumn read_csv_root(const boost::mpi::communicator& comm, const InputSpec& spec,
                          const format::CsvLayout& layout, int threads, ReadInfo& info);

// --- read_binary.cpp --------------------------------------------------------------------------------

/// @brief Every rank reads its whole blocks of the @p n values with collective MPI-IO. Collective.
LocalColumn read_binary_parallel(const boost::mpi::communicator& comm, const InputSpec& spec, std::uint64_t n,
                                 ReadInfo& info);

/// @brief Rank 0's reader of the binary file of @p spec, from its start (for read_rows_root).
std::unique_ptr<RowReader> open_binary_rows(const InputSpec& spec);

// --- read_mmap.cpp ----------------------------------------------------------------------------------

/// @brief --read mmap: every rank maps its whole blocks of the @p n values from the file of @p size bytes.
/// Collective.
LocalColumn read_binary_mapped(const boost::mpi::communicator& comm, const InputSpec& spec, std::uint64_t n,
                               std::uint64_t size, int threads, ReadInfo& info);

// --- read_hdf5.cpp ----------------------------------------------------------------------------------

/// @brief Rank 0: the length of the 1-D numeric dataset of @p spec, checked with the serial driver.
/// @throws UsageError for a file that is not HDF5, a missing, non-numeric, empty or not 1-D dataset.
std::uint64_t check_hdf5(const InputSpec& spec);

/// @brief Every rank reads its whole blocks of the @p n values with collective HDF5 transfers. Collective.
LocalColumn read_hdf5_parallel(const boost::mpi::communicator& comm, const InputSpec& spec, std::uint64_t n,
                               ReadInfo& info);

/// @brief Rank 0's reader of the dataset of @p spec as doubles (for read_rows_root).
std::unique_ptr<RowReader> open_hdf5_rows(const InputSpec& spec);

}  // namespace parakit::mpi::detail
