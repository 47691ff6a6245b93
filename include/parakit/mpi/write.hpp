#pragma once
/// @file
/// @brief The parallel writers of `parakit gen`: every rank generates its own block of rows and writes it
/// at its place in the file (MPI-IO, or parallel HDF5), so no rank ever holds the whole data set.
///
/// All writers share these rules:
/// - The rows are written in rounds: round r covers the next ranks x piece rows (a piece is about 2^20
///   values), split over the ranks in rank order as evenly as possible (kernels::block_range), and is one
///   collective write of a contiguous stretch of the file. Every rank takes part in every round (with no
///   rows left, it writes 0 bytes). Memory per rank is therefore bounded, whatever the number of rows.
/// - The bytes of the file depend only on the arguments, never on the ranks or the threads.
/// - Whole or nothing: the data go to a temporary file beside @p path (`path.tmp.XXXXXX`), which rank 0
///   renames over @p path only once every rank has succeeded. On failure the temporary file is removed
///   and every rank throws the same error together, so no rank is left waiting in a collective.
/// - An existing regular file is replaced (a symbolic link to one: its target is); the new file keeps an
///   existing file's permissions, else gets 0666 less the umask.

#include <cstdint>
#include <string>
#include <vector>

#include <boost/mpi/communicator.hpp>

#include "parakit/format/file_format.hpp"
#include "parakit/kernels/generate.hpp"

namespace parakit::mpi {

using format::Dtype;  // the value types, shared with the readers of parakit stats

/// @brief Settings every writer takes besides the data.
struct WriteOptions {
  int threads = 0;  ///< OpenMP threads of this rank for generating and formatting (0: the default)
  std::string option = "FILE";  ///< how messages about @p path name it, e.g. "FILE" or "--output"
};

/// @brief Writes a CSV file of @p rows lines (after an optional header line), one field per name.
///
/// Field c of line i is kernels::generate::value(spec, c, i) in the shortest form that reads back as
/// the same double (std::to_chars), `inf` / `-inf` for infinities, and empty when it is missing (NaN).
/// Lines end with '\n'. The header line is the names joined by @p sep.
/// @param names  The column names (at least one); none may contain @p sep, '"', '\n' or '\r'.
/// @param sep    The field separator; not '"', '\n', '\r', nor a character of a number.
/// @return The size of the file in bytes.
/// @note Collective over @p comm: every rank must pass the same arguments (threads may differ).
/// @throws parakit::UsageError (on every rank) if the directory of @p path does not exist or cannot be
/// written, or @p path is a directory, a special file or read-only; parakit::Error (on every rank) for
/// a failure while writing, naming the file; parakit::Error for invalid arguments.
std::uint64_t write_csv(const boost::mpi::communicator& comm, const std::string& path,
                        const std::vector<std::string>& names, const kernels::generate::Spec& spec,
                        std::uint64_t rows, char sep, bool header, const WriteOptions& options = {});

/// @brief Writes generator column 0 as @p rows raw little-endian elements of @p dtype, nothing else.
/// @return The size of the file in bytes: rows * dtype_bytes(dtype).
/// @note Collective over @p comm: every rank must pass the same arguments (threads may differ).
/// @throws parakit::UsageError (on every rank) as write_csv, and for spec.missing > 0 with an integer
/// @p dtype (NaN has no integer representation) or a value outside the range of an integer @p dtype;
/// parakit::Error (on every rank) for a failure while writing.
std::uint64_t write_binary(const boost::mpi::communicator& comm, const std::string& path,
                           const kernels::generate::Spec& spec, std::uint64_t rows, Dtype dtype,
                           const WriteOptions& options = {});

/// @brief Writes an HDF5 file with one 1-D dataset of @p rows elements per name (parallel HDF5,
/// collective transfers); dataset c holds generator column c, missing values as NaN.
/// @param names  Dataset paths, absolute ("/a/b") or relative to the root group ("price"); missing
///               groups are created.
/// @param dtype  kF64 or kF32 (stored as H5T_IEEE_F64LE / H5T_IEEE_F32LE).
/// @return The size of the file in bytes.
/// @note Collective over @p comm: every rank must pass the same arguments (threads may differ).
/// @throws parakit::UsageError (on every rank) as write_csv, or for an integer @p dtype;
/// parakit::Error (on every rank) for an HDF5 failure, naming the file and the call.
std::uint64_t write_hdf5(const boost::mpi::communicator& comm, const std::string& path,
                         const std::vector<std::string>& names, const kernels::generate::Spec& spec,
                         std::uint64_t rows, Dtype dtype, const WriteOptions& options = {});

}  // namespace parakit::mpi
