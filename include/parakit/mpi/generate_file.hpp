#pragma once
/// @file
/// @brief `parakit gen` as one library call: a synthetic data set written by all ranks in parallel in the
/// format asked for (mpi::write_csv, write_binary or write_hdf5), and how long that took.

#include <cstdint>
#include <string>
#include <vector>

#include <boost/mpi/communicator.hpp>

#include "parakit/format/file_format.hpp"
#include "parakit/kernels/generate.hpp"
#include "parakit/mpi/write.hpp"

namespace parakit::mpi {

/// @brief What to write, and where.
struct GenerateOptions {
  std::string path;  ///< the file to write (replaced whole, or left alone)
  format::FileType type = format::FileType::kCsv;
  std::vector<std::string> columns;  ///< column names (binary: one; HDF5: dataset paths)
  kernels::generate::Spec spec;      ///< the values: row i of column c is value(spec, c, i)
  std::uint64_t rows = 0;
  format::Dtype dtype = format::Dtype::kF64;  ///< binary and HDF5: the stored type
  char sep = ',';                             ///< CSV: the field separator
  bool header = true;                         ///< CSV: a header line of the column names first
  WriteOptions write;                         ///< threads, and how messages name the path
};

/// @brief What was written.
struct Generated {
  std::uint64_t bytes = 0;  ///< the file's size
  double seconds = 0.0;     ///< from a barrier before the first write to the writers' final agreement
};

/// @brief Writes the data set of @p options with the writer of its type (see write.hpp for the rules
/// every writer keeps: the same bytes for every layout, whole or nothing).
/// @note Collective over @p comm: every rank passes the same options except write.threads.
/// @throws parakit::UsageError on every rank together, as the writers do.
Generated generate_file(const boost::mpi::communicator& comm, const GenerateOptions& options);

}  // namespace parakit::mpi
