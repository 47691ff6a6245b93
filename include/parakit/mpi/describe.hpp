#pragma once
/// @file
/// @brief `parakit stats` in the distribution layer: one column of a file read by rank 0 in bounded
/// chunks and scattered (Scatterv), or read by every rank from its own byte range (MPI-IO, collective
/// HDF5); then describe() with OpenMP threads on every rank and the partial results reduced to rank 0.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <boost/mpi/communicator.hpp>

#include "parakit/kernels/describe.hpp"
#include "parakit/report/run_stats.hpp"

namespace parakit::mpi {

enum class FileType { kCsv, kBinary, kHdf5 };
/// kRoot: rank 0 reads in chunks and scatters; kParallel: every rank reads its own range with MPI-IO;
/// kMmap (binary only): every rank maps its own range of the file, and f64 values are used in place,
/// straight from the page cache (no copy, no column memory).
enum class ReadStrategy { kRoot, kParallel, kMmap };
enum class Dtype { kF64, kF32, kI64, kI32 };

/// @brief "csv", "binary", "hdf5".
const char* file_type_name(FileType type);

/// @brief Bytes of one value of @p dtype.
std::size_t dtype_bytes(Dtype dtype);
/// @brief "f64", "f32", "i64", "i32".
const char* dtype_name(Dtype dtype);
/// @brief Parses a dtype name. @throws parakit::UsageError otherwise.
Dtype parse_dtype(const std::string& name, const std::string& option);

/// @brief Which column of which file, and how to read it.
struct InputSpec {
  std::string path;
  FileType type = FileType::kCsv;
  ReadStrategy read = ReadStrategy::kParallel;
  char sep = ',';             ///< CSV separator
  bool header = true;         ///< CSV: the first line names the columns
  std::string column;         ///< CSV: a name from the header or a 0-based index; empty: column 0
  bool skip_bad = false;      ///< CSV: skip ragged lines and non-numeric fields, counted
  Dtype dtype = Dtype::kF64;  ///< binary: the values' type, little-endian
  std::string dataset;        ///< HDF5: the path of a 1-D dataset
  std::uint64_t chunk_bytes = std::uint64_t{4} << 20;  ///< CSV and root reads: bytes read at a time
};

/// @brief A run of consecutive rows of the column held by this rank: global rows [first, first + count)
/// are values[offset, offset + count).
struct Segment {
  std::uint64_t first = 0;
  std::size_t offset = 0;
  std::size_t count = 0;
};

/// @brief An allocator that leaves new elements uninitialised (`resize` then costs no memset): the
/// reader writes every value anyway, and the first write, by the thread that owns it, faults the page in.
template <class T>
struct UninitializedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <class U>
  UninitializedAllocator(const UninitializedAllocator<U>& /*other*/) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;  // default-initialisation: nothing for a double
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

/// @brief Doubles that `resize` does not zero.
using Values = std::vector<double, UninitializedAllocator<double>>;

/// @brief This rank's share of the column (missing values as NaN): values of its own, or (--read mmap,
/// f64) a read-only view of the file's pages that the mapping keeps alive.
struct LocalColumn {
  Values values;
  std::vector<Segment> segments;
  std::shared_ptr<const void> mapping{};  ///< set when the values are the file's mapped pages
  std::span<const double> view{};         ///< those pages' values

  /// @brief The values, whoever holds them.
  std::span<const double> data() const { return mapping ? view : std::span<const double>(values); }
  /// @brief The values, to change in place: mapped values are copied into values first.
  std::span<double> writable();
};

/// @brief What reading found. The counts are global (the same on every rank).
struct ReadInfo {
  std::uint64_t rows = 0;               ///< values read, missing ones included
  std::uint64_t skipped = 0;            ///< CSV lines skipped under skip_bad
  std::uint64_t file_bytes = 0;         ///< the file's size
  std::string column;                   ///< the column's name (CSV header, dataset) or index
  std::uint64_t chunk_bytes = 0;        ///< the read size used
  std::uint64_t root_buffer_bytes = 0;  ///< rank 0's largest read + parse buffer (root strategy)
  double read_s = 0.0;                  ///< this rank: opening, reading and parsing
  double scatter_s = 0.0;               ///< this rank: waiting for and receiving scattered chunks
};

/// @brief Reads the column of @p spec; every rank gets its share. Collective over @p comm.
/// @throws parakit::UsageError on every rank alike for bad input: one line naming the file, and the line
/// and column where that applies.
LocalColumn read_column(const boost::mpi::communicator& comm, const InputSpec& spec, int threads,
                        ReadInfo& info);

/// @brief What describe() computes.
struct DescribeOptions {
  std::size_t bins = 10;
  std::vector<double> quantiles = {0.25, 0.5, 0.75};
  int threads = 1;
};

/// @brief The statistics, complete on every rank.
struct Description {
  kernels::describe::Moments moments;
  std::vector<double> quantiles;      ///< one per DescribeOptions::quantiles
  std::vector<double> edges;          ///< histogram edges (bins + 1; empty without finite values)
  std::vector<std::uint64_t> counts;  ///< histogram counts
  int selection_rounds = 0;           ///< key-histogram rounds the quantiles needed
  bool full_rescan = false;           ///< whether the sample missed a quantile (one more pass)
};

/// @brief describe() of the column spread over the ranks of @p comm. The result does not depend on how
/// the rows are spread or on the thread counts, bit for bit. Collective. Adds its compute and reduce
/// times to @p phases.
Description describe(const boost::mpi::communicator& comm, const LocalColumn& column,
                     const DescribeOptions& options, report::PhaseTimes& phases);

}  // namespace parakit::mpi
