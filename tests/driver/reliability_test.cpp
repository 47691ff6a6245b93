// Defects of the reliability campaign (issue 18), end to end: a report that cannot reach standard output,
// empty paths, an output that would replace an input or another output, bytes of the data in a message,
// whitespace before a quote in a CSV file. Each exits with the documented code and one line, and leaves
// every file as it was.

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <utility>
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

// The parakit error line of @p err (empty if there is none).
std::string error_line(const std::string& err) {
  const auto at = err.find("parakit: error: ");
  if (at == std::string::npos) return "";
  return err.substr(at, err.find('\n', at) - at);
}

// Defect 4: bytes of the data (a header, a field) and of a path reach the message escaped: a NUL cuts
// nothing, ESC, BEL and DEL never reach the terminal raw, and a megabyte field is a short line.
TEST(Reliability, bytes_of_the_data_in_a_message_are_escaped_and_a_nul_cuts_nothing) {
  TempDir dir;
  const std::string header = (dir.path() / "header.csv").string(),
                    field = (dir.path() / "field.csv").string(), name = (dir.path() / "name.csv").string(),
                    big = (dir.path() / "big.csv").string(), odd = (dir.path() / "d\x1b[31m\a.csv").string();
  write_file(header, std::string("pr\0ice,\x1b[31mred\a\n1,2\n", 21));
  write_file(field, std::string("a,b\n1,2\n3,x\0y\x1b[31m\a\x7f\n", 21));
  write_file(name, "a,\x1b[1mb\n1,zz\n");
  write_file(big, "a\n1\n" + std::string(1 << 20, 'x') + "\n");
  write_file(odd, "a\n1\nq\n");
  const struct {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"stats", header, "--column", "nosuch"},
       header + ": line 1: no column 'nosuch' (accepted: a name from the header, 'pr\\x00ice', "
                "'\\x1b[31mred\\x07', or an index from 0 to 1)"},
      {{"stats", field, "--column", "b", "--read", "root"},
       field + ":3: column 'b' (field 2): 'x\\x00y\\x1b[31m\\x07\\x7f' is not a number"},
      {{"stats", field, "--column", "b", "--read", "parallel"},
       field + ":3: column 'b' (field 2): 'x\\x00y\\x1b[31m\\x07\\x7f' is not a number"},
      {{"stats", name, "--column", "1"}, name + ":2: column '\\x1b[1mb' (field 2): 'zz' is not a number"},
      {{"stats", big, "--column", "a"}, big + ":3: column 'a' (field 1): '" + std::string(40, 'x') + "'..."},
      {{"stats", odd, "--column", "a"}, (dir.path() / "d\\x1b[31m\\x07.csv").string() + ":3: column 'a'"},
  };
  for (const auto& c : cases) {
    for (const int ranks : {0, 2}) {  // 1 rank (no mpiexec) and 2
      SCOPED_TRACE(c.args[1] + " " + c.args.back() + " at " + std::to_string(ranks) + " ranks");
      const ProcessResult r = run_process(parakit_cmd(c.args, ranks));
      expect_one_line(r, 2, c.message);
      for (const char raw : {'\0', '\x1b', '\a', '\x7f'})
        EXPECT_EQ(r.err.find(raw), std::string::npos)
            << "byte " << static_cast<int>(raw) << " raw: " << r.err;
      EXPECT_LT(error_line(r.err).size(), 400U) << "a bounded line";
    }
  }
}

// Defect 6: whitespace before an opening quote. pandas.read_csv and Python's csv module (their default,
// skipinitialspace=False) read '\t"n,44",-1.08' as the fields '\t"n', '44"' and '-1.08': the quote is
// text. parakit reads it so too, in every ranks x threads layout, whole chunks or pieces of them.
TEST(Reliability, whitespace_before_a_quote_is_read_as_pandas_reads_it_in_every_layout) {
  TempDir dir;
  const std::string file = (dir.path() / "q.csv").string();
  std::string text = "name,x,y\n";
  // 2.4 MB: more than 1 MiB per rank at 2 ranks, so threads parse pieces of a 4 MiB chunk; 64K chunks
  // cut it into many.
  for (int i = 0; i < 50000; ++i) {
    const std::string k = std::to_string(i % 97);
    text +=
        "a," + k + ",2.5" + k + "\n\t\"n,44\",-1.08\n \"m\"," + k + "," + k + "\n\"q\" ,5,-" + k + "e-3\n";
  }
  write_file(file, text);
  const fs::path script = dir.path() / "ref.py";
  write_file(script,
             "import sys, json, math\nimport pandas as pd\n"
             "d = pd.read_csv(sys.argv[1])\ny = d['y']\n"
             "bad = [i for i, v in enumerate(d['x']) if not str(v).lstrip('-').isdigit()]\n"
             "print(json.dumps({'count': int(y.count()), 'mean': math.fsum(y) / y.count(), 'min': y.min(),"
             " 'max': y.max(), 'x_text': d['x'][bad[0]], 'x_line': bad[0] + 2}))\n");
  const ProcessResult py = run_process({"/usr/bin/python3", script.string(), file}, 120.0);
  ASSERT_EQ(py.exit_code, 0) << py.err;
  const nlohmann::json ref = nlohmann::json::parse(py.out);
  EXPECT_EQ(ref["x_text"], "44\"");
  EXPECT_EQ(ref["x_line"], 3);
  EXPECT_EQ(ref["count"], 200000);
  // 1 rank (no mpiexec) and 2, both strategies, one thread or pieces for 2 threads, 64K or 4M chunks.
  const struct {
    int ranks;
    const char* read;
    const char* threads;
    const char* chunk;
  } layouts[] = {{0, "parallel", "2", "4M"},
                 {2, "root", "1", "64K"},
                 {2, "root", "2", "4M"},
                 {2, "parallel", "1", "64K"},
                 {2, "parallel", "2", "4M"}};
  for (const auto& l : layouts) {
    SCOPED_TRACE(std::to_string(l.ranks) + " ranks x " + l.threads + " threads, --read " + l.read +
                 " --chunk-size " + l.chunk);
    const std::vector<std::string> layout = {"--read",  l.read,         "--threads",
                                             l.threads, "--chunk-size", l.chunk};
    std::vector<std::string> args = {"stats", file, "--column", "y"};
    args.insert(args.end(), layout.begin(), layout.end());
    const nlohmann::json r = run_json(args, l.ranks)["result"];
    EXPECT_EQ(r["count"], ref["count"]);
    EXPECT_EQ(r["min"], ref["min"]);
    EXPECT_EQ(r["max"], ref["max"]);
    // 200 000 sums in a different order: far below 1e-12 relative.
    EXPECT_NEAR(r["mean"].get<double>(), ref["mean"].get<double>(),
                1e-12 * std::fabs(ref["mean"].get<double>()));
    // Column x holds the text '44"' on line 3, where pandas finds it.
    args = {"stats", file, "--column", "x"};
    args.insert(args.end(), layout.begin(), layout.end());
    expect_one_line(run_process(parakit_cmd(args, l.ranks)), 2,
                    file + ":3: column 'x' (field 2): '44\"' is not a number");
  }
  // The quote does not join the fields, so a line gets more of them than the header: pandas and parakit
  // both refuse line 3.
  const std::string ragged = (dir.path() / "ragged.csv").string();
  write_file(ragged, "name,y\na,1\n\t\"n,44\",-1.08\nb,2\n");
  const ProcessResult pandas =
      run_process({"/usr/bin/python3", "-c", "import sys, pandas as pd; pd.read_csv(sys.argv[1])", ragged});
  EXPECT_NE(pandas.err.find("Expected 2 fields in line 3, saw 3"), std::string::npos) << pandas.err;
  for (const int ranks : {0, 2}) {
    expect_one_line(run_process(parakit_cmd({"stats", ragged, "--column", "y"}, ranks)), 2,
                    ragged + ":3: field 3: 3 fields, expected 2");
  }
}

}  // namespace
}  // namespace parakit::test
