#pragma once
/// @file
/// @brief What the parallel writers of parakit/mpi/write.hpp share (internal to src/mpi): the target file
/// and its whole-or-nothing temporary file, the OpenMP team size, the round plan, and the MPI-IO round
/// loop of the CSV and binary writers.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/mpi/communicator.hpp>

#include "parakit/kernels/partition.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/write.hpp"
#include "parakit/quote.hpp"

namespace parakit::mpi::detail {

/// @brief The file and the messages about it: `given` as the user typed it, `target` the file actually
/// replaced (a symbolic link followed), `option` how messages name it ("FILE", "--output").
struct Target {
  std::string given;
  std::string target;
  std::string option;
  /// @brief "<option>: cannot write '<given>': <why>", the message of every failure while writing
  /// (`given` quoted by parakit::quoted).
  [[nodiscard]] std::string cannot_write(const std::string& why) const {
    return option + ": cannot write " + parakit::quoted(given) + ": " + why;
  }
};

/// @brief The checks every writer makes first: rank 0 follows a link at @p path and checks that the file
/// can be written (its directory exists and is writable; it is not a directory, a special file or
/// read-only), before anything is generated, so that a typo in the directory fails at once.
/// @throws parakit::UsageError on every rank if rank 0's check fails.
/// @note Collective over @p comm.
Target prepare(const boost::mpi::communicator& comm, const std::string& path, const WriteOptions& options);

/// @brief The exception being handled as a Failure: parakit::UsageError keeps its message (usage), any
/// other becomes t.cannot_write(what()). Call only inside a catch block.
std::optional<Failure> current_failure(const Target& t);

/// @brief The temporary file beside the target (`target.tmp.XXXXXX`), created by rank 0 and known to all
/// ranks. Rank 0 removes it again unless it was renamed over the target; on every other rank the object
/// only holds the name.
class TempFile {
 public:
  /// @brief Rank 0 creates the file with the target's permissions (an existing file's, else 0666 less
  /// the umask) and broadcasts its name.
  /// @throws parakit::Error on every rank if rank 0 cannot create it.
  /// @note Collective over @p comm.
  TempFile(const boost::mpi::communicator& comm, const Target& t);
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile();

  [[nodiscard]] const std::string& name() const { return name_; }

  /// @brief Rank 0 renames the file over the target; every rank returns, or throws, together.
  /// @note Collective over @p comm.
  void commit(const boost::mpi::communicator& comm, const Target& t);

  /// @brief The size of the file in bytes, on every rank (rank 0 looks).
  /// @note Collective over @p comm.
  [[nodiscard]] std::uint64_t size(const boost::mpi::communicator& comm, const Target& t) const;

 private:
  bool is_root_;
  bool committed_ = false;
  std::string name_;
};

/// @brief Sets this thread's OpenMP team size for the writer's parallel regions (kernels::generate::fill's
/// too, which cannot take one) and restores it afterwards. @p threads 0 keeps the current one.
class ThreadCount {
 public:
  explicit ThreadCount(int threads);
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;
  ~ThreadCount();

 private:
  int saved_;
};

/// @brief The rows of each round. Round r covers the next `ranks * piece` rows, split over the ranks in
/// rank order as evenly as possible, so that every collective write fills one contiguous stretch of the
/// file. (One contiguous block per rank would not do for CSV: where rank 1's block starts depends on the
/// length of rank 0's whole block as text, known only after formatting all of it.) Every rank makes the
/// same number of rounds; the last one may leave some ranks without rows.
struct Rounds {
  std::uint64_t rows = 0;
  std::uint64_t piece = 1;  ///< rows per rank and round
  std::uint64_t rank = 0;
  std::uint64_t ranks = 1;
  std::uint64_t count = 1;  ///< rounds, at least 1 (with 0 rows too)
  /// @brief This rank's rows of round @p r (possibly none).
  [[nodiscard]] kernels::Range round(std::uint64_t r) const;
};

/// @brief The rounds of @p rows rows of @p values_per_row values each on this rank of @p comm: a piece is
/// about 2^20 values. Not collective (it only asks @p comm its rank and size).
Rounds plan(const boost::mpi::communicator& comm, std::uint64_t rows, std::uint64_t values_per_row);

/// @brief Appends this rank's bytes of round @p round (rows @p rows) to @p bytes and returns their offset
/// in the file (ignored with scanned offsets). May throw: the failure is shared with every rank.
using MakeRound =
    std::function<std::uint64_t(std::uint64_t round, kernels::Range rows, std::vector<char>& bytes)>;

/// @brief The shared loop of the MPI-IO writers: creates the temporary file, then per round calls
/// @p make and writes every rank's bytes with one collective write; with @p scan_offsets a rank's bytes
/// go after those of the ranks before it (an exclusive scan) and of the rounds before. Closes the file,
/// and renames it over the target once every rank succeeded.
/// @return The bytes written by all ranks together.
/// @throws parakit::UsageError or parakit::Error on every rank together if any rank failed (the lowest
/// failing rank's message); the temporary file is then removed.
/// @note Collective over @p comm.
std::uint64_t write_rounds(const boost::mpi::communicator& comm, const Target& t, const Rounds& rounds,
                           bool scan_offsets, const MakeRound& make);

}  // namespace parakit::mpi::detail
