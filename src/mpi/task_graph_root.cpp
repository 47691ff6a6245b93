// Rank 0's main thread in a task graph run: records reported, tasks handed to the other ranks, values
// ordered where they are needed, the halt.

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <mpi.h>

#include "parakit/error.hpp"
#include "parakit/mpi/check.hpp"
#include "parakit/mpi/task_graph.hpp"
#include "parakit/sys.hpp"

#include "task_graph_run.hpp"

namespace parakit::mpi {
namespace detail {

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

}  // namespace detail

}  // namespace parakit::mpi
