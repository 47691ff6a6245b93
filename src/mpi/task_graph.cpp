#include "parakit/mpi/task_graph.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/collectives/gather.hpp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <fmt/format.h>
#include <mpi.h>

#include "parakit/error.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/check.hpp"
#include "parakit/mpi/repeat.hpp"
#include "parakit/mpi/watchdog.hpp"
#include "parakit/sys.hpp"

namespace parakit::mpi {
namespace {

using kernels::GraphScheduler;
using kernels::TaskId;
using kernels::TaskState;

constexpr double kDrainPollInterval_s = 0.05;
constexpr std::size_t kMaxErrorBytes = 300;
// Tasks another rank keeps in hand per thread beyond the one running. The grant's round trip costs
// about 0.1 ms while rank 0's main thread shares a core with a worker: 2 left rank 1 idle for it
// once per task (68 us a task against the farm's 20 us, scripts/bench/graph.sh); 4 hide it.
constexpr std::int32_t kReservePerThread = 4;

// Tags of the scheduler's messages, on a communicator of its own.
enum Tag : int {
  kRequest = 7201,    // r -> 0: Want, what rank r would take now
  kGrant = 7202,      // 0 -> r: TaskIds to run
  kSendValue = 7203,  // 0 -> q: SendOrder, send a value you hold to a rank
  kValue = 7204,      // q -> r: TaskId + the value's bytes
  kRecord = 7205,     // r -> 0: FarmRecord
  kDone = 7206,       // r -> 0: DoneHead + error message
  kHalt = 7207,       // 0 -> r: start nothing more; give back what is not started
  kReturned = 7208,   // r -> 0: TaskIds given back, not started
  kFinish = 7209,     // 0 -> r: std::uint64_t, the values r is to receive in all
  kFinished = 7210,   // r -> 0: r's last message (after it, r sends rank 0 nothing)
};

struct Want {
  std::int32_t idle = 0;     // threads with nothing in hand
  std::int32_t reserve = 0;  // more, to keep in hand while tasks are plenty
};
struct SendOrder {
  TaskId task = 0;
  std::int32_t to = 0;
};
struct DoneHead {
  TaskId task = 0;
  std::int32_t ok = 1;
};

// How long a main thread waits for work when a round found nothing (as the farm's Idler, see farm.cpp):
// 100 us after activity, doubling to 1 ms. A worker whose task's end matters now wakes it (kick_).
class Backoff {
 public:
  std::chrono::microseconds next(bool busy) {
    sleep_ = busy ? kShortest : std::min(2 * sleep_, kLongest);
    return sleep_;
  }

 private:
  static constexpr std::chrono::microseconds kShortest{100}, kLongest{1000};
  std::chrono::microseconds sleep_ = kShortest;
};

// A task that ended on a rank other than 0, to report.
struct Ended {
  TaskId task;
  bool ok;
  std::string error;
};

// One run of a graph on one rank.
class GraphRun {
 public:
  GraphRun(const boost::mpi::communicator& world, const kernels::TaskGraph& graph,
           const GraphOptions& options, std::span<const double> priority, const GraphWork& work,
           const FarmSink& sink)
      : comm_(world, boost::mpi::comm_duplicate),
        c_(comm_),
        rank_(comm_.rank()),
        size_(comm_.size()),
        graph_(graph),
        options_(options),
        work_(work),
        sink_(sink),
        values_(graph.size()),
        want_(static_cast<std::size_t>(size_)),
        to_receive_(static_cast<std::size_t>(size_), 0) {
    if (rank_ == 0) {
      scheduler_ = std::make_unique<GraphScheduler>(graph, options.order, priority, options.done_before);
      result_.released_by.assign(graph.size(), kernels::kNoTask);
      result_.ready_s.assign(graph.size(), -1.0);
      result_.ran_on.assign(graph.size(), -1);
      holder_.assign(graph.size(), -1);
    }
  }

  GraphResult run();

 private:
  [[nodiscard]] double now() const { return sys::now_s() - t0_; }
  [[nodiscard]] bool is_done_before(TaskId t) const {
    return !options_.done_before.empty() && options_.done_before[t];
  }
  [[nodiscard]] bool has_inputs(TaskId t) const;
  // Rank 0, lock held: its workers may take a ready task from the scheduler. They hold no more tasks
  // whose inputs are still on their way than another rank may hold in all, so that they do not take
  // every ready task whose inputs are elsewhere while the ranks that hold those inputs wait. (One per
  // thread made the random DAG of scripts/bench/graph.sh 1.28 x its bound instead of 1.02 x: a worker
  // then waits for each value instead of running a task whose inputs are here.)
  [[nodiscard]] bool may_take_ready() const {
    return scheduler_ && scheduler_->ready_count() > 0 &&
           need_inputs_.size() + awaiting_.size() <
               static_cast<std::size_t>((1 + kReservePerThread) * options_.threads);
  }
  void start();
  void worker_main(int thread);
  bool take_task(std::unique_lock<std::mutex>& lock, TaskId& task);
  void run_task(std::unique_lock<std::mutex>& lock, TaskId task, const FarmWorker& me);
  bool end_on_root(TaskId task, bool ok, std::string error, int rank);
  void stop_team();
  void coordinate();
  bool root_round();
  void assign_remote();
  void order_inputs(TaskId task, int to);
  void root_message(const MPI_Status& status);
  void halt_here();
  void give_back(const std::vector<TaskId>& tasks);
  void follow();
  bool follower_round();
  void follower_message(const MPI_Status& status);
  void store_value(TaskId task, std::string bytes);
  void send_value(TaskId task, int to);
  bool test_sends();
  void deliver_outbox();
  void finish();

  const boost::mpi::communicator comm_;
  const MPI_Comm c_;
  const int rank_, size_;
  const kernels::TaskGraph& graph_;
  const GraphOptions& options_;
  const GraphWork& work_;
  const FarmSink& sink_;

  GraphResult result_;
  double t0_ = 0.0;
  // Shared by the main thread and the workers, under mutex_.
  std::mutex mutex_;
  std::condition_variable ready_;                           // workers: a task to take, or the end
  std::condition_variable kick_;                            // the main thread: something to report or order
  std::vector<std::unique_ptr<const std::string>> values_;  // the values this rank holds
  std::deque<TaskId> queue_;                                // tasks given to this rank with every input here
  std::list<TaskId> awaiting_;                              // tasks given to this rank that wait for an input
  std::vector<TaskId> need_inputs_;  // rank 0: taken by a worker of its own, inputs elsewhere
  std::vector<FarmRecord> outbox_;
  std::vector<Ended> ended_;  // other ranks: tasks ended, not yet reported
  std::vector<TaskId> made_;  // tasks this rank ran that ended well
  int running_ = 0;           // tasks running on this rank
  bool halted_ = false, finished_ = false, stop_ = false;
  std::exception_ptr error_;
  std::unique_ptr<GraphScheduler> scheduler_;  // rank 0
  std::vector<std::jthread> team_;
  // The main thread's own.
  std::vector<Want> want_;                                // rank 0: what each rank would take
  std::vector<std::int32_t> holder_;                      // rank 0: which rank made each value
  std::unordered_set<std::uint64_t> copies_;              // rank 0: task * size + rank, values sent there
  std::vector<std::uint64_t> to_receive_;                 // rank 0: values each rank is to receive
  std::uint64_t received_ = 0, expected_ = UINT64_MAX;    // other ranks: values received, and in all
  std::list<std::pair<MPI_Request, std::string>> sends_;  // values on their way (buffers kept)
  Want asked_;                                            // other ranks: the last Want sent
  bool halt_seen_ = false;                                // rank 0: halted, and told the others; others: told
  std::uint64_t bytes_moved_ = 0, transfers_ = 0;         // values this rank sent
  int finished_ranks_ = 0;                                // rank 0: ranks that sent kFinished
  int first_remote_ = 1;                                  // rank 0: who is served first in the next round
  double next_drain_poll_s_ = 0.0;
};

bool GraphRun::has_inputs(TaskId t) const {
  for (const TaskId p : graph_.predecessors(t)) {
    if (!values_[p] && !is_done_before(p)) return false;
  }
  return true;
}

void GraphRun::start() {
  t0_ = detail::start_together(comm_, options_.threads, options_.drain, result_.farm);
  if (rank_ == 0) {
    if (result_.farm.drained) scheduler_->halt();
    for (TaskId t = 0; t < graph_.size(); ++t) {
      if (scheduler_->state(t) == TaskState::kReady) result_.ready_s[t] = 0.0;
    }
  }
  next_drain_poll_s_ = sys::now_s() + kDrainPollInterval_s;
}

GraphResult GraphRun::run() {
  start();
  try {
    for (int t = 0; t < options_.threads; ++t)
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
  bool failed = false;
  {
    const std::lock_guard lock(mutex_);
    failed = stop_;
  }
  if (failed) stop_team();  // a worker threw: end the tasks still running (map exec kills their commands)
  team_.clear();
  if (error_) std::rethrow_exception(error_);
  finish();
  return std::move(result_);
}

void GraphRun::worker_main(int thread) {
  const FarmWorker me(
      rank_, thread, result_.farm.start_unix_s, [this] { return now(); },
      [this](const FarmRecord& r) {
        const std::lock_guard lock(mutex_);
        outbox_.push_back(r);
      });
  try {
    std::unique_lock lock(mutex_);
    for (TaskId task = 0; take_task(lock, task);)
      run_task(lock, task, me);
  } catch (...) {
    const std::lock_guard lock(mutex_);
    if (!error_) error_ = std::current_exception();
    stop_ = true;
    ready_.notify_all();
    kick_.notify_all();
  }
}

// A worker's next task: one given to this rank whose inputs are here, else (rank 0) the scheduler's
// next; false at the end. Rank 0's workers take from the scheduler themselves, as the farm's take from
// its counter, so that rank 0's main thread is never in their way.
bool GraphRun::take_task(std::unique_lock<std::mutex>& lock, TaskId& task) {
  for (;;) {
    // Once rank 0's scheduler halts, its own queued tasks stay for halt_here to give back.
    ready_.wait(lock, [&] {
      const bool halted = scheduler_ && scheduler_->halted();
      return stop_ || finished_ || (!halted && (!queue_.empty() || may_take_ready()));
    });
    if (stop_) return false;
    if (!queue_.empty() && !(scheduler_ && scheduler_->halted())) {
      task = queue_.front();
      queue_.pop_front();
      return true;
    }
    if (!may_take_ready()) return false;  // finished
    task = *scheduler_->next();
    result_.ran_on[task] = 0;
    if (has_inputs(task)) return true;
    need_inputs_.push_back(task);  // the main thread fetches them; the task comes back through queue_
    kick_.notify_one();
  }
}

// Runs @p task (lock held on entry and exit, released while it runs).
void GraphRun::run_task(std::unique_lock<std::mutex>& lock, TaskId task, const FarmWorker& me) {
  std::vector<const std::string*> inputs;
  static const std::string kNone;
  for (const TaskId p : graph_.predecessors(task))
    inputs.push_back(values_[p] ? values_[p].get() : &kNone);
  ++running_;
  lock.unlock();
  GraphTaskOutcome outcome = work_(task, inputs, me);  // an exception stops the run (worker_main)
  if (!outcome.ok && outcome.value.size() > kMaxErrorBytes) outcome.value.resize(kMaxErrorBytes);
  lock.lock();
  --running_;
  if (outcome.ok) {
    values_[task] = std::make_unique<const std::string>(std::move(outcome.value));
    made_.push_back(task);
    outcome.value.clear();
  }
  // Wake the main thread only when it has something urgent to do: each wake costs the worker that
  // shares its core a switch (every task's wake made the graph's overhead twice the farm's). Otherwise
  // its next poll (at most 1 ms away) reports the end.
  bool urgent = false;
  if (rank_ == 0) {
    urgent = end_on_root(task, outcome.ok, std::move(outcome.value), 0);
  } else {
    urgent = !outcome.ok || !graph_.successors(task).empty() || queue_.empty();
    ended_.push_back({task, outcome.ok, std::move(outcome.value)});
  }
  if (urgent) kick_.notify_one();
}

// Rank 0, lock held: @p task ended on @p rank; what it makes ready may start. True when the main thread
// has to act: tasks for other ranks, a failure, or the end.
bool GraphRun::end_on_root(TaskId task, bool ok, std::string error, int rank) {
  std::vector<TaskId> ready;
  scheduler_->finish(task, ok, &ready);
  const double t = now();
  for (const TaskId r : ready) {
    result_.ready_s[r] = t;
    result_.released_by[r] = task;
  }
  if (ok) {
    holder_[task] = rank;
  } else {
    result_.errors[task] = std::move(error);
    if (options_.stop_on_failure) scheduler_->halt();
  }
  if (!ready.empty() || scheduler_->finished()) ready_.notify_all();
  return (size_ > 1 && !ready.empty()) || !ok || scheduler_->finished();
}

void GraphRun::stop_team() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
    ready_.notify_all();
  }
  if (options_.interrupt) options_.interrupt();
  team_.clear();
}

// Rank 0's main thread: reports records, hands tasks to the other ranks and moves values, until every
// task has ended (or the run halted and nothing runs).
void GraphRun::coordinate() {
  Backoff backoff;
  for (;;) {
    const bool busy = root_round();
    {
      std::unique_lock lock(mutex_);
      if (stop_) return;
      // Done when nothing runs or can start, and every value sent to or by rank 0 has arrived (after a
      // halt, values ordered for tasks given back still come).
      if (scheduler_->finished() && need_inputs_.empty() && received_ >= to_receive_[0] && sends_.empty()) {
        finished_ = true;
        ready_.notify_all();
        break;
      }
      kick_.wait_for(lock, backoff.next(busy));
    }
  }
  deliver_outbox();
  result_.farm.elapsed_s = now();
  // Then every other rank is told, and rank 0 reads what they still send (a request written before
  // they knew) until each says it has sent its last: no message is left behind.
  for (int r = 1; r < size_; ++r) {
    const std::uint64_t count = to_receive_[static_cast<std::size_t>(r)];
    PARAKIT_MPI_CHECK(MPI_Send(&count, sizeof count, MPI_BYTE, r, kFinish, c_));
  }
  while (finished_ranks_ < size_ - 1) {
    MPI_Status status;
    PARAKIT_MPI_CHECK(MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, c_, &status));
    root_message(status);
  }
}

bool GraphRun::root_round() {
  bool busy = false;
  deliver_outbox();
  for (int flag = 1; size_ > 1;) {
    MPI_Status status;
    PARAKIT_MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, c_, &flag, &status));
    if (flag == 0) break;
    busy = true;
    root_message(status);
  }
  if (options_.drain && !result_.farm.drained && sys::now_s() >= next_drain_poll_s_) {
    next_drain_poll_s_ = sys::now_s() + kDrainPollInterval_s;
    if (options_.drain()) {
      result_.farm.drained = true;
      const std::lock_guard lock(mutex_);
      scheduler_->halt();
    }
  }
  std::vector<TaskId> fetch;
  bool halted = false;
  {
    const std::lock_guard lock(mutex_);
    fetch.swap(need_inputs_);
    halted = scheduler_->halted();
  }
  if (halted && !halt_seen_) {
    halt_here();
    busy = true;
  }
  if (halted) {
    give_back(fetch);
  } else {
    for (const TaskId t : fetch) {
      busy = true;
      order_inputs(t, 0);
      const std::lock_guard lock(mutex_);
      if (has_inputs(t)) {
        queue_.push_back(t);
        ready_.notify_one();
      } else {
        awaiting_.push_back(t);
      }
    }
    assign_remote();
  }
  return test_sends() || busy;
}

// Rank 0, once the run halts: its own tasks not started go back, and every other rank is told to give
// back its own.
void GraphRun::halt_here() {
  halt_seen_ = true;
  std::vector<TaskId> back;
  {
    const std::lock_guard lock(mutex_);
    back.assign(queue_.begin(), queue_.end());
    back.insert(back.end(), awaiting_.begin(), awaiting_.end());
    queue_.clear();
    awaiting_.clear();
  }
  give_back(back);
  for (int r = 1; r < size_; ++r)
    PARAKIT_MPI_CHECK(MPI_Send(nullptr, 0, MPI_BYTE, r, kHalt, c_));
}

// Rank 0: tasks handed out but not started return to the scheduler (which has halted: they stay unrun).
void GraphRun::give_back(const std::vector<TaskId>& tasks) {
  const std::lock_guard lock(mutex_);
  for (const TaskId t : tasks) {
    scheduler_->give_back(t);
    result_.ran_on[t] = -1;
  }
}

// Rank 0: ready tasks to the other ranks, as many as each would take (its reserve only while tasks are
// plenty), in turn so that no rank is always served first.
void GraphRun::assign_remote() {
  const std::size_t workers = static_cast<std::size_t>(size_) * static_cast<std::size_t>(options_.threads);
  for (int i = 0; i < size_ - 1; ++i) {
    const int r = 1 + (first_remote_ - 1 + i) % (size_ - 1);
    Want& w = want_[static_cast<std::size_t>(r)];
    std::vector<TaskId> grant;
    {
      const std::lock_guard lock(mutex_);
      const bool plenty = scheduler_->ready_count() > workers;
      for (int n = w.idle + (plenty ? w.reserve : 0); n > 0; --n) {
        const std::optional<TaskId> t = scheduler_->next();
        if (!t) break;
        grant.push_back(*t);
        result_.ran_on[*t] = r;
      }
    }
    if (grant.empty()) continue;
    const auto given = static_cast<std::int32_t>(grant.size());
    w.reserve -= std::max(0, given - w.idle);
    w.idle = std::max(0, w.idle - given);
    for (const TaskId t : grant)
      order_inputs(t, r);
    PARAKIT_MPI_CHECK(
        MPI_Send(grant.data(), static_cast<int>(grant.size() * sizeof(TaskId)), MPI_BYTE, r, kGrant, c_));
  }
  first_remote_ = size_ > 1 ? 1 + first_remote_ % (size_ - 1) : 1;
}

// Rank 0: the values task @p task needs that rank @p to lacks are sent there, by rank 0 or on its order
// by their holder, each once.
void GraphRun::order_inputs(TaskId task, int to) {
  for (const TaskId p : graph_.predecessors(task)) {
    const std::int32_t holder = holder_[p];
    if (is_done_before(p) || holder == to) continue;
    if (!copies_.insert(std::uint64_t{p} * static_cast<std::uint64_t>(size_) + static_cast<std::uint64_t>(to))
             .second)
      continue;
    ++to_receive_[static_cast<std::size_t>(to)];
    if (holder == 0) {
      send_value(p, to);
    } else {
      const SendOrder order{p, to};
      PARAKIT_MPI_CHECK(MPI_Send(&order, sizeof order, MPI_BYTE, holder, kSendValue, c_));
    }
  }
}

// Rank 0: one message from another rank.
void GraphRun::root_message(const MPI_Status& status) {
  const int from = status.MPI_SOURCE;
  int bytes = 0;
  PARAKIT_MPI_CHECK(MPI_Get_count(&status, MPI_BYTE, &bytes));
  std::vector<char> buffer(static_cast<std::size_t>(bytes));
  PARAKIT_MPI_CHECK(MPI_Recv(buffer.data(), bytes, MPI_BYTE, from, status.MPI_TAG, c_, MPI_STATUS_IGNORE));
  const auto ids = [&] {
    std::vector<TaskId> tasks(buffer.size() / sizeof(TaskId));
    std::memcpy(tasks.data(), buffer.data(), tasks.size() * sizeof(TaskId));
    return tasks;
  };
  if (status.MPI_TAG == kRequest && buffer.size() == sizeof(Want)) {
    std::memcpy(&want_[static_cast<std::size_t>(from)], buffer.data(), sizeof(Want));
  } else if (status.MPI_TAG == kRecord && buffer.size() == sizeof(FarmRecord)) {
    FarmRecord r;
    std::memcpy(&r, buffer.data(), sizeof r);
    sink_(r, result_.farm);
    result_.farm.records.push_back(r);
  } else if (status.MPI_TAG == kDone && buffer.size() >= sizeof(DoneHead)) {
    DoneHead head;
    std::memcpy(&head, buffer.data(), sizeof head);
    const std::lock_guard lock(mutex_);
    end_on_root(head.task, head.ok != 0, std::string(buffer.begin() + sizeof head, buffer.end()), from);
  } else if (status.MPI_TAG == kReturned) {
    give_back(ids());
  } else if (status.MPI_TAG == kFinished && buffer.empty()) {
    ++finished_ranks_;
  } else if (status.MPI_TAG == kValue && buffer.size() >= sizeof(TaskId)) {
    TaskId task = 0;
    std::memcpy(&task, buffer.data(), sizeof task);
    store_value(task, std::string(buffer.begin() + sizeof task, buffer.end()));
  } else {
    throw Error(fmt::format("task graph: unexpected message (tag {}, {} bytes) from rank {}", status.MPI_TAG,
                            bytes, from));
  }
}

// A value that arrived: kept, and the tasks that waited only for it may start.
void GraphRun::store_value(TaskId task, std::string bytes) {
  const std::lock_guard lock(mutex_);
  if (!values_[task]) values_[task] = std::make_unique<const std::string>(std::move(bytes));
  ++received_;
  for (auto it = awaiting_.begin(); it != awaiting_.end();) {
    if (has_inputs(*it)) {
      queue_.push_back(*it);
      it = awaiting_.erase(it);
      ready_.notify_one();
    } else {
      ++it;
    }
  }
}

// Sends the value of @p task, held here, to rank @p to without waiting (two ranks may send each other
// large values at once): the buffer lives in sends_ until the send completes.
void GraphRun::send_value(TaskId task, int to) {
  std::string buffer(sizeof task, '\0');
  std::memcpy(buffer.data(), &task, sizeof task);
  {
    const std::lock_guard lock(mutex_);
    PARAKIT_REQUIRE(values_[task] != nullptr, "a value is sent only by a rank that holds it");
    buffer += *values_[task];
  }
  bytes_moved_ += buffer.size() - sizeof task;
  ++transfers_;
  sends_.emplace_back(MPI_REQUEST_NULL, std::move(buffer));
  auto& [request, data] = sends_.back();
  PARAKIT_MPI_CHECK(
      MPI_Isend(data.data(), static_cast<int>(data.size()), MPI_BYTE, to, kValue, c_, &request));
}

bool GraphRun::test_sends() {
  bool any = false;
  for (auto it = sends_.begin(); it != sends_.end();) {
    int done = 0;
    PARAKIT_MPI_CHECK(MPI_Test(&it->first, &done, MPI_STATUS_IGNORE));
    if (done != 0) {
      it = sends_.erase(it);
      any = true;
    } else {
      ++it;
    }
  }
  return any;
}

void GraphRun::deliver_outbox() {
  std::vector<FarmRecord> batch;
  {
    const std::lock_guard lock(mutex_);
    batch.swap(outbox_);
  }
  for (const FarmRecord& r : batch) {
    sink_(r, result_.farm);
    result_.farm.records.push_back(r);
  }
}

// Another rank's main thread: reports what ended, asks for tasks, takes values, until rank 0 says the
// run is over and every value sent here has arrived.
void GraphRun::follow() {
  Backoff backoff;
  for (;;) {
    const bool busy = follower_round();
    std::unique_lock lock(mutex_);
    if (stop_) return;
    if (finished_ && received_ >= expected_ && sends_.empty()) break;
    kick_.wait_for(lock, backoff.next(busy));
  }
  PARAKIT_MPI_CHECK(MPI_Send(nullptr, 0, MPI_BYTE, 0, kFinished, c_));
}

bool GraphRun::follower_round() {
  std::vector<FarmRecord> records;
  std::vector<Ended> ended;
  {
    const std::lock_guard lock(mutex_);
    records.swap(outbox_);
    ended.swap(ended_);
  }
  bool busy = !records.empty() || !ended.empty();
  for (const FarmRecord& r : records)  // records before the end they belong to: rank 0 reads in order
    PARAKIT_MPI_CHECK(MPI_Send(&r, sizeof r, MPI_BYTE, 0, kRecord, c_));
  for (const Ended& e : ended) {
    std::string buffer(sizeof(DoneHead), '\0');
    const DoneHead head{e.task, e.ok ? 1 : 0};
    std::memcpy(buffer.data(), &head, sizeof head);
    buffer += e.error;
    PARAKIT_MPI_CHECK(MPI_Send(buffer.data(), static_cast<int>(buffer.size()), MPI_BYTE, 0, kDone, c_));
  }
  for (int flag = 1;;) {
    MPI_Status status;
    PARAKIT_MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, c_, &flag, &status));
    if (flag == 0) break;
    busy = true;
    follower_message(status);
  }
  // What this rank would take, counted after the grants just received: a thread idle now, and
  // kReservePerThread tasks in reserve per thread, so that a grant has several tasks' time to come
  // (rank 0 grants reserves only while ready tasks outnumber the workers).
  Want want;
  {
    const std::lock_guard lock(mutex_);
    const auto in_hand =
        static_cast<std::int32_t>(static_cast<std::size_t>(running_) + queue_.size() + awaiting_.size());
    want.idle = std::max(0, options_.threads - in_hand);
    want.reserve = std::max(0, (1 + kReservePerThread) * options_.threads - in_hand) - want.idle;
  }
  if (!halt_seen_ && !finished_ && (want.idle != asked_.idle || want.reserve != asked_.reserve)) {
    PARAKIT_MPI_CHECK(MPI_Send(&want, sizeof want, MPI_BYTE, 0, kRequest, c_));
    asked_ = want;
    busy = true;
  }
  return test_sends() || busy;
}

// Another rank: one message (from rank 0, or a value from any rank).
void GraphRun::follower_message(const MPI_Status& status) {
  int bytes = 0;
  PARAKIT_MPI_CHECK(MPI_Get_count(&status, MPI_BYTE, &bytes));
  std::vector<char> buffer(static_cast<std::size_t>(bytes));
  PARAKIT_MPI_CHECK(
      MPI_Recv(buffer.data(), bytes, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, c_, MPI_STATUS_IGNORE));
  std::vector<TaskId> back;
  if (status.MPI_TAG == kGrant) {
    std::vector<TaskId> tasks(buffer.size() / sizeof(TaskId));
    std::memcpy(tasks.data(), buffer.data(), tasks.size() * sizeof(TaskId));
    // Count the grant against the Want last sent, as rank 0 did: else a rank whose tasks all ran
    // between two rounds finds its Want unchanged, never sends it again and sits idle.
    const auto given = static_cast<std::int32_t>(tasks.size());
    asked_.reserve = std::max(0, asked_.reserve - std::max(0, given - asked_.idle));
    asked_.idle = std::max(0, asked_.idle - given);
    const std::lock_guard lock(mutex_);
    for (const TaskId t : tasks) {
      if (halt_seen_) {
        back.push_back(t);
      } else if (has_inputs(t)) {
        queue_.push_back(t);
        ready_.notify_one();
      } else {
        awaiting_.push_back(t);
      }
    }
  } else if (status.MPI_TAG == kValue && buffer.size() >= sizeof(TaskId)) {
    TaskId task = 0;
    std::memcpy(&task, buffer.data(), sizeof task);
    store_value(task, std::string(buffer.begin() + sizeof task, buffer.end()));
  } else if (status.MPI_TAG == kSendValue && buffer.size() == sizeof(SendOrder)) {
    SendOrder order;
    std::memcpy(&order, buffer.data(), sizeof order);
    send_value(order.task, order.to);
  } else if (status.MPI_TAG == kHalt) {
    halt_seen_ = true;
    const std::lock_guard lock(mutex_);
    back.assign(queue_.begin(), queue_.end());
    back.insert(back.end(), awaiting_.begin(), awaiting_.end());
    queue_.clear();
    awaiting_.clear();
  } else if (status.MPI_TAG == kFinish && buffer.size() == sizeof expected_) {
    std::memcpy(&expected_, buffer.data(), sizeof expected_);
    const std::lock_guard lock(mutex_);
    finished_ = true;
    ready_.notify_all();
  } else {
    throw Error(fmt::format("task graph: unexpected message (tag {}, {} bytes) from rank {}", status.MPI_TAG,
                            bytes, status.MPI_SOURCE));
  }
  if (!back.empty()) {
    PARAKIT_MPI_CHECK(
        MPI_Send(back.data(), static_cast<int>(back.size() * sizeof(TaskId)), MPI_BYTE, 0, kReturned, c_));
  }
}

// Every rank: the kept values to rank 0, the counts and states to everybody.
void GraphRun::finish() {
  std::vector<std::pair<TaskId, std::string>> kept;
  {
    std::vector<bool> keep(graph_.size(), false);
    for (const TaskId t : options_.keep)
      keep[t] = true;
    for (const TaskId t : made_) {
      if (keep[t] || (options_.keep_exits && graph_.successors(t).empty())) kept.emplace_back(t, *values_[t]);
    }
  }
  if (rank_ == 0) {
    std::vector<std::vector<std::pair<TaskId, std::string>>> all;
    boost::mpi::gather(comm_, kept, all, 0);
    for (auto& from : all) {
      for (auto& [t, v] : from)
        result_.values[t] = std::move(v);
    }
  } else {
    boost::mpi::gather(comm_, kept, 0);
  }
  const std::vector<std::uint64_t> moved{bytes_moved_, transfers_};
  std::vector<std::uint64_t> sum(2, 0);
  for (std::size_t i = 0; i < moved.size(); ++i)
    sum[i] = boost::mpi::all_reduce(comm_, moved[i], std::plus<>{});
  result_.bytes_moved = sum[0];
  result_.transfers = sum[1];
  std::vector<std::uint8_t> states;
  if (rank_ == 0) {
    for (const TaskState s : scheduler_->states())
      states.push_back(static_cast<std::uint8_t>(s));
  }
  boost::mpi::broadcast(comm_, states, 0);
  for (TaskId t = 0; t < graph_.size(); ++t) {
    const auto s = static_cast<TaskState>(states[t]);
    result_.states.push_back(s);
    if (s == TaskState::kDone && !is_done_before(t)) ++result_.done;
    if (s == TaskState::kFailed) ++result_.failed;
    if (s == TaskState::kSkipped) ++result_.skipped;
    if (s == TaskState::kWaiting || s == TaskState::kReady) ++result_.not_run;
  }
  comm_.barrier();
}

}  // namespace

GraphResult run_graph(const boost::mpi::communicator& world, const kernels::TaskGraph& graph,
                      const GraphOptions& options, const GraphWork& work, const FarmSink& sink) {
  const bool is_valid =
      options.threads >= 1 && options.threads <= sys::kMaxThreads &&
      (options.priority.empty() || options.priority.size() == graph.size()) &&
      (options.done_before.empty() || options.done_before.size() == graph.size()) &&
      std::all_of(options.keep.begin(), options.keep.end(), [&](TaskId t) { return t < graph.size(); });
  check_same_on_all_ranks(
      world, {is_valid ? 1U : 0U, graph.size(), graph.edges(), static_cast<std::uint64_t>(options.threads),
              static_cast<std::uint64_t>(options.order), options.stop_on_failure ? 1U : 0U});
  PARAKIT_REQUIRE(is_valid,
                  "1 to kMaxThreads threads, and priorities, done flags and kept tasks of this graph");
  progress("graph");
  std::vector<double> priority = options.priority;
  if (priority.empty()) priority = kernels::remaining_path(graph, kernels::scheduling_costs(graph));
  GraphRun run(world, graph, options, priority, work, sink);
  return run.run();
}

}  // namespace parakit::mpi
