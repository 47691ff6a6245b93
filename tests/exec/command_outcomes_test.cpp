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
