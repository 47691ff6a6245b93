#include "parakit/exec/resume.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/exec/joblog.hpp"

using namespace parakit::exec;
namespace fs = std::filesystem;

namespace {

std::string line(std::uint64_t task, const std::string& status, const std::string& command, int attempt = 1) {
  return format_joblog_line({.task = task,
                             .rank = 0,
                             .thread = 0,
                             .host = "h",
                             .start = 1.7e9,
                             .duration_s = 0.1,
                             .exit_code = status == "ok" ? 0 : 1,
                             .signal = 0,
                             .attempt = attempt,
                             .status = status,
                             .command = command});
}

}  // namespace

// The fixture is outside the anonymous namespace: GCC refuses (-Wsubobject-linkage) a test class of
// a unity build whose base has internal linkage.
class ResumeFile : public ::testing::Test {
 protected:
  fs::path path = fs::temp_directory_path() / ("parakit_resume_" + std::to_string(::getpid()) + ".tsv");
  const std::vector<std::string> commands = {"echo 1", "echo 2", "echo 3", "echo 4"};
  void write(const std::string& text) { std::ofstream(path, std::ios::binary) << text; }
  void TearDown() override { fs::remove_all(path); }
  std::string message(bool resume) {
    try {
      plan_resume(path.string(), resume, commands, "t.txt");
    } catch (const parakit::UsageError& e) {
      return e.what();
    }
    return "accepted";
  }
};

TEST_F(ResumeFile, without_a_joblog_or_with_a_new_one_every_task_runs) {
  for (const std::string& joblog : {std::string(), path.string()}) {
    const ResumePlan plan = plan_resume(joblog, false, commands, "t.txt");
    EXPECT_EQ(plan.todo, (std::vector<std::uint64_t>{0, 1, 2, 3}));
    EXPECT_TRUE(plan.fresh);
    EXPECT_EQ(plan.keep_bytes, 0U);
    EXPECT_FALSE(plan.torn_tail);
  }
  write("");  // an empty file is a new joblog, with or without --resume
  EXPECT_TRUE(plan_resume(path.string(), false, commands, "t.txt").fresh);
  EXPECT_EQ(plan_resume(path.string(), true, commands, "t.txt").todo.size(), 4U);
}

TEST_F(ResumeFile, runs_the_tasks_whose_last_line_is_not_ok_and_keeps_the_complete_lines) {
  const std::string whole = joblog_header() + line(0, "ok", "echo 1") + line(2, "failed", "echo 3") +
                            line(3, "failed", "echo 4") + line(3, "ok", "echo 4", 2);
  write(whole + "1\t0\t0\th\t17");  // task 1's line, cut short
  const ResumePlan plan = plan_resume(path.string(), true, commands, "t.txt");
  EXPECT_EQ(plan.todo, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_FALSE(plan.fresh);
  EXPECT_EQ(plan.keep_bytes, whole.size());
  EXPECT_TRUE(plan.torn_tail);
}

TEST_F(ResumeFile, an_existing_log_without_resume_a_directory_and_a_log_of_another_run_are_refused) {
  write(joblog_header() + line(0, "ok", "echo 1"));
  EXPECT_EQ(message(false), "--joblog " + path.string() +
                                ": the file exists; add --resume to continue that run, or remove the file");
  write(joblog_header() + line(1, "ok", "printf 2"));
  EXPECT_EQ(message(true), "--resume: " + path.string() +
                               ": task 1 ran 'printf 2', but t.txt makes it 'echo 2': the log is of another "
                               "run (nothing was changed)");
  write(joblog_header() + line(4, "ok", "echo 5"));
  EXPECT_EQ(message(true), "--resume: " + path.string() +
                               ": task 4 is logged, but t.txt has 4 tasks: the log is of another run "
                               "(nothing was changed)");
  write("not a joblog\n");
  EXPECT_NE(message(true).find(":1: not a parakit joblog"), std::string::npos) << message(true);
  fs::remove(path);
  fs::create_directory(path);
  EXPECT_EQ(message(true), "--joblog " + path.string() + ": is a directory (accepted: a file)");
}

// Issue 18, defect 9: the attempts other ranks wrote to their journals while rank 0 died count like
// the joblog's, and the lines the joblog lacks are to be added to it; a journal cut short while it
// was created holds nothing, one of another run is refused, and a new joblog has the journals of an
// unrelated run removed unread.
TEST(ResumeJournals, count_like_the_joblog_and_what_it_lacks_is_merged) {
  const fs::path dir = fs::temp_directory_path() / ("parakit_journals_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string joblog = (dir / "jobs.tsv").string();
  const std::vector<std::string> commands = {"echo 1", "echo 2", "echo 3", "echo 4"};
  const auto write = [](const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  };
  write(joblog, joblog_header() + line(0, "ok", "echo 1") + line(1, "failed", "echo 2"));
  // Rank 1 logged task 1 failing (rank 0 logged it too, with the duration it measured), then task 2
  // done, which rank 0 never heard of.
  JoblogEntry measured = read_joblog(joblog).entries.at(1);
  measured.duration_s = 0.125;
  write(journal_path(joblog, 1), joblog_header() + format_joblog_line(measured) + line(2, "ok", "echo 3"));
  write(journal_path(joblog, 3), joblog_header().substr(0, 5));
  write((dir / "jobs.tsv.rankx").string(), "not a journal");
  const ResumePlan plan = plan_resume(joblog, true, commands, "t.txt");
  EXPECT_EQ(plan.todo, (std::vector<std::uint64_t>{1, 3}));
  EXPECT_EQ(plan.journal_lines, std::vector<std::string>{line(2, "ok", "echo 3")});
  EXPECT_EQ(plan.journals, (std::vector<std::string>{journal_path(joblog, 1), journal_path(joblog, 3)}));

  write(journal_path(joblog, 2), joblog_header() + line(1, "ok", "printf 2"));
  try {
    plan_resume(joblog, true, commands, "t.txt");
    ADD_FAILURE() << "a journal of another run was accepted";
  } catch (const parakit::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(journal_path(joblog, 2)), std::string::npos) << e.what();
  }

  fs::remove(joblog);
  const ResumePlan fresh = plan_resume(joblog, false, commands, "t.txt");
  EXPECT_EQ(fresh.todo.size(), 4U);
  EXPECT_TRUE(fresh.journal_lines.empty());
  EXPECT_EQ(fresh.journals.size(), 3U);
  fs::remove_all(dir);
}

// Issue 20: a graph run's joblog is resumed only by a run of the same graph (its fingerprint), and a
// task list's only by a task list; skipped tasks run again.
TEST_F(ResumeFile, a_graph_joblog_needs_the_same_graph_and_skipped_tasks_run_again) {
  const std::string graph = "00000000000000aa", other = "00000000000000bb";
  write(joblog_header(graph) + line(0, "ok", "echo 1") + line(1, "failed", "echo 2") +
        line(2, "skipped", "echo 3"));
  const ResumePlan plan = plan_resume(path.string(), true, commands, "g.txt", graph);
  EXPECT_EQ(plan.todo, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_FALSE(plan.fresh);
  const auto refusal = [&](const std::string& fingerprint) {
    try {
      plan_resume(path.string(), true, commands, "g.txt", fingerprint);
    } catch (const parakit::UsageError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(refusal(other), "--resume: the graph file g.txt changed since the joblog " + path.string() +
                                " was written (graph fingerprint 00000000000000bb, the joblog's "
                                "00000000000000aa); restore the file or start a new joblog (nothing was "
                                "changed)");
  EXPECT_NE(refusal("").find("is the joblog of a graph run; resume it with --graph"), std::string::npos);
  write(joblog_header() + line(0, "ok", "echo 1"));
  EXPECT_NE(refusal(graph).find("is the joblog of a task-list run; resume it with --tasks"),
            std::string::npos);
  // A new joblog: nothing to compare with.
  fs::remove(path);
  EXPECT_EQ(plan_resume(path.string(), false, commands, "g.txt", graph).todo.size(), 4U);
}
