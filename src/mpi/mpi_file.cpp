// MPI-IO for the reader: a file every rank opens read-only, and independent reads of any size.

#include <algorithm>

#include "parakit/error.hpp"
#include "parakit/mpi/check.hpp"
#include "parakit/quote.hpp"

#include "read_detail.hpp"

namespace parakit::mpi::detail {

MpiFile::MpiFile(const boost::mpi::communicator& comm, const std::string& path) {
  const int code = MPI_File_open(MPI_Comm(comm), path.c_str(), MPI_MODE_RDONLY, MPI_INFO_NULL, &file_);
  if (code != MPI_SUCCESS) throw Error(escaped(path) + ": MPI_File_open failed");
}

MpiFile::~MpiFile() {
  // A destructor cannot throw: an error closing a file only read from loses nothing.
  MPI_File_close(&file_);
}

void MpiFile::read_at(std::uint64_t offset, char* out, std::uint64_t n) const {
  while (n > 0) {
    const std::uint64_t piece = std::min(n, kMaxRead);
    MPI_Status status;
    PARAKIT_MPI_CHECK(MPI_File_read_at(file_, static_cast<MPI_Offset>(offset), out, static_cast<int>(piece),
                                       MPI_BYTE, &status));
    offset += piece;
    out += piece;
    n -= piece;
  }
}

}  // namespace parakit::mpi::detail
