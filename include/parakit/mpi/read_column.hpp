#pragma once
/// @file
/// @brief The reader of `parakit stats`: one column of a CSV, raw binary or HDF5 file, spread over the
/// ranks. Rank 0 reads in bounded chunks and scatters whole blocks (Scatterv), or every rank reads its
/// own range (MPI-IO with CSV ranges aligned to line starts, a mapping of the file, collective HDF5).
/// Bad input is found where it is read and raised on every rank together.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <boost/mpi/communicator.hpp>

#include "parakit/format/file_format.hpp"
#include "parakit/kernels/uninitialized.hpp"

namespace parakit::mpi {

/// kRoot: rank 0 reads in chunks and scatters; kParallel: every rank reads its own range with MPI-IO;
/// kMmap (binary only): every rank maps its own range of the file, and f64 values are used in place,
/// straight from the page cache (no copy, no column memory).
enum class ReadStrategy { kRoot, kParallel, kMmap };

/// @brief Which column of which file, and how to read it.
struct InputSpec {
  std::string path;
  format::FileType type = format::FileType::kCsv;
  ReadStrategy read = ReadStrategy::kParallel;
  char sep = ',';         ///< CSV separator
  bool header = true;     ///< CSV: the first line names the columns
  std::string column;     ///< CSV: a name from the header or a 0-based index; empty: column 0
  bool skip_bad = false;  ///< CSV: skip ragged lines and non-numeric fields, counted
  format::Dtype dtype = format::Dtype::kF64;           ///< binary: the values' type, little-endian
  std::string dataset;                                 ///< HDF5: the path of a 1-D dataset
  std::uint64_t chunk_bytes = std::uint64_t{4} << 20;  ///< CSV and root reads: bytes read at a time
};

/// @brief A run of consecutive rows of the column held by this rank: global rows [first, first + count)
/// are values[offset, offset + count).
struct Segment {
  std::uint64_t first = 0;
  std::size_t offset = 0;
  std::size_t count = 0;
};

/// @brief Doubles that `resize` does not zero.
using Values = std::vector<double, kernels::UninitializedAllocator<double>>;

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

/// @brief Reads the column of @p spec with @p threads OpenMP threads per rank (>= 1); every rank gets its
/// share, in whole blocks of kernels::describe::kBlock rows except at the ends of the column. Adds its
/// times to info.read_s and info.scatter_s and sets the rest of @p info.
/// @note Collective over @p comm: every rank passes the same @p spec.
/// @throws parakit::UsageError on every rank alike for bad input: one line naming the file, and the line
/// and column where that applies. parakit::Error for --read mmap with a file that is not binary.
LocalColumn read_column(const boost::mpi::communicator& comm, const InputSpec& spec, int threads,
                        ReadInfo& info);

}  // namespace parakit::mpi
