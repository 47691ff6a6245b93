// parakit heat end to end: real processes under mpiexec, the final field's checksum across layouts,
// exchange modes and halos, fields saved and continued, pictures, the physics (conservation, decay),
// the studies, and bad input.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "parakit/kernels/heat.hpp"

#include "process.hpp"

using nlohmann::json;
using parakit::test::count_lines_starting_with;
using parakit::test::parakit_cmd;
using parakit::test::ProcessResult;
using parakit::test::run_json;
using parakit::test::run_process;
using parakit::test::slurp;
using parakit::test::TempDir;
using parakit::test::write_file;
namespace fs = std::filesystem;

namespace {

json heat(std::vector<std::string> args, int ranks = 0) {
  args.insert(args.begin(), "heat");
  return run_json(args, ranks);
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// A raw f64 file of @p values.
void write_f64(const fs::path& path, const std::vector<double>& values) {
  std::string bytes(values.size() * sizeof(double), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  write_file(path, bytes);
}

// A PNG's width and height from its IHDR chunk, or {0, 0} when it does not start as a PNG does.
std::pair<std::uint32_t, std::uint32_t> png_size(const fs::path& path) {
  const std::string bytes = slurp(path);
  if (bytes.size() < 24 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || bytes.compare(12, 4, "IHDR") != 0)
    return {0, 0};
  const auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i)
      v = v << 8 | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  return {be32(16), be32(20)};
}

// The files in @p dir, by name.
std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The words of the first line of @p text that starts with @p prefix and contains @p word.
std::vector<std::string> words_of_line(const std::string& text, const std::string& prefix,
                                       const std::string& word = "") {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(prefix) || line.find(word) == std::string::npos) continue;
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string w; in >> w;)
      words.push_back(w);
    return words;
  }
  return {};
}

}  // namespace

// A cell's update depends only on its neighbours' previous values: every layout gives the same field,
// residuals included. 37x53 splits unevenly over every process grid.
TEST(Heat, the_final_field_is_bitwise_identical_for_every_layout_exchange_and_halo) {
  const std::vector<std::string> base = {"--grid", "37x53",  "--steps", "20",
                                         "--init", "random", "--check", "5"};
  const json ref = heat(with(base, {"--threads", "1"}));
  ASSERT_EQ(ref["result"]["steps_done"], 20);
  EXPECT_EQ(ref["result"]["checksum"].get<std::string>().size(), 16U);
  EXPECT_EQ(ref["residuals"].size(), 4U) << "steps 5, 10, 15, 20";
  EXPECT_EQ(ref["cell_updates"], 37 * 53 * 20);
  const auto expect_same = [&](const std::vector<std::string>& extra, int ranks) {
    const json j = heat(with(base, extra), ranks);
    EXPECT_EQ(j["result"].dump(), ref["result"].dump()) << ranks << " ranks, " << json(extra).dump();
    EXPECT_EQ(j["residuals"].dump(), ref["residuals"].dump()) << ranks << " ranks, " << json(extra).dump();
    return j;
  };
  for (const int ranks : {1, 2, 3, 4}) {
    for (const char* threads : {"1", "2"}) {
      const json j = expect_same({"--threads", threads}, ranks);
      EXPECT_EQ(j["ranks"], ranks);
      EXPECT_EQ(j["process_grid"][0].get<int>() * j["process_grid"][1].get<int>(), ranks);
    }
  }
  for (const char* exchange : {"blocking", "overlap", "shared"}) {
    for (const char* halo : {"1", "2", "3"}) {
      const json j = expect_same({"--exchange", exchange, "--halo", halo, "--threads", "1"}, 4);
      EXPECT_EQ(j["exchange"], exchange);
      EXPECT_EQ(j["halo"], std::stoi(halo));
    }
    expect_same({"--exchange", exchange, "--threads", "2"}, 3);
  }
  for (const char* procs : {"4x1", "1x4", "2x2"}) {
    const json j =
        expect_same({"--procs", procs, "--exchange", "overlap", "--halo", "2", "--threads", "1"}, 4);
    EXPECT_EQ(j["process_grid"], json({procs[0] - '0', procs[2] - '0'}));
  }
  expect_same({"--procs", "3x1", "--threads", "1"}, 3);
}

TEST(Heat, periodic_and_insulated_boundaries_are_layout_independent_too) {
  for (const char* bc : {"periodic", "insulated"}) {
    const std::vector<std::string> base = {"--grid", "23x31",  "--steps", "12",
                                           "--init", "random", "--bc",    bc};
    const json ref = heat(with(base, {"--threads", "1"}));
    for (const char* exchange : {"blocking", "shared"}) {
      const json j = heat(with(base, {"--exchange", exchange, "--halo", "3", "--threads", "1"}), 4);
      EXPECT_EQ(j["result"].dump(), ref["result"].dump()) << bc << ", " << exchange;
      EXPECT_EQ(j["bc"], bc);
    }
  }
}

// Saving the field and starting again from it is one longer run, to the bit, raw and HDF5.
TEST(Heat, a_run_continued_from_its_saved_field_equals_one_long_run) {
  TempDir dir;
  const std::vector<std::string> base = {"--grid", "37x53", "--init",    "random",
                                         "--seed", "5",     "--threads", "1"};
  const json whole = heat(with(base, {"--steps", "30"}), 3);
  for (const char* name : {"half.f64", "half.h5"}) {
    const std::string file = (dir.path() / name).string();
    const json first = heat(with(base, {"--steps", "12", "--output", file}), 2);
    EXPECT_EQ(first["output"], file);
    ASSERT_TRUE(fs::exists(file)) << name;
    const bool raw = std::string(name).ends_with(".f64");
    if (raw) {
      EXPECT_EQ(fs::file_size(file), 37U * 53U * 8U);
    }
    // The HDF5 file says its shape; a raw one needs --grid.
    std::vector<std::string> rest = {"--input", file, "--steps", "18", "--threads", "1"};
    if (raw) rest.insert(rest.end(), {"--grid", "37x53"});
    const json second = heat(rest, 4);
    EXPECT_EQ(second["result"]["checksum"], whole["result"]["checksum"]) << name;
    EXPECT_EQ(second["result"]["sum"], whole["result"]["sum"]) << name;
    EXPECT_EQ(second["grid"], json({{"rows", 37}, {"cols", 53}})) << name;
    EXPECT_EQ(second["input"], file);
    EXPECT_EQ(second["input_type"], raw ? "binary" : "hdf5");
    EXPECT_FALSE(second.contains("init"));
  }
  // Another dataset name, and --type for a name without a suffix.
  const std::string other = (dir.path() / "saved").string();
  heat(with(base, {"--steps", "12", "--output", other, "--type", "hdf5", "--dataset", "/g/u"}), 2);
  const json again = heat({"--input", other, "--type", "hdf5", "--dataset", "/g/u", "--steps", "18"}, 2);
  EXPECT_EQ(again["result"]["checksum"], whole["result"]["checksum"]);
  EXPECT_EQ(again["dataset"], "/g/u");
}

TEST(Heat, png_draws_the_final_field_and_png_dir_one_frame_every_k_steps) {
  TempDir dir;
  const fs::path png = dir.path() / "field.png", frames = dir.path() / "frames";
  const json j = heat({"--grid", "37x53", "--steps", "20", "--png", png.string(), "--every", "7", "--png-dir",
                       frames.string(), "--repeat", "2", "--threads", "1"},
                      2);
  EXPECT_EQ(png_size(png), (std::pair<std::uint32_t, std::uint32_t>{53, 37})) << "a PNG, 53 wide, 37 high";
  // Steps 0, 7, 14 and the last, 20; of the last run only.
  EXPECT_EQ(names_in(frames), (std::vector<std::string>{"frame_000000.png", "frame_000001.png",
                                                        "frame_000002.png", "frame_000003.png"}));
  for (const auto& name : names_in(frames))
    EXPECT_EQ(png_size(frames / name).first, 53U) << name;
  EXPECT_EQ(j["png"], png.string());
  EXPECT_EQ(j["every"], 7);
  EXPECT_EQ(j["timing"]["repeat"], 2);
}

// Insulated edges let no heat out: the total stays what it was, to rounding.
TEST(Heat, insulated_boundaries_conserve_the_total_heat) {
  const std::vector<std::string> base = {"--grid", "37x53",     "--init",    "random",
                                         "--bc",   "insulated", "--threads", "1"};
  const double start = heat(with(base, {"--steps", "0"}))["result"]["sum"].get<double>();
  const json end = heat(with(base, {"--steps", "400", "--exchange", "overlap"}), 3);
  EXPECT_EQ(end["result"]["steps_done"], 400);
  // 1961 values near 0.5 summed in row-major order, 400 steps: the rounding of each step is ~1e-16 per
  // cell and cancels on average; 1e-12 relative is far above it and far below any leak (a fixed edge
  // loses ~1e-2 of the total here).
  EXPECT_NEAR(end["result"]["sum"].get<double>(), start, 1e-12 * start);
  EXPECT_GT(end["result"]["min"].get<double>(), 0.0);
  EXPECT_LT(end["result"]["max"].get<double>(), 1.0);
  const double leak =
      heat({"--grid", "37x53", "--init", "random", "--steps", "400"}, 2)["result"]["sum"].get<double>();
  EXPECT_LT(leak, 0.99 * start) << "fixed edges do lose heat";
}

// The sine mode is an eigenvector of the scheme: its amplitude shrinks by sine_factor_per_step each step.
TEST(Heat, the_sine_mode_decays_at_the_schemes_rate) {
  const parakit::kernels::heat::GridSize grid{37, 53};
  const std::vector<std::string> base = {"--grid", "37x53", "--init", "sine", "--r", "0.2", "--threads", "1"};
  const double a0 = heat(with(base, {"--steps", "0"}))["result"]["max"].get<double>();
  EXPECT_NEAR(a0, 1.0, 1e-15) << "the centre cell: sin(pi/2)^2";
  const int n = 300;
  const json j = heat(with(base, {"--steps", std::to_string(n), "--exchange", "shared"}), 4);
  const double an = j["result"]["max"].get<double>();
  const double factor = parakit::kernels::heat::sine_factor_per_step(grid, 0.2);
  // Exact up to rounding: ~n ulps of drift, 1e-12 relative.
  EXPECT_NEAR(an, a0 * std::pow(factor, n), 1e-12 * an);
  // The heat equation's own rate, exp(-lambda r n): the scheme's O(h^2 + dt) error, ~0.1 % of the rate
  // on this grid; 1 % bounds it.
  const double rate = -std::log(an / a0) / n, lambda = parakit::kernels::heat::sine_lambda(grid) * 0.2;
  EXPECT_NEAR(rate, lambda, 0.01 * lambda);
}

TEST(Heat, the_residual_stops_the_run_early_once_it_is_below_tol) {
  const json j = heat({"--grid", "20x20", "--init", "sine", "--steps", "100000", "--check", "50", "--tol",
                       "1e-4", "--threads", "1"},
                      2);
  const auto done = j["result"]["steps_done"].get<std::int64_t>();
  EXPECT_LT(done, 100000);
  EXPECT_EQ(done % 50, 0) << "stops at a checked step";
  EXPECT_LE(j["result"]["residual"].get<double>(), 1e-4);
  EXPECT_GT(j["residuals"][j["residuals"].size() - 2][1].get<double>(), 1e-4) << "not one check earlier";
  EXPECT_EQ(j["cell_updates"], 400 * done);
}

TEST(Heat, text_report_shows_update_versus_exchange_per_rank_and_json_goes_to_its_file) {
  TempDir dir;
  const fs::path record = dir.path() / "r.json";
  const ProcessResult r = run_process(parakit_cmd(
      {"heat", "--grid", "40x40", "--steps", "10", "--threads", "1", "--json", record.string()}, 2));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("parakit heat: 2 ranks x 1 thread, grid ", 0), 0U) << r.out;
  EXPECT_EQ(words_of_line(r.out, "rank "),
            (std::vector<std::string>{"rank", "host", "pid", "threads", "cpus", "thread_cpus", "compute_s",
                                      "peak_rss_bytes"}));
  EXPECT_EQ(words_of_line(r.out, "rank  ", "block"),
            (std::vector<std::string>{"rank", "block", "update_s", "exchange_s", "hidden_s", "check_s",
                                      "exchange_share", "sent_bytes", "messages", "read_shared_bytes"}))
      << r.out;
  EXPECT_NE(r.out.find("20x40 at (20,0)"), std::string::npos) << r.out;
  const json j = json::parse(slurp(record));
  EXPECT_EQ(j["kernel"], "heat");
  EXPECT_EQ(j["per_rank"][1]["block"], json({{"row0", 20}, {"col0", 0}, {"rows", 20}, {"cols", 40}}));
  EXPECT_EQ(j["per_rank"][1]["coords"], json({1, 0}));
  EXPECT_GT(j["per_rank"][0]["messages_sent"].get<int>(), 0);
  EXPECT_EQ(j["timing"]["repeat"], 1) << "a simulation runs once by default";
  EXPECT_EQ(j["timing"]["warmup"], 0);
  const ProcessResult csv =
      run_process(parakit_cmd({"heat", "--grid", "8x8", "--steps", "2", "--format", "csv"}));
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 2) << csv.out;
}

// The studies run heat like any kernel: the same result in every layout, weak scaling grows the grid.
TEST(HeatStudy, compare_and_weak_scaling_run_heat) {
  TempDir dir;
  const ProcessResult c = run_process({PARAKIT_EXE, "compare", "heat", "--grid", "37x53", "--steps", "10",
                                       "--cores", "2", "--repeat", "2", "--warmup", "0", "--format", "json"},
                                      120.0);
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const json cmp = json::parse(c.out);
  EXPECT_EQ(cmp["rows"].size(), 3U) << "1x1, 2x1, 1x2";
  EXPECT_EQ(cmp["unit"], "cell_updates");
  EXPECT_EQ(cmp["work"], 37 * 53 * 10);
  const ProcessResult w =
      run_process({PARAKIT_EXE, "scale", "weak", "heat", "--grid", "20x30", "--steps", "10", "--cores", "1,2",
                   "--repeat", "2", "--warmup", "0", "--format", "json"},
                  120.0);
  ASSERT_EQ(w.exit_code, 0) << w.err;
  const json weak = json::parse(w.out);
  ASSERT_EQ(weak["rows"].size(), 2U);
  EXPECT_EQ(weak["rows"][0]["work"], 20 * 30 * 10);
  EXPECT_EQ(weak["rows"][1]["work"], 40 * 30 * 10) << "2 cores: 2x1 ranks of a 20x30 block each";
}

namespace {

struct BadHeat {
  std::string name;
  std::vector<std::string> args;
  std::string message;  // after "parakit: error: "
};

// The bad inputs at @p ranks ranks (a layout that fits one rank count fails at another).
std::vector<BadHeat> bad_cases(const fs::path& d, int ranks) {
  const std::string s = d.string() + "/";
  const std::string n = std::to_string(ranks), n1 = std::to_string(ranks + 1);
  std::vector<BadHeat> cases = {
      {"procs",
       {"--procs", n1 + "x1"},
       "--procs: " + n1 + "x1 is " + n1 + " ranks, but the job has " + n +
           " (accepted: PxQ with P x Q = " + n + ")"},
      {"r unstable", {"--r", "0.3"}, "--r: 0.3 is outside the stable range (accepted: 0 < r <= 0.25)"},
      {"r zero", {"--r", "0"}, "--r: 0 is outside the stable range (accepted: 0 < r <= 0.25)"},
      {"r not a number", {"--r", "nan"}, "--r: 'nan' is not a number"},
      {"halo", {"--grid", "10x10", "--halo", "11"}, "--halo: 11 is deeper than the smallest block ("},
      {"halo zero", {"--halo", "0"}, "--halo: 0 is too small (accepted: 1 or more)"},
      {"grid text", {"--grid", "10"}, "--grid: '10' is not two sides"},
      {"init",
       {"--init", "cold"},
       "--init: 'cold' is not an initial field (accepted: hotspot, random, sine)"},
      {"bc", {"--bc", "open"}, "--bc: 'open' is not a boundary (accepted: fixed, insulated, periodic)"},
      {"exchange",
       {"--exchange", "mail"},
       "--exchange: 'mail' is not an exchange (accepted: blocking, overlap, shared)"},
      {"tol", {"--tol=-1e-3"}, "--tol: -1e-3 is negative"},
      {"dataset without hdf5", {"--dataset", "/u"}, "--dataset: only for an HDF5 --input or --output"},
      {"frames need both", {"--every", "5"}, "--every and --png-dir: frames need both"},
      {"raw input needs grid",
       {"--input", s + "good.f64"},
       "--input '" + s + "good.f64': a raw f64 file does not say its shape"},
      {"wrong size",
       {"--input", s + "short.f64", "--grid", "4x4"},
       "--input '" + s + "short.f64': the file has 100 bytes"},
      {"not finite", {"--input", s + "nan.f64", "--grid", "4x4"}, "--input '" + s + "nan.f64'"},
      {"csv input",
       {"--input", s + "x.csv"},
       "--input '" + s + "x.csv': a field is raw f64 or HDF5, not csv"},
      {"output is input",
       {"--input", s + "good.f64", "--grid", "4x4", "--output", s + "./good.f64"},
       "--output '" + s + "./good.f64' is the same file as --input '" + s + "good.f64'"},
      {"png is json",
       {"--png", s + "a.png", "--json", s + "sub/../a.png"},
       "--json '" + s + "sub/../a.png' is the same file as --png"},
      {"output suffix", {"--output", s + "end.xyz"}, "--output '" + s + "end.xyz': no file type in its name"},
  };
  if (ranks > 1) {
    cases.push_back(
        {"grid smaller than procs", {"--grid", "1x40"}, "--grid: 1x40 is smaller than the process grid"});
  }
  return cases;
}

}  // namespace

class HeatBadInput : public ::testing::TestWithParam<int> {};

TEST_P(HeatBadInput, one_clear_line_printed_once_exit_2_no_file_every_rank_gone) {
  const int ranks = GetParam();
  TempDir dir;
  const fs::path d = dir.path();
  write_f64(d / "good.f64", std::vector<double>(16, 0.5));
  write_file(d / "short.f64", std::string(100, '\0'));
  std::vector<double> nan(16, 0.5);
  nan[6] = std::numeric_limits<double>::quiet_NaN();
  write_f64(d / "nan.f64", nan);
  write_file(d / "x.csv", "1,2\n");
  fs::create_directories(d / "sub");
  const fs::path out = d / "out";
  fs::create_directories(out);
  for (const auto& c : bad_cases(d, std::max(ranks, 1))) {
    std::vector<std::string> args = {"heat", "--steps", "3"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    // Every case also asks for a field, a picture and a record in out/: none may appear.
    const auto has = [&](const char* option) {
      return std::find(c.args.begin(), c.args.end(), option) != c.args.end();
    };
    if (!has("--output")) args.insert(args.end(), {"--output", (out / "f.f64").string()});
    if (!has("--png")) args.insert(args.end(), {"--png", (out / "f.png").string()});
    if (!has("--json")) args.insert(args.end(), {"--json", (out / "r.json").string()});
    const ProcessResult r = run_process(parakit_cmd(args, ranks), 30.0);
    EXPECT_FALSE(r.timed_out) << c.name;
    EXPECT_EQ(r.exit_code, 2) << c.name << ": " << r.err;
    EXPECT_EQ(r.out, "") << c.name;
    EXPECT_EQ(count_lines_starting_with(r.err, "parakit"), 1) << c.name << ", printed once: " << r.err;
    EXPECT_NE(r.err.find("parakit: error: " + c.message), std::string::npos) << c.name << ": " << r.err;
    EXPECT_LT(r.elapsed_s, 20.0) << c.name;
    EXPECT_TRUE(names_in(out).empty()) << c.name << ": " << json(names_in(out)).dump();
    EXPECT_EQ(fs::file_size(d / "good.f64"), 128U) << c.name << ": the input stays whole";
    fs::remove_all(out);  // a case that wrongly ran must not fail the next one
    fs::create_directories(out);
  }
}

INSTANTIATE_TEST_SUITE_P(Driver, HeatBadInput, ::testing::Values(0, 2, 4));

// A value that stops being finite during the run: the step and the rank are named, the run fails as a
// runtime error (exit 1) printed once, the whole job ends and nothing is written.
TEST(Heat, a_value_that_overflows_stops_the_run_naming_the_step) {
  TempDir dir;
  write_f64(dir.path() / "huge.f64", std::vector<double>(64, 1e308));  // n + s + w + e overflows at once
  const fs::path out = dir.path() / "end.f64";
  const ProcessResult r =
      run_process(parakit_cmd({"heat", "--input", (dir.path() / "huge.f64").string(), "--grid", "8x8",
                               "--steps", "5", "--output", out.string(), "--threads", "1"},
                              2),
                  30.0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  // The last step is checked: step 5; every rank agrees, so it is printed once.
  EXPECT_EQ(
      r.err.rfind("parakit: error: heat: step 5: a value stopped being finite on rank 0, at cell (0, 0)", 0),
      0U)
      << r.err;
  EXPECT_EQ(count_lines_starting_with(r.err, "parakit"), 1) << "printed once, not once per rank: " << r.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_LT(r.elapsed_s, 20.0);
}
