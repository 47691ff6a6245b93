// parakit stats and parakit gen end to end: real processes under mpiexec, real files, the JSON they
// print, exit codes and messages.

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "process.hpp"

using nlohmann::json;
using parakit::test::count_lines_starting_with;
using parakit::test::parakit_cmd;
using parakit::test::ProcessResult;
using parakit::test::run_json;
using parakit::test::run_process;
using parakit::test::TempDir;
using parakit::test::write_file;
namespace fs = std::filesystem;

namespace {

void gen(const std::vector<std::string>& args, int ranks = 0) {
  std::vector<std::string> all = {"gen"};
  all.insert(all.end(), args.begin(), args.end());
  const ProcessResult r = run_process(parakit_cmd(all, ranks), 60.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

json stats(std::vector<std::string> args, int ranks = 0) {
  args.insert(args.begin(), "stats");
  return run_json(args, ranks);
}

// Every layout and read strategy prints the same result, byte for byte.
void expect_layout_independent(const std::vector<std::string>& args, const json& reference,
                               const std::vector<const char*>& strategies = {"root", "parallel"}) {
  for (const int ranks : {1, 2, 3, 4}) {
    for (const char* threads : {"1", "2"}) {
      for (const char* read : strategies) {
        if (ranks == 1 && std::string(read) == "root" && std::string(threads) == "1") continue;
        std::vector<std::string> a = args;
        a.insert(a.end(), {"--threads", threads, "--read", read, "--chunk-size", "64K"});
        const json j = stats(a, ranks);
        EXPECT_EQ(j["result"].dump(), reference.dump())
            << ranks << " ranks x " << threads << " threads, --read " << read;
        EXPECT_EQ(j["ranks"], ranks);
      }
    }
  }
}

}  // namespace

TEST(Stats, csv_results_are_bitwise_identical_for_every_layout_and_read_strategy) {
  TempDir dir;
  const std::string file = (dir.path() / "data.csv").string();
  // 150 000 rows, two columns, 2 % missing: several 16 Ki-value blocks, fragments at rank edges.
  gen({file, "--rows", "150000", "--columns", "id,price", "--dist", "lognormal", "--missing", "0.02",
       "--seed", "3"},
      2);
  const json ref = stats({file, "--column", "price", "--read", "root", "--chunk-size", "64K"});
  EXPECT_EQ(ref["result"]["count"].get<std::uint64_t>() + ref["result"]["missing"].get<std::uint64_t>(),
            150000U);
  EXPECT_GT(ref["result"]["missing"].get<int>(), 2000);
  expect_layout_independent({file, "--column", "price"}, ref["result"]);
}

TEST(Stats, binary_and_hdf5_results_are_bitwise_identical_for_every_layout_and_read_strategy) {
  TempDir dir;
  const std::string bin = (dir.path() / "data.f32").string(), h5 = (dir.path() / "data.h5").string();
  gen({bin, "--rows", "100003", "--dist", "normal", "--params", "5,2", "--seed", "9"});
  gen({h5, "--rows", "100003", "--dist", "normal", "--params", "5,2", "--seed", "9", "--columns", "/g/value"},
      2);
  const json b = stats({bin, "--read", "root"});
  EXPECT_EQ(b["dtype"], "f32");
  EXPECT_EQ(b["result"]["count"], 100003);
  expect_layout_independent({bin}, b["result"], {"root", "parallel", "mmap"});
  const json h = stats({h5, "--dataset", "/g/value", "--read", "root"});
  EXPECT_EQ(h["result"]["count"], 100003);
  expect_layout_independent({h5, "--dataset", "/g/value"}, h["result"]);
}

TEST(Stats, mapped_f64_values_used_in_place_give_the_bits_of_every_other_read) {
  TempDir dir;
  const std::string bin = (dir.path() / "data.f64").string();
  // An odd row count (the last rank ends inside a block) and a few missing values.
  gen({bin, "--rows", "70001", "--dist", "lognormal", "--missing", "0.01", "--seed", "4"});
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{}, std::vector<std::string>{"--apply", "log(x) * 2"}}) {
    std::vector<std::string> args = {bin, "--bins", "7"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<std::string> root = args;
    root.insert(root.end(), {"--read", "root"});
    const json ref = stats(root);
    EXPECT_EQ(ref["result"]["count"].get<std::uint64_t>() + ref["result"]["missing"].get<std::uint64_t>(),
              70001U);
    for (const int ranks : {1, 2, 3, 4}) {
      std::vector<std::string> mapped = args;
      mapped.insert(mapped.end(), {"--read", "mmap", "--threads", "2"});
      const json j = stats(mapped, ranks);
      EXPECT_EQ(j["result"].dump(), ref["result"].dump()) << ranks << " ranks, " << j["apply"];
      EXPECT_EQ(j["reading"]["strategy"], "mmap");
    }
  }
}

TEST(Stats, a_sequence_has_its_closed_form_statistics) {
  TempDir dir;
  const std::string file = (dir.path() / "seq.bin").string();
  // 1, 2, ..., n: mean (n+1)/2, std sqrt(n(n+1)/12), quantiles 1 + q (n-1).
  const double n = 1'000'001;
  gen({file, "--rows", "1000001", "--dist", "sequence", "--params", "1,1"}, 2);
  const json r = stats({file, "--bins", "4"}, 3)["result"];
  EXPECT_EQ(r["count"], 1000001);
  EXPECT_EQ(r["mean"].get<double>(), (n + 1) / 2);
  EXPECT_NEAR(r["std"].get<double>(), std::sqrt(n * (n + 1) / 12), 1e-12 * std::sqrt(n * (n + 1) / 12));
  EXPECT_EQ(r["min"].get<double>(), 1.0);
  EXPECT_EQ(r["p25"].get<double>(), 250001.0);
  EXPECT_EQ(r["p50"].get<double>(), 500001.0);
  EXPECT_EQ(r["p75"].get<double>(), 750001.0);
  EXPECT_EQ(r["max"].get<double>(), n);
  EXPECT_EQ(r["histogram"]["counts"], json({250000, 250000, 250000, 250001}));
  EXPECT_EQ(r["histogram"]["edges"], json({1.0, 250001.0, 500001.0, 750001.0, 1000001.0}));
}

TEST(Stats, agrees_with_numpy_and_an_exact_reference) {
  TempDir dir;
  const fs::path file = dir.path() / "data.csv";
  gen({file.string(), "--rows", "200000", "--columns", "a,b", "--dist", "normal", "--params", "0.001,1",
       "--missing", "0.01", "--seed", "21"});
  const json r =
      stats({file.string(), "--column", "b", "--apply", "x^2 + sin(x)", "--bins", "7"}, 2)["result"];
  // Python computes the same describe() independently: pandas for the quantiles and numpy's histogram,
  // math.fsum for an exactly rounded sum (the reference for mean and std). pandas reads the CSV with its
  // correctly rounded parser ('round_trip'): its default one is off by an ulp for a third of these numbers.
  const fs::path script = dir.path() / "ref.py";
  write_file(
      script,
      "import sys, math, json\nimport numpy as np, pandas as pd\n"
      "x = pd.read_csv(sys.argv[1], float_precision='round_trip')['b'].apply(lambda v: v*v + "
      "math.sin(v)).dropna()\n"
      "v = x.to_numpy()\nn = len(v)\nmean = math.fsum(v) / n\n"
      "std = math.sqrt(math.fsum((t - mean) ** 2 for t in v) / (n - 1))\n"
      "c, e = np.histogram(v, bins=7)\nd = x.describe()\n"
      "print(json.dumps({'count': n, 'mean': mean, 'std': std, 'min': d['min'], 'p25': d['25%'],"
      " 'p50': d['50%'], 'p75': d['75%'], 'max': d['max'], 'counts': c.tolist(), 'edges': e.tolist()}))\n");
  const ProcessResult py = run_process({"/usr/bin/python3", script.string(), file.string()}, 120.0);
  ASSERT_EQ(py.exit_code, 0) << py.err;
  const json ref = json::parse(py.out);
  EXPECT_EQ(r["count"], ref["count"]);
  EXPECT_NEAR(r["mean"].get<double>(), ref["mean"].get<double>(),
              1e-12 * std::fabs(ref["mean"].get<double>()));
  EXPECT_NEAR(r["std"].get<double>(), ref["std"].get<double>(), 1e-12 * ref["std"].get<double>());
  for (const char* k : {"min", "p25", "p50", "p75", "max"})
    EXPECT_EQ(r[k].get<double>(), ref[k].get<double>()) << k << ": exact, as pandas";
  EXPECT_EQ(r["histogram"]["counts"], ref["counts"]);
  EXPECT_EQ(r["histogram"]["edges"], ref["edges"]);
}

TEST(Stats, csv_dialects_quotes_missing_markers_and_skip_bad) {
  TempDir dir;
  const fs::path file = dir.path() / "d.txt";
  write_file(file, "name;\"val;ue\"\nx;1.5\n\"a;b\";\"2.5\"\ny;NA\nz;\n\nw;abc\nv;4\n");
  const ProcessResult bad =
      run_process(parakit_cmd({"stats", file.string(), "--type", "csv", "--sep", ";", "--column", "val;ue"}));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find(file.string() + ":7: column 'val;ue' (field 2): 'abc' is not a number"),
            std::string::npos)
      << bad.err;
  const json j = stats({file.string(), "--type", "csv", "--sep", ";", "--column", "1", "--skip-bad"}, 2);
  EXPECT_EQ(j["result"]["count"], 3);
  EXPECT_EQ(j["result"]["missing"], 2);
  EXPECT_EQ(j["result"]["skipped"], 1);
  EXPECT_EQ(j["result"]["mean"].get<double>(), 8.0 / 3);
  ASSERT_EQ(j["warnings"].size(), 1U);
  EXPECT_NE(j["warnings"][0].get<std::string>().find("1 line skipped (--skip-bad)"), std::string::npos);
}

TEST(Stats, blank_lines_before_the_header_and_a_byte_order_mark_are_not_names) {
  TempDir dir;
  write_file(dir.path() / "blank.csv", "\n  \nname,v\n1,2\n\n3,4\n");
  write_file(dir.path() / "bom.csv",
             "\xEF\xBB\xBF"
             "a,b\n1,2\n3,4\n");
  for (const char* read : {"root", "parallel"}) {
    const json b = stats({(dir.path() / "blank.csv").string(), "--column", "v", "--read", read}, 2);
    EXPECT_EQ(b["result"]["count"], 2);
    EXPECT_EQ(b["result"]["mean"], 3.0);
    const json m = stats({(dir.path() / "bom.csv").string(), "--column", "a", "--read", read}, 2);
    EXPECT_EQ(m["result"]["mean"], 2.0);
  }
  write_file(dir.path() / "blank-header-only.csv", "a,b\n \t\n");
  const ProcessResult r =
      run_process(parakit_cmd({"stats", (dir.path() / "blank-header-only.csv").string()}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("only a header, no data lines"), std::string::npos) << r.err;
}

TEST(Stats, an_all_missing_column_gives_count_0_and_nan_statistics) {
  TempDir dir;
  const fs::path file = dir.path() / "m.csv";
  write_file(file, "a,b\n1,\n2,NaN\n3,NA\n");
  const json r = stats({file.string(), "--column", "b"}, 2)["result"];
  EXPECT_EQ(r["count"], 0);
  EXPECT_EQ(r["missing"], 3);
  for (const char* k : {"mean", "std", "min", "p25", "p50", "p75", "max"})
    EXPECT_TRUE(r[k].is_null()) << k << " is NaN, written as null";
  EXPECT_TRUE(r["histogram"]["counts"].empty());
  const ProcessResult text = run_process(parakit_cmd({"stats", file.string(), "--column", "b"}));
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("count 0"), std::string::npos) << text.out;
}

TEST(Stats, text_output_shows_describe_and_a_histogram_and_csv_carries_it_as_data) {
  TempDir dir;
  const fs::path file = dir.path() / "s.bin";
  gen({file.string(), "--rows", "1000", "--dist", "sequence"});
  const ProcessResult text = run_process(parakit_cmd({"stats", file.string(), "--bins", "3"}, 2));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (const char* word : {"count 1000", "mean 500.5", "p50 500.5", "histogram", "333 ", "334 ", "read"})
    EXPECT_NE(text.out.find(word), std::string::npos) << word << " in\n" << text.out;
  const ProcessResult csv =
      run_process(parakit_cmd({"stats", file.string(), "--bins", "3", "--format", "csv"}));
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_NE(csv.out.find("result.histogram.counts"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find("333;333;334"), std::string::npos) << csv.out;
}

TEST(Stats, root_reads_are_bounded_by_the_chunk_and_reported) {
  TempDir dir;
  const std::string file = (dir.path() / "big.bin").string();
  gen({file, "--rows", "2000000", "--dist", "uniform"});  // 16 MB
  const json small = stats({file, "--read", "root", "--chunk-size", "1M"}, 2);
  const json large = stats({file, "--read", "root", "--chunk-size", "8M"}, 2);
  EXPECT_EQ(small["reading"]["chunk_bytes"], 1 << 20);
  EXPECT_LE(small["reading"]["root_buffer_bytes"].get<double>(), 4.0 * (1 << 20));
  EXPECT_GT(large["reading"]["root_buffer_bytes"].get<double>(), 4.0 * (1 << 20));
  EXPECT_EQ(small["result"].dump(), large["result"].dump());
}

TEST(Stats, compare_runs_it_in_every_layout_with_the_same_result) {
  TempDir dir;
  const std::string file = (dir.path() / "c.csv").string();
  gen({file, "--rows", "50000", "--columns", "id,price", "--dist", "uniform"});
  const ProcessResult r = run_process(parakit_cmd({"compare", "stats", file, "--column", "price", "--cores",
                                                   "2", "--repeat", "2", "--format", "json"}),
                                      120.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["kernel"], "stats");
  EXPECT_EQ(j["unit"], "bytes");
  EXPECT_EQ(j["rows"].size(), 3U);  // 1x1, 2x1, 1x2
  EXPECT_EQ(j["result"]["count"], 50000);
  const ProcessResult weak =
      run_process(parakit_cmd({"scale", "weak", "stats", file, "--cores", "1,2"}), 30.0);
  EXPECT_EQ(weak.exit_code, 2);
  EXPECT_NE(weak.err.find("weak scaling needs work that grows with the cores"), std::string::npos)
      << weak.err;
}

TEST(Gen, writes_the_same_file_for_every_layout) {
  TempDir dir;
  for (const char* name : {"a.csv", "a.bin"}) {
    const std::string one = (dir.path() / (std::string("1") + name)).string();
    const std::string three = (dir.path() / (std::string("3") + name)).string();
    gen({one, "--rows", "30000", "--dist", "exponential", "--missing",
         std::string(name).ends_with("csv") ? "0.1" : "0"});
    gen({three, "--rows", "30000", "--dist", "exponential", "--threads", "2", "--missing",
         std::string(name).ends_with("csv") ? "0.1" : "0"},
        3);
    EXPECT_EQ(parakit::test::slurp(one), parakit::test::slurp(three)) << name;
    EXPECT_FALSE(parakit::test::slurp(one).empty());
  }
}

// --- bad input ---------------------------------------------------------------------------------------

struct BadStats {
  std::string name;
  std::vector<std::string> args;  // "@" is replaced by the directory of the test's files
  std::string message;
};

class StatsBadInput : public ::testing::TestWithParam<int> {};

TEST_P(StatsBadInput, one_clear_line_printed_once_exit_2_every_rank_gone) {
  const int ranks = GetParam();
  TempDir dir;
  const fs::path d = dir.path();
  write_file(d / "empty.csv", "");
  write_file(d / "header.csv", "a,b\n");
  write_file(d / "ok.csv", "a,b\n1,2\n3,4\n");
  write_file(d / "ragged.csv", "a,b\n1,2\n3,4\n5\n6,7\n");
  write_file(d / "text.csv", "a,b\n1,2\n3,x7\n");
  write_file(d / "odd.bin", std::string(1001, '\0'));
  write_file(d / "secret.csv", "a\n1\n");
  fs::create_directories(d / "dir.csv");
  gen({(d / "ok.h5").string(), "--rows", "10", "--columns", "/value"});
  const std::string s = d.string() + "/";
  const std::vector<BadStats> cases = {
      {"missing file", {s + "none.csv"}, s + "none.csv: cannot open: No such file or directory"},
      {"directory", {s + "dir.csv"}, s + "dir.csv: is a directory"},
      {"empty file", {s + "empty.csv"}, s + "empty.csv: the file is empty"},
      {"header only", {s + "header.csv"}, s + "header.csv: only a header, no data lines"},
      {"unknown column",
       {s + "ok.csv", "--column", "price"},
       s + "ok.csv: line 1: no column 'price' (accepted: a name from the header, 'a', 'b'"},
      {"index out of range", {s + "ok.csv", "--column", "2"}, s + "ok.csv: line 1: no column '2'"},
      {"ragged row",
       {s + "ragged.csv", "--column", "b"},
       s + "ragged.csv:4: field 2: 1 fields, expected 2 (every line with the header's fields"},
      {"non-numeric field",
       {s + "text.csv", "--column", "b"},
       s + "text.csv:3: column 'b' (field 2): 'x7' is not a number"},
      {"binary size",
       {s + "odd.bin"},
       s + "odd.bin: 1001 bytes is not a whole number of f64 values (8 bytes each"},
      {"missing dataset", {s + "ok.h5", "--dataset", "/nope"}, s + "ok.h5: no dataset '/nope'"},
      {"bad expression", {s + "ok.csv", "--apply", "log(x"}, "--apply 'log(x': "},
      {"unknown variable",
       {s + "ok.csv", "--apply", "x + y"},
       "--apply 'x + y': unknown variable or function 'y' at position 5 (the variable is x)"},
      {"no file", {}, "no FILE given"},
      {"unknown type",
       {s + "ok.xyz"},
       "'" + s + "ok.xyz': cannot tell the file type from its name (accepted: --type csv|binary|hdf5)"},
      {"chunk size",
       {s + "ok.csv", "--chunk-size", "1.5M"},
       "--chunk-size: '1.5M' is not a size from 64K to 1G"},
      {"bad read strategy",
       {s + "ok.csv", "--read", "some"},
       "--read: 'some' is not a read strategy (accepted: root, parallel, mmap)"},
      {"mmap for csv",
       {s + "ok.csv", "--read", "mmap"},
       "--read mmap: only for binary input (this file is read as csv; accepted: --read root|parallel)"},
      {"dataset for csv",
       {s + "ok.csv", "--type", "csv", "--dtype", "f32"},
       "--dtype: only for binary input"},
  };
  for (const char* read : {"root", "parallel"}) {
    for (const auto& c : cases) {
      std::vector<std::string> args = {"stats"};
      args.insert(args.end(), c.args.begin(), c.args.end());
      args.insert(args.end(), {"--read", read});
      if (c.name == "bad read strategy" || c.name == "mmap for csv") args.resize(args.size() - 2);
      const ProcessResult r = run_process(parakit_cmd(args, ranks), 30.0);
      EXPECT_FALSE(r.timed_out) << c.name;
      EXPECT_EQ(r.exit_code, 2) << c.name << ": " << r.err;
      EXPECT_EQ(r.out, "") << c.name;
      EXPECT_EQ(count_lines_starting_with(r.err, "parakit"), 1) << c.name << ", printed once: " << r.err;
      EXPECT_NE(r.err.find("parakit: error: " + c.message), std::string::npos) << c.name << ": " << r.err;
      EXPECT_LT(r.elapsed_s, 20.0) << c.name;
    }
  }
  // No permission: as root every file is readable, so the check runs as nobody.
  fs::permissions(d / "secret.csv", fs::perms::owner_write);
  fs::permissions(d, fs::perms::all);
  std::vector<std::string> args = parakit_cmd({"stats", s + "secret.csv"}, ranks);
  if (::getuid() == 0) {
    // As nobody, from a directory nobody may enter (mpirun needs its working directory).
    const std::vector<std::string> nobody = {
        "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", "-C", d.string()};
    std::vector<std::string> probe = parakit_cmd({"--version"}, ranks);
    probe.insert(probe.begin(), nobody.begin(), nobody.end());
    const ProcessResult p = run_process(probe, 30.0);
    if (p.exit_code != 0) GTEST_SKIP() << "the build cannot be run as nobody here: " << p.err;
    args.insert(args.begin(), nobody.begin(), nobody.end());
  }
  const ProcessResult r = run_process(args, 30.0);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines_starting_with(r.err, "parakit"), 1) << r.err;
  EXPECT_NE(r.err.find(s + "secret.csv: cannot "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Driver, StatsBadInput, ::testing::Values(0, 2));
