#include "parakit/mpi/farm.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/collectives/gather.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <mpi.h>
#include <sys/prctl.h>

#include "parakit/error.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/check.hpp"
#include "parakit/mpi/repeat.hpp"
#include "parakit/sys.hpp"

namespace parakit::mpi {
namespace {

using kernels::Schedule;
using Clock = std::chrono::steady_clock;

// Tags of the farm's messages, on a communicator of its own.
enum Tag : int { kRequest = 7101, kGrant = 7102, kRecord = 7103, kFinished = 7104, kDrain = 7105 };

// What a rank asks for: pieces for a thread that is waiting now, or pieces to keep in reserve.
enum Need : std::int32_t { kForIdleThread = 1, kForReserve = 0 };

// Pieces [first, last) given to a rank. Empty: none are left, unless `later` says that a reserve was
// refused (few pieces are left; ask again when a thread is idle).
struct Grant {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::int32_t later = 0;
  std::int32_t padding = 0;
};

// The main thread polls MPI and its workers; when a round found nothing to do it sleeps, 100 us after
// activity, twice as long after each idle round, up to 1 ms. Ranks are often bound to one core, which
// the main thread then shares with a worker: polling every 20 us all the time halved the worker's
// speed (measured), while 1000 wake-ups a second cost well under 1 %. Requests are made ahead of need
// (see run_farm), so the longer sleeps do not leave workers waiting. The timer slack is lowered
// meanwhile so that 100 us are not 150 (Linux's default slack is 50 us).
class Idler {
 public:
  Idler() : old_(prctl(PR_GET_TIMERSLACK, 0UL, 0UL, 0UL, 0UL)) {
    prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
  }
  ~Idler() {
    if (old_ > 0) prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(old_), 0UL, 0UL, 0UL);
  }
  Idler(const Idler&) = delete;
  Idler& operator=(const Idler&) = delete;
  void round(bool busy) {
    if (busy) {
      sleep_ = kShortest;
      return;
    }
    std::this_thread::sleep_for(sleep_);
    sleep_ = std::min(2 * sleep_, kLongest);
  }

 private:
  static constexpr std::chrono::microseconds kShortest{100}, kLongest{1000};
  int old_;
  std::chrono::microseconds sleep_ = kShortest;
};

// What the main thread and the workers of one rank share.
struct Shared {
  std::mutex mutex;
  std::condition_variable ready;       // queue has pieces, or none will come, or stop
  std::deque<std::uint64_t> queue;     // granted to this rank (dynamic, rank > 0), not yet taken
  bool exhausted = false;              // no more grants will come
  std::atomic<int> waiting{0};         // threads waiting for a piece
  std::vector<FarmRecord> outbox;      // records the main thread has not handled yet
  std::atomic<std::uint64_t> next{0};  // rank 0, dynamic: the first piece not handed out
  std::atomic<int> running{0};         // workers still working
  std::atomic<bool> stop{false};       // a worker failed: everybody stops taking pieces
  std::atomic<bool> draining{false};   // options.drain fired: no new pieces, the running ones finish
  std::exception_ptr error;
};

// Rank 0, dynamic: the next @p count pieces, or an empty grant.
Grant take(std::atomic<std::uint64_t>& next, std::uint64_t count, std::uint64_t pieces) {
  const std::uint64_t first = next.fetch_add(count);
  if (first >= pieces) return {pieces, pieces};
  return {first, std::min(pieces, first + count)};
}

}  // namespace

FarmResult run_farm(const boost::mpi::communicator& world, std::uint64_t pieces, const FarmOptions& options,
                    const FarmWork& work, const FarmSink& sink) {
  const bool is_valid = options.threads >= 1 && options.threads <= sys::kMaxThreads && options.chunk >= 1;
  const bool is_dynamic = options.schedule == Schedule::kDynamic || options.schedule == Schedule::kSplit;
  const std::uint64_t chunk =
      options.schedule == Schedule::kSplit ? 1 : std::min(options.chunk, std::max<std::uint64_t>(pieces, 1));
  check_same_on_all_ranks(world, {is_valid ? 1U : 0U, pieces, static_cast<std::uint64_t>(options.schedule),
                                  chunk, static_cast<std::uint64_t>(options.threads)});
  PARAKIT_REQUIRE(is_valid, "1 to kMaxThreads threads and a chunk of at least 1");

  // A communicator of its own: no message of the farm can meet another's, even after a farm that
  // ended in an exception.
  const boost::mpi::communicator comm(world, boost::mpi::comm_duplicate);
  const MPI_Comm c = comm;
  const int rank = comm.rank(), size = comm.size(), threads = options.threads;
  const auto workers = static_cast<std::uint64_t>(size) * static_cast<std::uint64_t>(threads);

  FarmResult result;
  const report::RankInfo self = detail::this_rank(comm, threads);
  if (rank == 0) {
    boost::mpi::gather(comm, self, result.per_rank, 0);
  } else {
    boost::mpi::gather(comm, self, 0);
  }

  Shared shared;
  shared.running = threads;
  comm.barrier();
  // One time axis: the ranks on rank 0's host share its monotonic clock, so they take rank 0's start;
  // ranks on other hosts start their own at the barrier (skew: the barrier's, microseconds).
  Clock::time_point t0 = Clock::now();
  {
    std::int64_t root_start = t0.time_since_epoch().count();
    std::string root_host = self.host;
    boost::mpi::broadcast(comm, root_start, 0);
    boost::mpi::broadcast(comm, root_host, 0);
    if (root_host == self.host) t0 = Clock::time_point(Clock::duration(root_start));
    // Drained before it began (a stop file that was already there): no piece starts anywhere.
    bool drain_now = rank == 0 && options.drain && options.drain();
    boost::mpi::broadcast(comm, drain_now, 0);
    shared.draining = result.drained = drain_now;
  }
  result.start_unix_s =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const auto now = [t0] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  const auto emit = [&shared](const FarmRecord& r) {
    const std::lock_guard lock(shared.mutex);
    shared.outbox.push_back(r);
  };

  const auto worker_main = [&](int thread) {
    const FarmWorker me(rank, thread, now, emit);
    try {
      if (!is_dynamic) {
        const std::uint64_t w = static_cast<std::uint64_t>(rank) * static_cast<std::uint64_t>(threads) +
                                static_cast<std::uint64_t>(thread);
        for (const std::uint64_t p : kernels::assigned_pieces(options.schedule, pieces, w, workers)) {
          if (shared.stop || shared.draining) break;
          work(p, me);
        }
      } else if (rank == 0) {
        for (Grant g = take(shared.next, chunk, pieces); g.first < g.last && !shared.stop && !shared.draining;
             g = take(shared.next, chunk, pieces)) {
          for (std::uint64_t p = g.first; p < g.last && !shared.stop && !shared.draining; ++p)
            work(p, me);
        }
      } else {
        for (;;) {
          std::unique_lock lock(shared.mutex);
          ++shared.waiting;
          shared.ready.wait(lock, [&] {
            return !shared.queue.empty() || shared.exhausted || shared.stop || shared.draining;
          });
          --shared.waiting;
          if (shared.queue.empty() || shared.stop || shared.draining) break;
          const std::uint64_t p = shared.queue.front();
          shared.queue.pop_front();
          lock.unlock();
          work(p, me);
        }
      }
    } catch (...) {
      const std::lock_guard lock(shared.mutex);
      if (!shared.error) shared.error = std::current_exception();
      shared.stop = true;
      shared.ready.notify_all();
    }
    --shared.running;
  };

  std::vector<std::jthread> team;
  std::vector<char> drain_sent(static_cast<std::size_t>(size), 0);  // rank 0: to whom it sent kDrain
  bool drain_seen = false;                                          // other ranks: it arrived
  const auto stop_team = [&] {
    {
      const std::lock_guard lock(shared.mutex);
      shared.stop = true;
      shared.ready.notify_all();
    }
    if (options.interrupt) options.interrupt();  // end the pieces still running
    team.clear();                                // joins
  };
  try {
    team.reserve(static_cast<std::size_t>(threads));
    for (int t = 0; t < threads; ++t)
      team.emplace_back(worker_main, t);

    Idler idler;
    std::vector<FarmRecord> batch;
    const auto take_outbox = [&] {
      batch.clear();
      const std::lock_guard lock(shared.mutex);
      batch.swap(shared.outbox);
      return !batch.empty();
    };
    if (rank == 0) {
      Clock::time_point next_drain_poll = Clock::now();
      const auto poll_drain = [&] {
        if (!options.drain || shared.draining || Clock::now() < next_drain_poll) return;
        next_drain_poll = Clock::now() + std::chrono::milliseconds(50);
        if (!options.drain()) return;
        result.drained = true;
        shared.draining = true;
        for (int r = 1; r < size; ++r) {
          PARAKIT_MPI_CHECK(MPI_Send(nullptr, 0, MPI_BYTE, r, kDrain, c));
          drain_sent[static_cast<std::size_t>(r)] = 1;
        }
      };
      int finished = 0;  // ranks that sent their last record
      const auto deliver = [&](const FarmRecord& r) {
        sink(r, result);
        result.records.push_back(r);
      };
      for (;;) {
        bool busy = take_outbox();
        for (const FarmRecord& r : batch)
          deliver(r);
        for (int flag = 1; size > 1;) {
          MPI_Status status;
          PARAKIT_MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, c, &flag, &status));
          if (flag == 0) break;
          busy = true;
          const int from = status.MPI_SOURCE;
          if (status.MPI_TAG == kRequest) {
            std::int32_t need = kForIdleThread;
            PARAKIT_MPI_CHECK(MPI_Recv(&need, sizeof need, MPI_BYTE, from, kRequest, c, MPI_STATUS_IGNORE));
            // Reserves only while pieces are plenty: near the end a reserve would sit on a rank while
            // another rank's thread is free.
            const std::uint64_t left = pieces - std::min(pieces, shared.next.load());
            Grant g{pieces, pieces, 1, 0};
            if (shared.draining)
              g.later = 0;  // none: the farm drains
            else if (need == kForIdleThread || left > 2 * workers * chunk)
              g = take(shared.next, chunk, pieces);
            PARAKIT_MPI_CHECK(MPI_Send(&g, sizeof g, MPI_BYTE, from, kGrant, c));
          } else if (status.MPI_TAG == kRecord) {
            FarmRecord r;
            PARAKIT_MPI_CHECK(MPI_Recv(&r, sizeof r, MPI_BYTE, from, kRecord, c, MPI_STATUS_IGNORE));
            deliver(r);
          } else if (status.MPI_TAG == kFinished) {
            PARAKIT_MPI_CHECK(MPI_Recv(nullptr, 0, MPI_BYTE, from, kFinished, c, MPI_STATUS_IGNORE));
            ++finished;
          } else {
            throw Error("task farm: unexpected message with tag " + std::to_string(status.MPI_TAG) +
                        " from rank " + std::to_string(from));
          }
        }
        poll_drain();
        if (shared.stop) break;
        if (shared.running == 0 && finished == size - 1) {
          // Workers may have emitted between the outbox check above and their exit.
          if (take_outbox()) {
            for (const FarmRecord& r : batch)
              deliver(r);
          }
          break;
        }
        idler.round(busy);
      }
      result.elapsed_s = now();
    } else {
      Grant grant;
      MPI_Request pending = MPI_REQUEST_NULL;
      bool exhausted = !is_dynamic, reserve_refused = false;
      const auto send_outbox = [&] {
        const bool any = take_outbox();
        for (const FarmRecord& r : batch)
          PARAKIT_MPI_CHECK(MPI_Send(&r, sizeof r, MPI_BYTE, 0, kRecord, c));
        return any;
      };
      for (;;) {
        bool busy = send_outbox();
        int drain = 0;
        if (!drain_seen) PARAKIT_MPI_CHECK(MPI_Iprobe(0, kDrain, c, &drain, MPI_STATUS_IGNORE));
        if (drain != 0) {
          // Rank 0 answers every request until all ranks have finished: take the answer, run nothing more.
          PARAKIT_MPI_CHECK(MPI_Recv(nullptr, 0, MPI_BYTE, 0, kDrain, c, MPI_STATUS_IGNORE));
          if (pending != MPI_REQUEST_NULL) PARAKIT_MPI_CHECK(MPI_Wait(&pending, MPI_STATUS_IGNORE));
          drain_seen = exhausted = true;
          const std::lock_guard lock(shared.mutex);
          shared.draining = shared.exhausted = true;
          shared.queue.clear();
          shared.ready.notify_all();
        }
        if (!exhausted && pending != MPI_REQUEST_NULL) {
          int done = 0;
          PARAKIT_MPI_CHECK(MPI_Test(&pending, &done, MPI_STATUS_IGNORE));
          if (done != 0) {
            busy = true;
            const std::lock_guard lock(shared.mutex);
            if (grant.later != 0) {
              reserve_refused = true;
            } else if (grant.first >= grant.last) {
              exhausted = shared.exhausted = true;
            } else {
              for (std::uint64_t p = grant.first; p < grant.last; ++p)
                shared.queue.push_back(p);
            }
            shared.ready.notify_all();
          }
        }
        if (!exhausted && pending == MPI_REQUEST_NULL) {
          std::size_t queued = 0;
          {
            const std::lock_guard lock(shared.mutex);
            queued = shared.queue.size();
          }
          // A waiting thread always asks. Otherwise keep two pieces ready for every thread, so that the
          // answer has a whole piece's time to come, until rank 0 says pieces are too few for reserves.
          std::int32_t need = kForReserve;
          bool ask = false;
          if (queued == 0 && shared.waiting > 0) {
            need = kForIdleThread;
            ask = true;
          } else if (!reserve_refused && queued < 2 * static_cast<std::size_t>(threads)) {
            ask = true;
          }
          if (ask) {
            PARAKIT_MPI_CHECK(MPI_Irecv(&grant, sizeof grant, MPI_BYTE, 0, kGrant, c, &pending));
            PARAKIT_MPI_CHECK(MPI_Send(&need, sizeof need, MPI_BYTE, 0, kRequest, c));
            busy = true;
          }
        }
        if (shared.stop) {
          if (pending != MPI_REQUEST_NULL) {  // the buffer is ours: take it back before leaving
            PARAKIT_MPI_CHECK(MPI_Cancel(&pending));
            PARAKIT_MPI_CHECK(MPI_Wait(&pending, MPI_STATUS_IGNORE));
          }
          break;
        }
        if (shared.running == 0) {
          // Under a drain the workers may leave while a request is out: take its answer (rank 0 answers
          // every request until all ranks have finished) before the grant buffer goes away.
          if (pending != MPI_REQUEST_NULL) PARAKIT_MPI_CHECK(MPI_Wait(&pending, MPI_STATUS_IGNORE));
          send_outbox();
          PARAKIT_MPI_CHECK(MPI_Send(nullptr, 0, MPI_BYTE, 0, kFinished, c));
          break;
        }
        idler.round(busy);
      }
    }
  } catch (...) {
    stop_team();
    throw;
  }
  if (shared.stop) stop_team();
  team.clear();
  if (shared.error) std::rethrow_exception(shared.error);
  // A rank that finished before rank 0 drained has not received its kDrain yet: take it now, so that
  // no message is left behind.
  boost::mpi::broadcast(comm, drain_sent, 0);
  if (rank != 0 && drain_sent[static_cast<std::size_t>(rank)] != 0 && !drain_seen)
    PARAKIT_MPI_CHECK(MPI_Recv(nullptr, 0, MPI_BYTE, 0, kDrain, c, MPI_STATUS_IGNORE));
  comm.barrier();
  return result;
}

}  // namespace parakit::mpi
