// The MPI-IO round loop of the CSV and binary writers (write_detail.hpp): one collective write per round.

#include <climits>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/mpi/collectives/all_reduce.hpp>
#include <mpi.h>

#include "parakit/mpi/check.hpp"

#include "write_detail.hpp"

namespace parakit::mpi::detail {
namespace {

// Keeps the first failure of this rank: "<call>: <MPI's message>" unless @p code is MPI_SUCCESS.
bool note_mpi(int code, const char* call, const Target& t, std::optional<Failure>& failure) {
  if (code == MPI_SUCCESS) return true;
  if (!failure)
    failure =
        Failure{false, t.cannot_write(std::string(call) + ": " + parakit::detail::mpi_error_string(code))};
  return false;
}

// An MPI file opened by every rank. The MPI-IO calls are checked here, each error turned into a message
// naming the file and the call; closing is collective, so it happens only where all ranks agree (close()),
// never in a destructor that one rank may reach alone.
class MpiOutputFile {
 public:
  MpiOutputFile(const boost::mpi::communicator& comm, const std::string& name, const Target& t) {
    std::optional<Failure> failure;
    if (!note_mpi(MPI_File_open(comm, name.c_str(), MPI_MODE_WRONLY, MPI_INFO_NULL, &file_), "MPI_File_open",
                  t, failure))
      file_ = MPI_FILE_NULL;
    if (const auto agreed = agree_on_failure(comm, failure)) {
      // Every rank that opened it is here too. The agreed failure is the error to report; a second one
      // while closing would only hide it.
      if (file_ != MPI_FILE_NULL) static_cast<void>(MPI_File_close(&file_));
      raise(*agreed);
    }
  }
  MpiOutputFile(const MpiOutputFile&) = delete;
  MpiOutputFile& operator=(const MpiOutputFile&) = delete;

  // Writes @p bytes at @p offset (collective; @p bytes may be empty); a failure is kept in @p failure.
  void write_at(std::uint64_t offset, std::span<const char> bytes, const Target& t,
                std::optional<Failure>& failure) {
    // MPI counts are ints. A piece is about 25 MiB of text at most; only absurdly long column names
    // could exceed 2 GiB, and even then this rank must still take part, with nothing to write.
    if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
      if (!failure)
        failure = Failure{false, t.cannot_write("a piece of " + std::to_string(bytes.size()) +
                                                " bytes is more than one MPI write can take")};
      bytes = {};
    }
    MPI_Status status;
    int written = 0;
    if (!note_mpi(MPI_File_write_at_all(file_, static_cast<MPI_Offset>(offset), bytes.data(),
                                        static_cast<int>(bytes.size()), MPI_BYTE, &status),
                  "MPI_File_write_at_all", t, failure))
      return;
    if (MPI_Get_count(&status, MPI_BYTE, &written) != MPI_SUCCESS ||
        static_cast<std::size_t>(written) != bytes.size()) {
      if (!failure) {
        failure = Failure{false, t.cannot_write("MPI_File_write_at_all wrote " + std::to_string(written) +
                                                " of " + std::to_string(bytes.size()) + " bytes")};
      }
    }
  }

  // Flushes and closes the file on every rank (collective); a failure is kept in @p failure.
  void close(const Target& t, std::optional<Failure>& failure) {
    note_mpi(MPI_File_sync(file_), "MPI_File_sync", t, failure);
    note_mpi(MPI_File_close(&file_), "MPI_File_close", t, failure);
  }

 private:
  MPI_File file_ = MPI_FILE_NULL;
};

// Where this rank's @p length bytes start when they follow those of the ranks before it, after @p base.
std::uint64_t scanned_offset(const boost::mpi::communicator& comm, std::uint64_t base, std::uint64_t length) {
  std::uint64_t before = 0;
  PARAKIT_MPI_CHECK(MPI_Exscan(&length, &before, 1, MPI_UINT64_T, MPI_SUM, comm));
  return base + (comm.rank() == 0 ? 0 : before);  // MPI_Exscan leaves rank 0's result undefined
}

}  // namespace

std::uint64_t write_rounds(const boost::mpi::communicator& comm, const Target& t, const Rounds& rounds,
                           bool scan_offsets, const MakeRound& make) {
  TempFile temp(comm, t);
  MpiOutputFile file(comm, temp.name(), t);
  std::uint64_t base = 0;  // where this round's bytes start, with scanned offsets
  std::uint64_t total = 0;
  std::vector<char> bytes;
  std::optional<Failure> failure;
  for (std::uint64_t r = 0; r < rounds.count; ++r) {
    std::uint64_t offset = 0;
    try {
      bytes.clear();
      offset = make(r, rounds.round(r), bytes);
    } catch (...) {
      failure = current_failure(t);
      bytes.clear();  // this rank still takes part in the collectives, with nothing to write
    }
    const auto length = static_cast<std::uint64_t>(bytes.size());
    const std::uint64_t round_total = boost::mpi::all_reduce(comm, length, std::plus<std::uint64_t>());
    if (scan_offsets) {
      offset = scanned_offset(comm, base, length);
      base += round_total;
    }
    file.write_at(offset, bytes, t, failure);
    total += round_total;
    if (agree_on_failure(comm, failure)) break;
  }
  file.close(t, failure);
  raise_if_any(comm, failure);
  temp.commit(comm, t);
  return total;
}

}  // namespace parakit::mpi::detail
