#include "parakit/exec/command_outcomes.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"

using namespace parakit::exec;
using parakit::report::FarmRecord;

namespace {

FarmRecord attempt(std::uint64_t piece, int attempt_no, Status status, int exit_code = 0) {
  FarmRecord r;
  r.piece = piece;
  r.attempt = attempt_no;
  r.status = static_cast<std::int32_t>(status);
  r.exit_code = exit_code;
  r.rank = 1;
  r.thread = 0;
  r.start_s = 2.0;
  r.end_s = 2.5;
  return r;
}

// The farm ran tasks 1, 3, 4 and 6 of seven (piece p is task todo[p]).
const std::vector<std::uint64_t> kTodo = {1, 3, 4, 6};
const std::vector<std::string> kCommands = {"c0", "c1", "c2", "c3", "c4", "c5", "c6"};

}  // namespace

TEST(CommandOutcomes, each_task_counts_its_last_attempt_in_any_arrival_order) {
  const std::vector<FarmRecord> records = {attempt(0, 2, Status::kOk),
                                           attempt(0, 1, Status::kFailed, 1),
                                           attempt(1, 1, Status::kFailed, 2),
                                           attempt(2, 1, Status::kFailed, 1),
                                           attempt(2, 2, Status::kTimedOut, 143),
                                           attempt(3, 1, Status::kOk)};
  const CommandOutcomes o = summarize_attempts(records, kTodo, kCommands, false);
  EXPECT_EQ(o.failed, 2U);
  EXPECT_EQ(o.timed_out, 1U);
  EXPECT_EQ(o.attempts, 6U);
  EXPECT_EQ(o.not_run, 0U);
  ASSERT_EQ(o.failures.size(), 2U);
  EXPECT_EQ(o.failures[0].task, 3U);
  EXPECT_EQ(o.failures[0].status, Status::kFailed);
  EXPECT_EQ(o.failures[0].exit_code, 2);
  EXPECT_EQ(o.failures[0].attempts, 1);
  EXPECT_EQ(o.failures[0].command, "c3");
  EXPECT_EQ(o.failures[1].task, 4U);
  EXPECT_EQ(o.failures[1].status, Status::kTimedOut);
  EXPECT_EQ(o.failures[1].exit_code, 143);
  EXPECT_EQ(o.failures[1].attempts, 2);
  EXPECT_EQ(o.exit_code(), parakit::kExitTasksFailed) << "tasks failed";
}

TEST(CommandOutcomes, tasks_without_a_record_were_not_run_when_the_farm_drained_and_are_a_bug_otherwise) {
  const std::vector<FarmRecord> records = {attempt(0, 1, Status::kFailed, 1), attempt(2, 1, Status::kOk)};
  const CommandOutcomes o = summarize_attempts(records, kTodo, kCommands, true);
  EXPECT_EQ(o.not_run, 2U);
  EXPECT_EQ(o.failed, 1U);
  EXPECT_EQ(o.exit_code(), parakit::kExitStopped) << "stopped wins over failures";
  try {
    summarize_attempts(records, kTodo, kCommands, false);
    ADD_FAILURE() << "accepted";
  } catch (const parakit::WrongAnswer& e) {
    EXPECT_STREQ(e.what(), "task farm: task 3 never reported");
  }
}

TEST(CommandOutcomes, the_exit_code_says_tasks_failed_or_the_farm_stopped_in_the_shared_contract) {
  CommandOutcomes o;
  EXPECT_EQ(o.exit_code(), parakit::kExitOk);
  o.failed = 1;
  EXPECT_EQ(o.exit_code(), 4);
  o.failed = 5000;
  EXPECT_EQ(o.exit_code(), 4) << "a count never wraps into another code of the contract";
  o.not_run = 1;
  EXPECT_EQ(o.exit_code(), 5);
}

TEST(CommandOutcomes, the_joblog_entry_of_an_attempt_has_its_host_unix_start_and_duration) {
  parakit::report::FarmResult farm;
  farm.per_rank.resize(2);
  farm.per_rank[1].host = "node2";
  farm.start_unix_s = 1.7e9;
  const JoblogEntry e = joblog_entry(attempt(2, 3, Status::kTimedOut, 143), farm, 4, "c4");
  EXPECT_EQ(e.task, 4U);
  EXPECT_EQ(e.rank, 1);
  EXPECT_EQ(e.thread, 0);
  EXPECT_EQ(e.host, "node2");
  EXPECT_DOUBLE_EQ(e.start, 1.7e9 + 2.0);
  EXPECT_DOUBLE_EQ(e.duration_s, 0.5);
  EXPECT_EQ(e.exit_code, 143);
  EXPECT_EQ(e.attempt, 3);
  EXPECT_EQ(e.status, "timeout");
  EXPECT_EQ(e.command, "c4");
}

TEST(CommandOutcomes, trace_boxes_name_the_task_and_later_attempts_and_mark_failures) {
  const std::vector<FarmRecord> records = {attempt(1, 1, Status::kFailed, 2), attempt(1, 2, Status::kOk)};
  const auto boxes = command_trace_boxes(records, kTodo, kCommands);
  ASSERT_EQ(boxes.size(), 2U);
  EXPECT_EQ(boxes[0].name, "task 3");
  EXPECT_TRUE(boxes[0].failed);
  EXPECT_EQ(boxes[1].name, "task 3 (attempt 2)");
  EXPECT_FALSE(boxes[1].failed);
  EXPECT_EQ(boxes[0].rank, 1);
  EXPECT_DOUBLE_EQ(boxes[0].end_s, 2.5);
  EXPECT_EQ(
      boxes[0].args,
      (nlohmann::json{{"task", 3}, {"attempt", 1}, {"status", "failed"}, {"exit", 2}, {"command", "c3"}}));
}

// Issue 20: a graph's outcomes come from its tasks' end states: skipped and halted tasks are failures
// of the run (exit 4), tasks a drain left are not run (exit 5), and tasks done before count as nothing.
TEST(CommandOutcomes, a_graphs_skipped_and_halted_tasks_fail_the_run_and_drained_ones_stop_it) {
  using parakit::kernels::TaskState;
  const std::vector<TaskState> states = {TaskState::kDone,    TaskState::kDone,    TaskState::kFailed,
                                         TaskState::kSkipped, TaskState::kSkipped, TaskState::kReady,
                                         TaskState::kWaiting};
  // Task 0 was done before; 1 succeeded on its second attempt; 2 failed (piece = task).
  const std::vector<FarmRecord> records = {attempt(1, 1, Status::kFailed, 1), attempt(1, 2, Status::kOk),
                                           attempt(2, 1, Status::kFailed, 3)};
  const std::vector<bool> before = {true, false, false, false, false, false, false};
  const CommandOutcomes halted = summarize_graph_attempts(records, states, before, kCommands, false);
  EXPECT_EQ(halted.attempts, 3U);
  EXPECT_EQ(halted.failed, 1U);
  ASSERT_EQ(halted.failures.size(), 1U);
  EXPECT_EQ(halted.failures[0].task, 2U);
  EXPECT_EQ(halted.failures[0].exit_code, 3);
  EXPECT_EQ(halted.skipped, 2U);
  EXPECT_EQ(halted.skipped_tasks, (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(halted.halted, 2U);
  EXPECT_EQ(halted.not_run, 0U);
  EXPECT_EQ(halted.exit_code(), parakit::kExitTasksFailed);
  const CommandOutcomes drained = summarize_graph_attempts(records, states, before, kCommands, true);
  EXPECT_EQ(drained.not_run, 2U);
  EXPECT_EQ(drained.halted, 0U);
  EXPECT_EQ(drained.exit_code(), parakit::kExitStopped);
  const std::vector<TaskState> one_skipped = {TaskState::kSkipped};
  EXPECT_EQ(summarize_graph_attempts({}, one_skipped, {}, {"c"}, false).exit_code(),
            parakit::kExitTasksFailed);
  // A task that ended without a record is the scheduler's bug.
  const std::vector<TaskState> done = {TaskState::kDone};
  EXPECT_THROW(summarize_graph_attempts({}, done, {}, {"c"}, false), parakit::WrongAnswer);
  const JoblogEntry e = skipped_entry(4, 1.7e9, "c4");
  EXPECT_EQ(format_joblog_line(e), "4\t-1\t-1\t-\t1700000000.000\t0.000\t0\t0\t0\tskipped\tc4\n");
}
