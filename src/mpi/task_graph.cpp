// run_graph and the part of its engine every rank runs: the start, the workers, values kept and sent, the
// end. The coordinator (rank 0) and the followers (other ranks) are in task_graph_root.cpp and
// task_graph_follower.cpp.

#include "parakit/mpi/task_graph.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/collectives/gather.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <mpi.h>

#include "parakit/error.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/check.hpp"
#include "parakit/mpi/watchdog.hpp"
#include "parakit/sys.hpp"

#include "task_graph_run.hpp"

namespace parakit::mpi {
namespace detail {

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

void GraphRun::stop_team() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
    ready_.notify_all();
  }
  if (options_.interrupt) options_.interrupt();
  team_.clear();
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

}  // namespace detail

GraphResult run_graph(const boost::mpi::communicator& world, const kernels::TaskGraph& graph,
                      const GraphOptions& options, const GraphWork& work, const FarmSink& sink) {
  const bool is_valid = options.threads >= 1 && options.threads <= sys::kMaxThreads &&
                        (options.priority.empty() || options.priority.size() == graph.size()) &&
                        (options.done_before.empty() || options.done_before.size() == graph.size()) &&
                        std::all_of(options.keep.begin(), options.keep.end(),
                                    [&](kernels::TaskId t) { return t < graph.size(); });
  check_same_on_all_ranks(
      world, {is_valid ? 1U : 0U, graph.size(), graph.edges(), static_cast<std::uint64_t>(options.threads),
              static_cast<std::uint64_t>(options.order), options.stop_on_failure ? 1U : 0U});
  PARAKIT_REQUIRE(is_valid,
                  "1 to kMaxThreads threads, and priorities, done flags and kept tasks of this graph");
  progress("graph");
  std::vector<double> priority = options.priority;
  if (priority.empty()) priority = kernels::remaining_path(graph, kernels::scheduling_costs(graph));
  detail::GraphRun run(world, graph, options, priority, work, sink);
  return run.run();
}

}  // namespace parakit::mpi
