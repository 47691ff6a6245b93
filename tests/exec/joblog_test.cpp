#include "parakit/exec/joblog.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "parakit/error.hpp"

using namespace parakit::exec;
namespace fs = std::filesystem;

namespace {

JoblogEntry entry(std::uint64_t task, const std::string& status, const std::string& command) {
  return {.task = task,
          .rank = 1,
          .thread = 0,
          .host = "node7",
          .start = 1795600000.125,
          .duration_s = 0.5,
          .exit_code = status == "ok" ? 0 : 2,
          .signal = 0,
          .attempt = 1,
          .status = status,
          .command = command};
}

}  // namespace

// The fixture is outside the anonymous namespace: GCC refuses (-Wsubobject-linkage) a test class of
// a unity build whose base has internal linkage.
class JoblogFile : public ::testing::Test {
 protected:
  fs::path path = fs::temp_directory_path() / ("parakit_joblog_" + std::to_string(::getpid()) + ".tsv");
  void write(const std::string& text) { std::ofstream(path, std::ios::binary) << text; }
  void TearDown() override { fs::remove(path); }
};

TEST_F(JoblogFile, round_trips_entries_with_tabs_in_the_command) {
  write(joblog_header() + format_joblog_line(entry(0, "ok", "echo a")) +
        format_joblog_line(entry(5, "failed", "printf 'x\ty'")));
  const Joblog log = read_joblog(path.string());
  ASSERT_EQ(log.entries.size(), 2U);
  EXPECT_FALSE(log.torn_tail);
  EXPECT_EQ(log.complete_bytes, fs::file_size(path));
  EXPECT_EQ(log.entries[0].task, 0U);
  EXPECT_EQ(log.entries[0].status, "ok");
  EXPECT_EQ(log.entries[1].task, 5U);
  EXPECT_EQ(log.entries[1].host, "node7");
  EXPECT_EQ(log.entries[1].exit_code, 2);
  EXPECT_DOUBLE_EQ(log.entries[1].start, 1795600000.125);
  EXPECT_EQ(log.entries[1].command, "printf 'x\ty'");
}

TEST_F(JoblogFile, a_line_cut_short_is_not_an_entry) {
  const std::string whole = joblog_header() + format_joblog_line(entry(0, "ok", "echo a"));
  write(whole + "1\t0\t0\tnode7\t17956");
  const Joblog log = read_joblog(path.string());
  EXPECT_EQ(log.entries.size(), 1U);
  EXPECT_TRUE(log.torn_tail);
  EXPECT_EQ(log.complete_bytes, whole.size());
}

TEST_F(JoblogFile, foreign_or_corrupt_logs_are_refused_with_file_and_line) {
  const auto message = [&] {
    try {
      read_joblog(path.string());
    } catch (const parakit::UsageError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  write(
      "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n1\t:\t1.0\t0."
      "1\t0\t0\t0\t0\techo\n");
  EXPECT_NE(message().find(path.string() + ":1: not a parakit joblog"), std::string::npos) << message();
  write("");
  EXPECT_NE(message().find("empty file"), std::string::npos) << message();
  write(joblog_header() + "0\t0\t0\tnode\tnot-a-time\t0.1\t0\t0\t1\tok\techo\n");
  EXPECT_NE(message().find(":3: a number field does not parse"), std::string::npos) << message();
  write(joblog_header() + format_joblog_line(entry(0, "ok", "a")) + "garbage line\n");
  EXPECT_NE(message().find(":4: 1 fields where 11 are expected"), std::string::npos) << message();
  write(joblog_header() + "0\t0\t0\tnode\t1.0\t0.1\t0\t0\t1\tdone\techo\n");
  EXPECT_NE(message().find("unknown status 'done'"), std::string::npos) << message();
  fs::remove(path);
  EXPECT_NE(message().find("cannot read the joblog"), std::string::npos) << message();
}

TEST_F(JoblogFile, the_writer_starts_a_new_log_with_its_header_and_appends_whole_lines) {
  {
    JoblogWriter writer(path.string(), 0, true);
    writer.write(format_joblog_line(entry(0, "ok", "echo a")));
  }
  const Joblog log = read_joblog(path.string());
  ASSERT_EQ(log.entries.size(), 1U);
  EXPECT_EQ(log.entries[0].command, "echo a");
}

TEST_F(JoblogFile, the_writer_continues_a_log_after_its_last_complete_line) {
  const std::string whole = joblog_header() + format_joblog_line(entry(0, "ok", "echo a"));
  write(whole + "1\t0\t0\tnode7\t17956");
  const Joblog torn = read_joblog(path.string());
  {
    JoblogWriter writer(path.string(), torn.complete_bytes, false);
    writer.write(format_joblog_line(entry(1, "ok", "echo b")));
  }
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, whole + format_joblog_line(entry(1, "ok", "echo b"))) << "the torn line is cut off";
}

TEST_F(JoblogFile, a_writer_that_cannot_open_its_file_names_the_option_and_the_reason) {
  try {
    JoblogWriter writer((path / "sub").string(), 0, true);
    ADD_FAILURE() << "opened";
  } catch (const parakit::UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "--joblog " + (path / "sub").string() + ": No such file or directory");
  }
}

// Issue 18, defect 9: the workers of a rank write their attempts' lines from their own threads, each
// line with one write: none is lost or interleaved with another, and sync() puts them on disk.
TEST_F(JoblogFile, threads_writing_at_once_leave_every_line_whole) {
  constexpr int kThreads = 8, kLines = 200;
  {
    JoblogWriter writer(path.string(), 0, true);
    std::vector<std::thread> team;
    for (int t = 0; t < kThreads; ++t) {
      team.emplace_back([&writer, t] {
        for (int i = 0; i < kLines; ++i)
          writer.write(format_joblog_line(entry(static_cast<std::uint64_t>(t * kLines + i), "ok", "echo a")));
      });
    }
    for (std::thread& thread : team)
      thread.join();
    writer.sync();
  }
  const Joblog log = read_joblog(path.string());
  ASSERT_EQ(log.entries.size(), static_cast<std::size_t>(kThreads * kLines));
  std::set<std::uint64_t> tasks;
  for (const JoblogEntry& e : log.entries)
    tasks.insert(e.task);
  EXPECT_EQ(tasks.size(), static_cast<std::size_t>(kThreads * kLines));
  EXPECT_FALSE(log.torn_tail);
}

TEST(Journal, is_named_after_the_joblog_and_its_rank_and_found_next_to_it) {
  const fs::path dir = fs::temp_directory_path() / ("parakit_journal_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string joblog = (dir / "jobs.tsv").string();
  EXPECT_EQ(journal_path(joblog, 3), joblog + ".rank3");
  for (const char* name : {"jobs.tsv", "jobs.tsv.rank12", "jobs.tsv.rank2", "jobs.tsv.rank", "jobs.tsv.rankx",
                           "jobs.tsv.rank1.tmp", "other.tsv.rank1"})
    std::ofstream(dir / name) << "";
  EXPECT_EQ(find_journals(joblog), (std::vector<std::string>{joblog + ".rank12", joblog + ".rank2"}));
  fs::remove_all(dir);
  EXPECT_TRUE(find_journals(joblog).empty()) << "no directory: no journals";
}

// The end line a supervisor writes (exec::EndLine) is format_joblog_line's line, cut where the fields
// known only at the end go.
TEST(JoblogLineParts, put_together_with_the_end_fields_make_the_line) {
  const JoblogEntry e = entry(12, "timeout", "sleep 9\tx");
  const JoblogLineParts parts = joblog_line_parts(e);
  EXPECT_EQ(parts.head + "0.500\t2\t0\t" + parts.middle + "timeout" + parts.tail, format_joblog_line(e));
}

// Issue 20: a graph run's joblog carries the graph's fingerprint as its second line; a task list's
// header is unchanged, byte for byte; skipped tasks have lines of their own.
TEST_F(JoblogFile, a_graph_runs_header_carries_its_fingerprint_and_skipped_lines_read_back) {
  EXPECT_EQ(joblog_header(),
            "# parakit joblog 1\ntask\trank\tthread\thost\tstart\tduration_s\texit\tsignal\tattempt\tstatus\t"
            "command\n");
  EXPECT_EQ(
      joblog_header("0123456789abcdef"),
      "# parakit joblog 1\n# graph 0123456789abcdef\ntask\trank\tthread\thost\tstart\tduration_s\texit\t"
      "signal\tattempt\tstatus\tcommand\n");
  JoblogEntry skipped = entry(3, "skipped", "echo c");
  skipped.rank = -1;
  skipped.thread = -1;
  skipped.attempt = 0;
  write(joblog_header("0123456789abcdef") + format_joblog_line(entry(0, "failed", "echo a")) +
        format_joblog_line(skipped));
  const Joblog log = read_joblog(path.string());
  EXPECT_EQ(log.graph, "0123456789abcdef");
  ASSERT_EQ(log.entries.size(), 2U);
  EXPECT_EQ(log.entries[1].status, "skipped");
  EXPECT_EQ(log.entries[1].rank, -1);
  EXPECT_EQ(read_joblog((write(joblog_header()), path.string())).graph, "");

  write("# parakit joblog 1\n# graph 12345\n" + joblog_header().substr(19));
  try {
    read_joblog(path.string());
    ADD_FAILURE() << "a short fingerprint was accepted";
  } catch (const parakit::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(":2: the graph fingerprint '12345' is not 16 hex digits"),
              std::string::npos)
        << e.what();
  }
}
