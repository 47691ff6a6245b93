#pragma once
/// @file
/// @brief A 2D field of doubles in a file, read and written by rank 0: raw little-endian f64 (row-major,
/// rows x cols values, nothing else) or an HDF5 2-D dataset of doubles. `parakit heat --input/--output`.

#include <optional>
#include <string>
#include <vector>

#include <boost/mpi/communicator.hpp>

#include "parakit/format/file_format.hpp"
#include "parakit/kernels/heat.hpp"

namespace parakit::mpi {

/// @brief Where a field lives: the file, its type (kBinary: raw f64; kHdf5) and, for HDF5, the dataset.
struct FieldFile {
  std::string path;
  format::FileType type = format::FileType::kBinary;
  std::string dataset = "/field";  ///< HDF5 only
};

/// @brief Rank 0 reads the field of @p file; every rank learns its grid (returned everywhere, the values
/// on rank 0 only). A raw file's grid is @p grid (required: its size must be rows x cols x 8 bytes); an
/// HDF5 dataset's is its shape (@p grid, when given, must agree). Every value must be finite.
/// @param grid_read Set on every rank to the grid of the field read.
/// @note Collective over @p comm.
/// @throws parakit::UsageError on every rank, one line `--input 'PATH': what was wrong (accepted: ...)`:
/// not a regular file, the wrong size (the size found and the size expected), no --grid for a raw file,
/// not an HDF5 file, no such dataset, a dataset that is not 2-D or not of 8-byte IEEE floats (either byte
/// order), a --grid that disagrees with the dataset, a value that is not finite (its row and column,
/// counting from 0).
std::vector<double> read_field(const boost::mpi::communicator& comm, const FieldFile& file,
                               std::optional<kernels::heat::GridSize> grid,
                               kernels::heat::GridSize& grid_read);

/// @brief Rank 0 writes @p field (rows x cols, row-major, significant on rank 0 only) to @p file, whole
/// or not at all: a temporary file beside it (the target's permissions), synced, then renamed over it
/// (a symbolic link is followed and stays). Raw: little-endian f64, nothing else. HDF5: a new file with
/// one 2-D dataset of IEEE little-endian doubles at `file.dataset` (missing groups created), written
/// without MPI-IO by rank 0.
/// @note Collective over @p comm: every rank passes the same @p file and @p grid.
/// @throws parakit::UsageError on every rank, before anything is written, when the path cannot be written
/// (`--output 'PATH': directory 'DIR' does not exist (accepted: ...)`, a directory, a special or
/// read-only file) or the type is not raw or HDF5; parakit::Error on every rank when writing fails
/// (`--output: cannot write 'PATH': File too large`): the old file, if any, is unchanged and no
/// temporary file remains.
void write_field(const boost::mpi::communicator& comm, const FieldFile& file, kernels::heat::GridSize grid,
                 const std::vector<double>& field);

}  // namespace parakit::mpi
