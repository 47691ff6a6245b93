#include "parakit/exec/process.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace parakit::exec;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST(ShellQuote, leaves_safe_words_alone_and_quotes_everything_else) {
  EXPECT_EQ(shell_quote("data/file-1.csv"), "data/file-1.csv");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$(rm -rf /)"), "'$(rm -rf /)'");
}

TEST(ExpandCommand, replaces_every_placeholder_or_appends_the_task) {
  EXPECT_EQ(expand_command({"echo", "{}", "{}.out"}, "x y"), "echo 'x y' 'x y'.out");
  EXPECT_EQ(expand_command({"gzip", "-k"}, "f.txt"), "gzip -k f.txt");
  EXPECT_EQ(expand_command({"echo {} | wc -c"}, "a;b"), "echo 'a;b' | wc -c");
}

TEST(RunShell, the_quoted_task_reaches_the_command_as_one_word) {
  const auto r = run_shell(expand_command({"printf '%s|' {}"}, "a b; echo injected"));
  EXPECT_EQ(r.status, Status::kOk);
  EXPECT_EQ(r.out, "a b; echo injected|");
}

TEST(RunShell, reports_exit_codes_output_and_signals) {
  auto r = run_shell("echo out; echo err >&2; exit 3");
  EXPECT_EQ(r.status, Status::kFailed);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");

  r = run_shell("kill -9 $$");
  EXPECT_EQ(r.status, Status::kFailed);
  EXPECT_EQ(r.signal, 9);
  EXPECT_EQ(r.exit_code, 128 + 9);

  r = run_shell("no-such-command-parakit");
  EXPECT_EQ(r.status, Status::kFailed);
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;

  EXPECT_EQ(run_process({"/nonexistent/program"}).exit_code, 127);
}

TEST(RunShell, large_output_on_both_streams_does_not_deadlock) {
  const auto r = run_shell("head -c 1000000 /dev/zero; head -c 300000 /dev/zero >&2");
  EXPECT_EQ(r.status, Status::kOk);
  EXPECT_EQ(r.out.size(), 1000000U);
  EXPECT_EQ(r.err.size(), 300000U);
}

TEST(RunShell, a_timeout_kills_the_whole_process_group_promptly) {
  const auto marker = fs::temp_directory_path() / ("parakit_timeout_" + std::to_string(::getpid()));
  fs::remove(marker);
  const auto start = std::chrono::steady_clock::now();
  // The grandchild would create the marker after 2 s if it survived its group's end.
  const auto r = run_shell("(sleep 2; touch " + marker.string() + ") & sleep 30",
                           {.timeout_s = 0.3, .stdout_path = "", .stderr_path = "", .environment = {}});
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.status, Status::kTimedOut);
  EXPECT_EQ(r.signal, 15);
  EXPECT_GE(elapsed, 0.29);
  EXPECT_LT(elapsed, 2.0);
  ::sleep(3);
  EXPECT_FALSE(fs::exists(marker)) << "a process of the timed-out task lived on";
}

TEST(RunShell, a_background_child_holding_the_pipe_does_not_hold_us) {
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_shell("sleep 5 & echo started");
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.status, Status::kOk);
  EXPECT_EQ(r.out, "started\n");
  EXPECT_LT(elapsed, 2.0);
}

TEST(RunShell, output_can_go_to_files) {
  const auto dir = fs::temp_directory_path() / ("parakit_files_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto r = run_shell("echo to-out; echo to-err >&2", {.timeout_s = 0.0,
                                                            .stdout_path = (dir / "o").string(),
                                                            .stderr_path = (dir / "e").string(),
                                                            .environment = {}});
  EXPECT_EQ(r.status, Status::kOk);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(slurp(dir / "o"), "to-out\n");
  EXPECT_EQ(slurp(dir / "e"), "to-err\n");
  const auto bad = run_shell(
      "true",
      {.timeout_s = 0.0, .stdout_path = (dir / "no" / "o").string(), .stderr_path = "", .environment = {}});
  EXPECT_EQ(bad.status, Status::kNotStarted);
  EXPECT_NE(bad.err.find("cannot open"), std::string::npos);
  fs::remove_all(dir);
}

TEST(FindExecutable, looks_in_path) {
  EXPECT_TRUE(find_executable("sh"));
  EXPECT_TRUE(find_executable("/bin/sh"));
  EXPECT_FALSE(find_executable("no-such-command-parakit"));
  EXPECT_FALSE(find_executable(""));
}

// Issue 18, defect 9: the supervisor writes the end line itself the moment the command has ended, as
// format_joblog_line would (duration with 3 decimals, exit code, signal, status), and says so; the
// command does not get the log's file descriptor.
TEST(RunShell, the_supervisor_writes_the_end_line_when_the_command_ends) {
  const fs::path log = fs::temp_directory_path() / ("parakit_end_line_" + std::to_string(::getpid()));
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  const EndLine end{.fd = fd, .head = "7\t1\t0\th\t1.5\t", .middle = "2\t", .tail = "\tcmd\n"};
  const auto fields = [&] {
    std::vector<std::string> lines;
    std::istringstream in(slurp(log));
    for (std::string l; std::getline(in, l);)
      lines.push_back(l);
    return lines;
  };
  const auto failed = run_shell("sleep 0.2; ls -l /proc/$$/fd | grep -c parakit_end_line; exit 3", {}, end);
  EXPECT_TRUE(failed.line_written);
  EXPECT_EQ(failed.out, "0\n") << "the command holds no descriptor of the log";
  const auto killed = run_shell("kill -9 $$", {}, end);
  EXPECT_TRUE(killed.line_written);
  const auto timed_out =
      run_shell("sleep 5", {.timeout_s = 0.1, .stdout_path = "", .stderr_path = "", .environment = {}}, end);
  EXPECT_TRUE(timed_out.line_written);
  EXPECT_EQ(timed_out.status, Status::kTimedOut);
  EXPECT_FALSE(run_shell("true").line_written) << "no end line asked for";
  ::close(fd);
  const std::vector<std::string> lines = fields();
  ASSERT_EQ(lines.size(), 3U) << slurp(log);
  // Duration: what the supervisor measured, 3 decimals; at least the 0.2 s slept.
  ASSERT_EQ(lines[0].rfind("7\t1\t0\th\t1.5\t", 0), 0U) << lines[0];
  const std::string rest = lines[0].substr(std::string("7\t1\t0\th\t1.5\t").size());
  const double duration = std::stod(rest.substr(0, rest.find('\t')));
  EXPECT_GE(duration, 0.2);
  EXPECT_LT(duration, 10.0);
  EXPECT_EQ(rest.substr(rest.find('\t')), "\t3\t0\t2\tfailed\tcmd");
  EXPECT_EQ(rest.find('.'), rest.find('\t') - 4) << "3 decimals: " << rest;
  EXPECT_NE(lines[1].find("\t137\t9\t2\tfailed\tcmd"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("\t143\t15\t2\ttimeout\tcmd"), std::string::npos) << lines[2];
  fs::remove(log);
}
