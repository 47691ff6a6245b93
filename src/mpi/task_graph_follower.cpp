// The main thread of a rank other than 0 in a task graph run: what ended reported, tasks asked for,
// values received and sent as rank 0 orders.

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

}  // namespace detail

}  // namespace parakit::mpi
