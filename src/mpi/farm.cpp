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
#include "parakit/mpi/watchdog.hpp"
#include "parakit/sys.hpp"

namespace parakit::mpi {
namespace {

using kernels::Schedule;

// How often rank 0 asks options.drain whether to drain.
constexpr double kDrainPollInterval_s = 0.05;

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

// One run of the farm on one rank: its workers, and its main thread, which is rank 0's coordinator
// (coordinate) or another rank's link to it (follow).
class Farm {
 public:
  Farm(const boost::mpi::communicator& world, std::uint64_t pieces, std::uint64_t chunk,
       const FarmOptions& options, const FarmWork& work, const FarmSink& sink)
      : comm_(world, boost::mpi::comm_duplicate),  // no message of the farm can meet another's, even
                                                   // after a farm that ended in an exception
        c_(comm_),
        rank_(comm_.rank()),
        size_(comm_.size()),
        threads_(options.threads),
        workers_(static_cast<std::uint64_t>(size_) * static_cast<std::uint64_t>(threads_)),
        pieces_(pieces),
        chunk_(chunk),
        is_dynamic_(options.schedule == Schedule::kDynamic || options.schedule == Schedule::kSplit),
        options_(options),
        work_(work),
        sink_(sink),
        drain_sent_(static_cast<std::size_t>(size_), 0) {}

  FarmResult run();

 private:
  void start();
  [[nodiscard]] double now() const { return sys::now_s() - t0_; }
  void worker_main(int thread);
  void run_pieces(const FarmWorker& me);
  void stop_team();
  bool take_outbox();
  void deliver(const FarmRecord& r);
  void coordinate();
  bool answer_messages();
  void poll_drain();
  void follow();
  void take_drain();
  void take_grant();
  bool ask_for_pieces();
  bool send_outbox();

  const boost::mpi::communicator comm_;
  const MPI_Comm c_;
  const int rank_, size_, threads_;
  const std::uint64_t workers_, pieces_, chunk_;
  const bool is_dynamic_;
  const FarmOptions& options_;
  const FarmWork& work_;
  const FarmSink& sink_;

  FarmResult result_;
  double t0_ = 0.0;  // the common start, on sys::now_s's axis
  Shared shared_;
  std::vector<std::jthread> team_;  // declared after shared_: joined before it goes
  std::vector<FarmRecord> batch_;   // the main thread's copy of the outbox
  std::vector<char> drain_sent_;    // rank 0: to whom it sent kDrain
  double next_drain_poll_s_ = 0.0;  // rank 0: when to ask options.drain again
  int finished_ = 0;                // rank 0: ranks that sent their last record
  bool drain_seen_ = false;         // other ranks: kDrain arrived
  Grant grant_;                     // other ranks: the answer to the request out
  MPI_Request pending_ = MPI_REQUEST_NULL;
  bool exhausted_ = false, reserve_refused_ = false;
};

void Farm::start() {
  shared_.running = threads_;
  t0_ = detail::start_together(comm_, threads_, options_.drain, result_);
  shared_.draining = result_.drained;  // drained before it began (a stop file already there): no piece starts
  next_drain_poll_s_ = sys::now_s();
  exhausted_ = !is_dynamic_;
}

FarmResult Farm::run() {
  start();
  try {
    team_.reserve(static_cast<std::size_t>(threads_));
    for (int t = 0; t < threads_; ++t)
      team_.emplace_back([this, t] { worker_main(t); });
    if (rank_ == 0) {
      coordinate();
    } else {
      follow();
    }
  } catch (...) {
    stop_team();
    throw;
  }
  if (shared_.stop) stop_team();
  team_.clear();
  if (shared_.error) std::rethrow_exception(shared_.error);
  // A rank that finished before rank 0 drained has not received its kDrain yet: take it now, so that
  // no message is left behind.
  boost::mpi::broadcast(comm_, drain_sent_, 0);
  if (rank_ != 0 && drain_sent_[static_cast<std::size_t>(rank_)] != 0 && !drain_seen_)
    PARAKIT_MPI_CHECK(MPI_Recv(nullptr, 0, MPI_BYTE, 0, kDrain, c_, MPI_STATUS_IGNORE));
  comm_.barrier();
  return std::move(result_);
}

void Farm::worker_main(int thread) {
  const FarmWorker me(
      rank_, thread, result_.start_unix_s, [this] { return now(); },
      [this](const FarmRecord& r) {
        const std::lock_guard lock(shared_.mutex);
        shared_.outbox.push_back(r);
      });
  try {
    run_pieces(me);
  } catch (...) {
    const std::lock_guard lock(shared_.mutex);
    if (!shared_.error) shared_.error = std::current_exception();
    shared_.stop = true;
    shared_.ready.notify_all();
  }
  --shared_.running;
}

// A worker's pieces: its own under static and cyclic; from the counter on rank 0 and from the queue
// its main thread fills elsewhere under dynamic and split.
void Farm::run_pieces(const FarmWorker& me) {
  if (!is_dynamic_) {
    const std::uint64_t w = static_cast<std::uint64_t>(rank_) * static_cast<std::uint64_t>(threads_) +
                            static_cast<std::uint64_t>(me.thread());
    for (const std::uint64_t p : kernels::assigned_pieces(options_.schedule, pieces_, w, workers_)) {
      if (shared_.stop || shared_.draining) break;
      work_(p, me);
    }
  } else if (rank_ == 0) {
    for (Grant g = take(shared_.next, chunk_, pieces_);
         g.first < g.last && !shared_.stop && !shared_.draining; g = take(shared_.next, chunk_, pieces_)) {
      for (std::uint64_t p = g.first; p < g.last && !shared_.stop && !shared_.draining; ++p)
        work_(p, me);
    }
  } else {
    for (;;) {
      std::unique_lock lock(shared_.mutex);
      ++shared_.waiting;
      shared_.ready.wait(lock, [&] {
        return !shared_.queue.empty() || shared_.exhausted || shared_.stop || shared_.draining;
      });
      --shared_.waiting;
      if (shared_.queue.empty() || shared_.stop || shared_.draining) break;
      const std::uint64_t p = shared_.queue.front();
      shared_.queue.pop_front();
      lock.unlock();
      work_(p, me);
    }
  }
}

void Farm::stop_team() {
  {
    const std::lock_guard lock(shared_.mutex);
    shared_.stop = true;
    shared_.ready.notify_all();
  }
  if (options_.interrupt) options_.interrupt();  // end the pieces still running
  team_.clear();                                 // joins
}

bool Farm::take_outbox() {
  batch_.clear();
  const std::lock_guard lock(shared_.mutex);
  batch_.swap(shared_.outbox);
  return !batch_.empty();
}

void Farm::deliver(const FarmRecord& r) {
  sink_(r, result_);
  result_.records.push_back(r);
}

// Rank 0's main thread: hands out pieces, receives every record, drains, until every rank has finished.
void Farm::coordinate() {
  Idler idler;
  for (;;) {
    bool busy = take_outbox();
    for (const FarmRecord& r : batch_)
      deliver(r);
    busy = answer_messages() || busy;
    poll_drain();
    if (shared_.stop) break;
    if (shared_.running == 0 && finished_ == size_ - 1) {
      // Workers may have emitted between the outbox check above and their exit.
      if (take_outbox()) {
        for (const FarmRecord& r : batch_)
          deliver(r);
      }
      break;
    }
    idler.round(busy);
  }
  result_.elapsed_s = now();
}

// Rank 0: every message waiting from the other ranks (requests, records, finishes); true if any.
bool Farm::answer_messages() {
  bool any = false;
  for (int flag = 1; size_ > 1;) {
    MPI_Status status;
    PARAKIT_MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, c_, &flag, &status));
    if (flag == 0) break;
    any = true;
    const int from = status.MPI_SOURCE;
    if (status.MPI_TAG == kRequest) {
      std::int32_t need = kForIdleThread;
      PARAKIT_MPI_CHECK(MPI_Recv(&need, sizeof need, MPI_BYTE, from, kRequest, c_, MPI_STATUS_IGNORE));
      // Reserves only while pieces are plenty: near the end a reserve would sit on a rank while
      // another rank's thread is free.
      const std::uint64_t left = pieces_ - std::min(pieces_, shared_.next.load());
      Grant g{pieces_, pieces_, 1, 0};
      if (shared_.draining)
        g.later = 0;  // none: the farm drains
      else if (need == kForIdleThread || left > 2 * workers_ * chunk_)
        g = take(shared_.next, chunk_, pieces_);
      PARAKIT_MPI_CHECK(MPI_Send(&g, sizeof g, MPI_BYTE, from, kGrant, c_));
    } else if (status.MPI_TAG == kRecord) {
      FarmRecord r;
      PARAKIT_MPI_CHECK(MPI_Recv(&r, sizeof r, MPI_BYTE, from, kRecord, c_, MPI_STATUS_IGNORE));
      deliver(r);
    } else if (status.MPI_TAG == kFinished) {
      PARAKIT_MPI_CHECK(MPI_Recv(nullptr, 0, MPI_BYTE, from, kFinished, c_, MPI_STATUS_IGNORE));
      ++finished_;
    } else {
      throw Error("task farm: unexpected message with tag " + std::to_string(status.MPI_TAG) + " from rank " +
                  std::to_string(from));
    }
  }
  return any;
}

// Rank 0: asks options.drain every kDrainPollInterval_s; once it says so, tells every other rank.
void Farm::poll_drain() {
  if (!options_.drain || shared_.draining || sys::now_s() < next_drain_poll_s_) return;
  next_drain_poll_s_ = sys::now_s() + kDrainPollInterval_s;
  if (!options_.drain()) return;
  result_.drained = true;
  shared_.draining = true;
  for (int r = 1; r < size_; ++r) {
    PARAKIT_MPI_CHECK(MPI_Send(nullptr, 0, MPI_BYTE, r, kDrain, c_));
    drain_sent_[static_cast<std::size_t>(r)] = 1;
  }
}

// Another rank's main thread: forwards its records to rank 0, asks for pieces ahead of need and queues
// them for its workers, until they have all left.
void Farm::follow() {
  Idler idler;
  for (;;) {
    bool busy = send_outbox();
    int drain = 0;
    if (!drain_seen_) PARAKIT_MPI_CHECK(MPI_Iprobe(0, kDrain, c_, &drain, MPI_STATUS_IGNORE));
    if (drain != 0) take_drain();
    if (!exhausted_ && pending_ != MPI_REQUEST_NULL) {
      int done = 0;
      PARAKIT_MPI_CHECK(MPI_Test(&pending_, &done, MPI_STATUS_IGNORE));
      if (done != 0) {
        busy = true;
        take_grant();
      }
    }
    if (!exhausted_ && pending_ == MPI_REQUEST_NULL && ask_for_pieces()) busy = true;
    if (shared_.stop) {
      if (pending_ != MPI_REQUEST_NULL) {  // the buffer is ours: take it back before leaving
        PARAKIT_MPI_CHECK(MPI_Cancel(&pending_));
        PARAKIT_MPI_CHECK(MPI_Wait(&pending_, MPI_STATUS_IGNORE));
      }
      break;
    }
    if (shared_.running == 0) {
      // Under a drain the workers may leave while a request is out: take its answer (rank 0 answers
      // every request until all ranks have finished) before the grant buffer goes away.
      if (pending_ != MPI_REQUEST_NULL) PARAKIT_MPI_CHECK(MPI_Wait(&pending_, MPI_STATUS_IGNORE));
      send_outbox();
      PARAKIT_MPI_CHECK(MPI_Send(nullptr, 0, MPI_BYTE, 0, kFinished, c_));
      break;
    }
    idler.round(busy);
  }
}

// Rank 0 drains: take its message and the answer to a request still out (rank 0 answers every request
// until all ranks have finished), run nothing more.
void Farm::take_drain() {
  PARAKIT_MPI_CHECK(MPI_Recv(nullptr, 0, MPI_BYTE, 0, kDrain, c_, MPI_STATUS_IGNORE));
  if (pending_ != MPI_REQUEST_NULL) PARAKIT_MPI_CHECK(MPI_Wait(&pending_, MPI_STATUS_IGNORE));
  drain_seen_ = exhausted_ = true;
  const std::lock_guard lock(shared_.mutex);
  shared_.draining = shared_.exhausted = true;
  shared_.queue.clear();
  shared_.ready.notify_all();
}

// The answer to our request arrived: pieces for the queue, none left, or a refused reserve.
void Farm::take_grant() {
  const std::lock_guard lock(shared_.mutex);
  if (grant_.later != 0) {
    reserve_refused_ = true;
  } else if (grant_.first >= grant_.last) {
    exhausted_ = shared_.exhausted = true;
  } else {
    for (std::uint64_t p = grant_.first; p < grant_.last; ++p)
      shared_.queue.push_back(p);
  }
  shared_.ready.notify_all();
}

// Asks rank 0 for pieces when a thread waits, or to keep a reserve; the answer comes into grant_. True
// if it asked.
bool Farm::ask_for_pieces() {
  std::size_t queued = 0;
  {
    const std::lock_guard lock(shared_.mutex);
    queued = shared_.queue.size();
  }
  // A waiting thread always asks. Otherwise keep two pieces ready for every thread, so that the
  // answer has a whole piece's time to come, until rank 0 says pieces are too few for reserves.
  std::int32_t need = kForReserve;
  bool ask = false;
  if (queued == 0 && shared_.waiting > 0) {
    need = kForIdleThread;
    ask = true;
  } else if (!reserve_refused_ && queued < 2 * static_cast<std::size_t>(threads_)) {
    ask = true;
  }
  if (ask) {
    PARAKIT_MPI_CHECK(MPI_Irecv(&grant_, sizeof grant_, MPI_BYTE, 0, kGrant, c_, &pending_));
    PARAKIT_MPI_CHECK(MPI_Send(&need, sizeof need, MPI_BYTE, 0, kRequest, c_));
  }
  return ask;
}

bool Farm::send_outbox() {
  const bool any = take_outbox();
  for (const FarmRecord& r : batch_)
    PARAKIT_MPI_CHECK(MPI_Send(&r, sizeof r, MPI_BYTE, 0, kRecord, c_));
  return any;
}

}  // namespace

double detail::start_together(const boost::mpi::communicator& comm, int threads,
                              const std::function<bool()>& drain, FarmResult& result) {
  const report::RankInfo self = detail::this_rank(comm, threads);
  if (comm.rank() == 0) {
    boost::mpi::gather(comm, self, result.per_rank, 0);
  } else {
    boost::mpi::gather(comm, self, 0);
  }
  comm.barrier();
  double t0 = sys::now_s();
  double root_start = t0;
  std::string root_host = self.host;
  boost::mpi::broadcast(comm, root_start, 0);
  boost::mpi::broadcast(comm, root_host, 0);
  if (root_host == self.host) t0 = root_start;
  bool drain_now = comm.rank() == 0 && drain && drain();
  boost::mpi::broadcast(comm, drain_now, 0);
  result.drained = drain_now;
  result.start_unix_s =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  boost::mpi::broadcast(comm, result.start_unix_s, 0);  // rank 0's, so that every rank dates alike
  return t0;
}

FarmResult run_farm(const boost::mpi::communicator& world, std::uint64_t pieces, const FarmOptions& options,
                    const FarmWork& work, const FarmSink& sink) {
  const bool is_valid = options.threads >= 1 && options.threads <= sys::kMaxThreads && options.chunk >= 1;
  const std::uint64_t chunk =
      options.schedule == Schedule::kSplit ? 1 : std::min(options.chunk, std::max<std::uint64_t>(pieces, 1));
  check_same_on_all_ranks(world, {is_valid ? 1U : 0U, pieces, static_cast<std::uint64_t>(options.schedule),
                                  chunk, static_cast<std::uint64_t>(options.threads)});
  PARAKIT_REQUIRE(is_valid, "1 to kMaxThreads threads and a chunk of at least 1");
  // No mark at the farm's end: a rank whose last task is long is busy, not behind those that are done.
  progress("farm");
  Farm farm(world, pieces, chunk, options, work, sink);
  return farm.run();
}

}  // namespace parakit::mpi
