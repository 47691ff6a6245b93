// Defects of the reliability campaign (issue 18), end to end: a report that cannot reach standard output,
// empty paths, and an output that would replace an input or another output. Each exits with the
// documented code and one line, and leaves every file as it was.

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "process.hpp"

namespace parakit::test {
namespace {

namespace fs = std::filesystem;

// One error line and nothing else on stderr, @p code, nothing on stdout.
void expect_one_line(const ProcessResult& r, int code, const std::string& message) {
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(count_lines_starting_with(r.err, "parakit: error: "), 1) << r.err;
  // Printed once (mpirun's own note about a rank's exit code may follow; warnings may precede).
  EXPECT_EQ(count_lines_starting_with(r.err, "parakit"),
            1 + count_lines_starting_with(r.err, "parakit: warning: "))
      << "one line: " << r.err;
  EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
}

TEST(Reliability, a_report_that_cannot_be_written_to_stdout_is_exit_1_not_0) {
  const std::string exe = PARAKIT_EXE;
  // A report: the system's reason is named.
  for (const std::string& command : {exe + " pi --samples 1e5 --format json", exe + " pi --samples 1e5",
                                     exe + " info --format json", exe + " compare pi --cores 1 --repeat 2"}) {
    SCOPED_TRACE(command);
    const ProcessResult r = run_process({"sh", "-c", command + " > /dev/full"}, 120.0);
    expect_one_line(r, 1,
                    "parakit: error: cannot write the report to standard output: No space left on device");
  }
  // Anything else printed (help, version) is checked at exit.
  for (const std::string& command : {exe + " --version", exe + " pi --help"}) {
    SCOPED_TRACE(command);
    expect_one_line(run_process({"sh", "-c", command + " > /dev/full"}), 1,
                    "parakit: error: cannot write to standard output");
  }
}

TEST(Reliability, empty_paths_are_refused_everywhere) {
  TempDir dir;
  const std::string csv = (dir.path() / "g.csv").string();
  write_file(csv, "price\n1\n2\n");
  const struct {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"pi", "--samples", "1e5", "--output", ""}, "--output: an empty path"},
      {{"pi", "--samples", "1e5", "--json", ""}, "--json: an empty path"},
      {{"stats", csv, "--column", "price", "--output", ""}, "--output: an empty path"},
      {{"compare", "pi", "--cores", "1", "--output", ""}, "--output: an empty path"},
      {{"compare", "pi", "--cores", "1", "--csv", ""}, "--csv: an empty path"},
      {{"map", "pi", "--tasks", "2", "--trace", ""}, "--trace: an empty path"},
  };
  for (const auto& c : cases) {
    for (const int ranks : {0, 2}) {
      if (ranks > 0 && c.args.front() == "compare") continue;  // studies refuse mpirun first
      SCOPED_TRACE(c.message + " at " + std::to_string(ranks) + " ranks");
      expect_one_line(run_process(parakit_cmd(c.args, ranks)), 2, c.message);
    }
  }
}

TEST(Reliability, an_output_never_replaces_the_input_or_another_output) {
  TempDir dir;
  const fs::path csv = dir.path() / "g.csv", link = dir.path() / "link.csv", out = dir.path() / "r.txt";
  const std::string data = "price\n1\n2\n3\n";
  write_file(csv, data);
  fs::create_symlink(csv, link);
  const struct {
    std::vector<std::string> args;
    int ranks;
    std::string message;
  } cases[] = {
      {{"stats", csv.string(), "--column", "price", "--output", csv.string()}, 0, "is the same file as FILE"},
      {{"stats", csv.string(), "--column", "price", "--json", link.string()}, 2, "is the same file as FILE"},
      {{"pi", "--samples", "1e5", "--output", out.string(), "--json", out.string()},
       2,
       "--json '" + out.string() + "' is the same file as --output"},
      {{"compare", "pi", "--cores", "1", "--json", out.string(), "--csv", out.string()},
       0,
       "--csv '" + out.string() + "' is the same file as --json"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    expect_one_line(run_process(parakit_cmd(c.args, c.ranks)), 2, c.message);
    EXPECT_EQ(slurp(csv), data) << "the data is untouched";
    EXPECT_FALSE(fs::exists(out)) << "nothing written";
  }
}

TEST(Reliability, a_fifo_or_a_device_as_input_is_refused_at_once_not_waited_on) {
  TempDir dir;
  const std::string fifo = (dir.path() / "f.csv").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::vector<std::vector<std::string>> reads = {{"stats", fifo, "--column", "price"},
                                                       {"stats", fifo, "--column", "price", "--read", "root"},
                                                       {"stats", fifo, "--type", "binary"},
                                                       {"stats", "/dev/zero", "--type", "binary"},
                                                       {"stats", "", "--column", "price"}};
  for (const auto& args : reads) {
    for (const int ranks : {0, 2}) {
      SCOPED_TRACE(args[1] + " " + args[2] + " at " + std::to_string(ranks) + " ranks");
      const ProcessResult r = run_process(parakit_cmd(args, ranks), 30.0);
      expect_one_line(r, 2, args[1].empty() ? "FILE: an empty path" : args[1] + ": not a regular file");
      EXPECT_LT(r.elapsed_s, 20.0);
    }
  }
}

}  // namespace
}  // namespace parakit::test
