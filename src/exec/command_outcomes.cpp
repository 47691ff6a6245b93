#include "parakit/exec/command_outcomes.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "parakit/error.hpp"

namespace parakit::exec {

int CommandOutcomes::exit_code() const {
  if (not_run > 0) return kExitStopped;
  return failed > 0 || skipped > 0 || halted > 0 ? kExitTasksFailed : kExitOk;
}

namespace {

// Adds the failure of task @p task, whose last attempt was @p r, to @p o.
void count_failure(CommandOutcomes& o, const report::FarmRecord& r, std::uint64_t task,
                   const std::string& command) {
  ++o.failed;
  const auto status = static_cast<Status>(r.status);
  if (status == Status::kTimedOut) ++o.timed_out;
  o.failures.push_back(
      {.task = task, .status = status, .exit_code = r.exit_code, .attempts = r.attempt, .command = command});
}

}  // namespace

CommandOutcomes summarize_attempts(const std::vector<report::FarmRecord>& records,
                                   const std::vector<std::uint64_t>& todo,
                                   const std::vector<std::string>& commands, bool drained) {
  CommandOutcomes o;
  std::vector<const report::FarmRecord*> last(todo.size(), nullptr);
  for (const report::FarmRecord& r : records) {
    PARAKIT_REQUIRE(r.piece < todo.size(), "piece " + std::to_string(r.piece) + " of the farm");
    ++o.attempts;
    if (last[r.piece] == nullptr || last[r.piece]->attempt < r.attempt) last[r.piece] = &r;
  }
  for (std::uint64_t p = 0; p < todo.size(); ++p) {
    const report::FarmRecord* r = last[p];
    if (r == nullptr && drained) {
      ++o.not_run;  // --stop-file: never started, left for --resume
      continue;
    }
    if (r == nullptr) throw WrongAnswer(fmt::format("task farm: task {} never reported", todo[p]));
    if (r->status != 0) count_failure(o, *r, todo[p], commands[todo[p]]);
  }
  return o;
}

CommandOutcomes summarize_graph_attempts(const std::vector<report::FarmRecord>& records,
                                         const std::vector<kernels::TaskState>& states,
                                         const std::vector<bool>& done_before,
                                         const std::vector<std::string>& commands, bool drained) {
  PARAKIT_REQUIRE(
      states.size() == commands.size() && (done_before.empty() || done_before.size() == states.size()),
      "one state and one command per task");
  CommandOutcomes o;
  std::vector<const report::FarmRecord*> last(states.size(), nullptr);
  for (const report::FarmRecord& r : records) {
    PARAKIT_REQUIRE(r.piece < states.size(), "task " + std::to_string(r.piece) + " of the graph");
    ++o.attempts;
    if (last[r.piece] == nullptr || last[r.piece]->attempt < r.attempt) last[r.piece] = &r;
  }
  for (std::uint64_t t = 0; t < states.size(); ++t) {
    const bool before = !done_before.empty() && done_before[t];
    switch (states[t]) {
      case kernels::TaskState::kSkipped:
        ++o.skipped;
        o.skipped_tasks.push_back(t);
        break;
      case kernels::TaskState::kWaiting:
      case kernels::TaskState::kReady:
        ++(drained ? o.not_run : o.halted);
        break;
      case kernels::TaskState::kDone:
      case kernels::TaskState::kFailed:
      case kernels::TaskState::kRunning:
        if (before) break;
        if (last[t] == nullptr)
          throw WrongAnswer(fmt::format("task graph: task {} ended without a record", t));
        if (last[t]->status != 0) count_failure(o, *last[t], t, commands[t]);
        break;
    }
  }
  return o;
}

JoblogEntry skipped_entry(std::uint64_t task, double when_unix_s, const std::string& command) {
  return {.task = task,
          .rank = -1,
          .thread = -1,
          .host = "-",
          .start = when_unix_s,
          .duration_s = 0.0,
          .exit_code = 0,
          .signal = 0,
          .attempt = 0,
          .status = "skipped",
          .command = command};
}

JoblogEntry joblog_entry(const report::FarmRecord& r, const report::FarmResult& farm, std::uint64_t task,
                         const std::string& command) {
  return joblog_entry(r, farm.start_unix_s, farm.per_rank[static_cast<std::size_t>(r.rank)].host, task,
                      command);
}

JoblogEntry joblog_entry(const report::FarmRecord& r, double start_unix_s, const std::string& host,
                         std::uint64_t task, const std::string& command) {
  return {.task = task,
          .rank = r.rank,
          .thread = r.thread,
          .host = host,
          .start = start_unix_s + r.start_s,
          .duration_s = r.end_s - r.start_s,
          .exit_code = r.exit_code,
          .signal = r.signal,
          .attempt = r.attempt,
          .status = std::string(status_name(static_cast<Status>(r.status))),
          .command = command};
}

std::vector<report::TraceBox> command_trace_boxes(const std::vector<report::FarmRecord>& records,
                                                  const std::vector<std::uint64_t>& todo,
                                                  const std::vector<std::string>& commands) {
  std::vector<report::TraceBox> boxes;
  boxes.reserve(records.size());
  for (const report::FarmRecord& r : records) {
    const std::uint64_t task = todo[r.piece];
    boxes.push_back({.name = fmt::format("task {}", task) +
                             (r.attempt > 1 ? fmt::format(" (attempt {})", r.attempt) : ""),
                     .rank = r.rank,
                     .thread = r.thread,
                     .start_s = r.start_s,
                     .end_s = r.end_s,
                     .failed = r.status != 0,
                     .args = {{"task", task},
                              {"attempt", r.attempt},
                              {"status", status_name(static_cast<Status>(r.status))},
                              {"exit", r.exit_code},
                              {"command", commands[task]}},
                     .after = {}});
  }
  return boxes;
}

}  // namespace parakit::exec
