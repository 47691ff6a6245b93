#pragma once
// The engine of run_graph (src/mpi/task_graph*.cpp): one run of a task graph on one rank. Rank 0's main
// thread coordinates (task_graph_root.cpp), the other ranks' main threads follow it
// (task_graph_follower.cpp), and every rank's workers run tasks (task_graph.cpp). Internal: not installed.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/mpi/communicator.hpp>
#include <mpi.h>

#include "parakit/kernels/task_graph.hpp"
#include "parakit/mpi/task_graph.hpp"
#include "parakit/sys.hpp"

namespace parakit::mpi::detail {

using kernels::GraphScheduler;
using kernels::TaskId;
using kernels::TaskState;

inline constexpr double kDrainPollInterval_s = 0.05;
inline constexpr std::size_t kMaxErrorBytes = 300;
// Tasks another rank keeps in hand per thread beyond the one running. The grant's round trip costs
// about 0.1 ms while rank 0's main thread shares a core with a worker: 2 left rank 1 idle for it
// once per task (68 us a task against the farm's 20 us, scripts/bench/graph.sh); 4 hide it.
inline constexpr std::int32_t kReservePerThread = 4;

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

}  // namespace parakit::mpi::detail
