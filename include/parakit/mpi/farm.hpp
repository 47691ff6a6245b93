#pragma once
/// @file
/// @brief The task farm behind `parakit map`: pieces of work handed to every thread of every rank
/// under a schedule, each piece's record streamed to rank 0 as it ends.
///
/// Each rank runs `threads` worker threads and uses its main thread to talk MPI (so
/// MPI_THREAD_FUNNELED is enough): rank 0's main thread is the coordinator. It hands out pieces on
/// request (dynamic and split), receives every record and passes it to the sink, in arrival order.
/// Rank 0's own workers take pieces from the same counter, so the coordinator never costs a worker.
/// The other ranks ask ahead while their threads work, so a piece is waiting when a thread becomes
/// free; near the end, when pieces are fewer than the reserves would hold, they ask only for threads
/// that are idle, so no rank sits on pieces another could run. Under static and cyclic every worker knows its
/// pieces from its number alone.

#include <cstdint>
#include <functional>
#include <utility>

#include <boost/mpi/communicator.hpp>

#include "parakit/kernels/schedule.hpp"
#include "parakit/report/farm_record.hpp"

namespace parakit::mpi {

/// @brief What happened to one attempt at a piece (plain data, in report/farm_record.hpp).
using FarmRecord = report::FarmRecord;

/// @brief What the farm measured, complete on rank 0 only (plain data, in report/farm_record.hpp).
using FarmResult = report::FarmResult;

/// @brief A worker thread's view of the farm, passed to the work function.
class FarmWorker {
 public:
  FarmWorker(int rank, int thread, double start_unix_s, std::function<double()> now,
             std::function<void(const FarmRecord&)> emit)
      : rank_(rank),
        thread_(thread),
        start_unix_s_(start_unix_s),
        now_(std::move(now)),
        emit_(std::move(emit)) {}
  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int thread() const { return thread_; }
  /// @brief The common start as Unix time, on rank 0's clock: FarmResult::start_unix_s, on every rank.
  [[nodiscard]] double start_unix_s() const { return start_unix_s_; }
  /// @brief Seconds since the common start.
  [[nodiscard]] double now() const { return now_(); }
  /// @brief Sends @p record to rank 0 (rank and thread are filled in). Call it once per attempt.
  void emit(FarmRecord record) const {
    record.rank = rank_;
    record.thread = thread_;
    emit_(record);
  }

 private:
  int rank_;
  int thread_;
  double start_unix_s_;
  std::function<double()> now_;
  std::function<void(const FarmRecord&)> emit_;
};

/// @brief Runs piece @p piece on a worker; emits at least one record for it.
using FarmWork = std::function<void(std::uint64_t piece, const FarmWorker& worker)>;

/// @brief Called on rank 0's main thread for every record, as it arrives; @p farm holds the ranks
/// and the start time (records arrive in it after the call).
using FarmSink = std::function<void(const FarmRecord& record, const FarmResult& farm)>;

/// @brief How the farm runs.
struct FarmOptions {
  kernels::Schedule schedule = kernels::Schedule::kDynamic;
  /// Pieces per request under kDynamic (a rank's threads share them); 1 is used under kSplit, whose
  /// pieces are already cut to size; ignored by kStatic and kCyclic.
  std::uint64_t chunk = 1;
  int threads = 1;  ///< worker threads per rank
  /// Called when the farm stops early (a worker or the sink threw), before the workers are joined:
  /// it should make the pieces still running end soon (`map exec` kills their commands).
  std::function<void()> interrupt;
  /// Asked on rank 0 before the start and then every 50 ms: once it returns true the farm drains. No
  /// worker starts another piece (pieces already handed out but not started are dropped), the pieces
  /// running finish and are recorded, and run_farm returns normally with the rest not run
  /// (FarmResult::drained). `map exec --stop-file` uses it to end a
  /// job cleanly before its time limit.
  std::function<bool()> drain;
};

/// @brief Runs pieces 0 .. @p pieces - 1 over all ranks and threads of @p comm under @p options.
/// Every piece is given to exactly one worker once; the work function decides how many attempts it
/// makes and emits a record for each.
/// @note Collective: every rank passes the same @p pieces and options (checked). An exception in a
/// worker stops that rank's workers (options.interrupt ends the running pieces) and is rethrown on
/// that rank after they have been joined (the caller's guarded_main then aborts the job). The farm
/// talks on a duplicate of @p comm, so its messages never meet anybody else's.
/// @throws parakit::Error for invalid options or ranks that disagree.
FarmResult run_farm(const boost::mpi::communicator& comm, std::uint64_t pieces, const FarmOptions& options,
                    const FarmWork& work, const FarmSink& sink);

namespace detail {

/// @brief The common start of a farm or a graph on every rank: rank 0 gets every rank's identity in
/// @p result.per_rank; after a barrier, one time axis (the ranks on rank 0's host take its monotonic
/// start, sys::now_s; ranks on other hosts their own at the barrier), rank 0's Unix time in
/// result.start_unix_s, and whether @p drain already holds (result.drained). Collective.
/// @return the start on sys::now_s's axis.
double start_together(const boost::mpi::communicator& comm, int threads, const std::function<bool()>& drain,
                      FarmResult& result);

}  // namespace detail

}  // namespace parakit::mpi
