// Studies of any program, end to end: `parakit compare|scale ... -- PROGRAM ARGS` with a parakit program
// that reports its own runs (midpoint_pi), an OpenMP-only program (omp_harmonic, no MPI) and an mpi4py
// script; and the ways a program can fail a study: an error in one layout, a hang, no time in its output,
// different output. Real launches, real files, exit codes and messages; sizes are small.

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "process.hpp"

namespace parakit::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTimeRegex = "time_s ([0-9.eE+-]+)";

nlohmann::json row_of(const nlohmann::json& record, const std::string& key, const nlohmann::json& value) {
  for (const auto& row : record["rows"])
    if (row[key] == value) return row;
  ADD_FAILURE() << "no row with " << key << " = " << value;
  return {};
}

std::vector<std::string> layouts(const nlohmann::json& record) {
  std::vector<std::string> names;
  for (const auto& row : record["rows"])
    names.push_back(row["layout"].get<std::string>());
  return names;
}

// Debian's Python, which has python3-mpi4py (as --with-python, prefer it to another python3 in PATH).
std::string python() {
  return fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

bool python_has_mpi4py() {
  return run_process({python(), "-c", "import mpi4py, numpy"}).exit_code == 0;
}

// A failed study: one line on stderr (after any warnings), the exit code, nothing on stdout.
void expect_one_error(const ProcessResult& r, int exit_code, const std::string& message) {
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, exit_code) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(count_lines_starting_with(r.err, "parakit: error: "), 1) << r.err;
  EXPECT_EQ(count_lines_starting_with(r.err, "parakit: warning: ") + 1,
            std::count(r.err.begin(), r.err.end(), '\n'))
      << "one error line and nothing else but warnings: " << r.err;
  EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
}

TEST(ProgramStudy, a_parakit_program_reports_its_own_repeats_and_phases_in_every_layout) {
  if (std::string(PARAKIT_EXAMPLE_EXE).empty()) GTEST_SKIP() << "examples not built";
  TempDir dir;
  const fs::path plot = dir.path() / "c.png", csv = dir.path() / "c.csv", json = dir.path() / "c.json";
  const auto record = run_json({"compare", "--cores", "2", "--repeat", "3", "--result-regex", "pi ([0-9.]+)",
                                "--rtol", "1e-12", "--plot", plot.string(), "--csv", csv.string(), "--json",
                                json.string(), "--", PARAKIT_EXAMPLE_EXE, "200000"},
                               0, 120.0);
  EXPECT_EQ(record["schema"], "parakit.compare/1");
  EXPECT_EQ(record["kernel"], "program");
  EXPECT_EQ(record["time_source"], "record");
  EXPECT_EQ(record["results_checked"], "result regex within rtol");
  EXPECT_EQ(record["program"]["mpi"], true);
  EXPECT_EQ(record["program"]["mpi_reason"].get<std::string>().rfind("its binary loads lib", 0), 0U);
  EXPECT_EQ(record["program"]["sha256"].get<std::string>().size(), 64U);
  EXPECT_EQ(layouts(record), (std::vector<std::string>{"1x1", "2x1", "1x2"}));
  for (const auto& row : record["rows"]) {
    EXPECT_EQ(row["repeats"], 3) << "the program's own three repeats, in one launch";
    EXPECT_GT(row["compute_s"].get<double>(), 0.0) << "its phases come from its record";
    EXPECT_GT(row["launch_s"].get<double>(), 0.0);
  }
  // Its result is pi to the rule's accuracy in every layout, and the record names each rank's CPUs.
  EXPECT_NEAR(record["result"]["value"].get<double>(), 3.14159265358979, 1e-9);
  for (const auto& binding : record["bindings"]) {
    EXPECT_FALSE(binding["per_rank"].empty()) << binding.dump();
    EXPECT_TRUE(binding["per_rank"][0].contains("rank"));
  }
  EXPECT_TRUE(is_png(plot));
  EXPECT_EQ(nlohmann::json::parse(slurp(json))["rows"], record["rows"]);
  EXPECT_NE(slurp(csv).find("median_s"), std::string::npos);
}

TEST(ProgramStudy, an_openmp_only_program_runs_in_threads_only_without_mpirun) {
  TempDir dir;
  const auto record = run_json({"compare", "--cores", "2", "--repeat", "3", "--same-output", "--time-regex",
                                kTimeRegex, "--", PARAKIT_OMP_PROGRAM_EXE, "2000000"},
                               0, 120.0);
  EXPECT_EQ(record["program"]["mpi"], false) << record["program"].dump();
  EXPECT_EQ(layouts(record), (std::vector<std::string>{"1x1", "1x2"})) << "one process: threads only";
  EXPECT_EQ(record["time_source"], "regex");
  EXPECT_EQ(record["results_checked"], "same output");
  for (const auto& binding : record["bindings"]) {
    const std::string launch = binding["launch"]["command"].get<std::string>();
    EXPECT_EQ(launch.find("mpirun"), std::string::npos) << launch;
    EXPECT_EQ(launch.rfind(PARAKIT_OMP_PROGRAM_EXE, 0), 0U) << launch;
  }
  // OpenMP itself reported where the two threads of 1x2 ran: two different CPUs when there are two.
  const auto& two = record["bindings"][1];
  ASSERT_EQ(two["per_rank"].size(), 1U) << two.dump();
  ASSERT_EQ(two["per_rank"][0]["thread_cpus"].size(), 2U) << two.dump();
  if (record["available_cores"].get<int>() >= 2) {
    EXPECT_NE(two["per_rank"][0]["thread_cpus"][0], two["per_rank"][0]["thread_cpus"][1]) << two.dump();
  }
  // The time is the program's own, far below a launch.
  const auto one = row_of(record, "layout", "1x1");
  EXPECT_LT(one["median_s"].get<double>(), one["wall_s"].get<double>());
  // Processes of a program that is not MPI are refused.
  const ProcessResult r = run_process(parakit_cmd(
      {"scale", "strong", "--cores", "1,2", "--mode", "processes", "--", PARAKIT_OMP_PROGRAM_EXE, "1000"}));
  expect_one_error(r, 2, "is not an MPI program");
}

TEST(ProgramStudy, weak_scaling_replaces_work_by_the_work_times_the_cores_and_fits_gustafson) {
  TempDir dir;
  const std::string prefix = (dir.path() / "weak").string();
  const auto record = run_json(
      {"scale", "weak", "--cores", "1,2", "--mode", "threads", "--repeat", "3", "--work", "1e6", "--unit",
       "terms", "--time-regex", kTimeRegex, "--plot", prefix, "--", PARAKIT_OMP_PROGRAM_EXE, "{work}"},
      0, 120.0);
  EXPECT_EQ(record["unit"], "terms");
  EXPECT_EQ(row_of(record, "cores", 1)["work"], 1000000);
  EXPECT_EQ(row_of(record, "cores", 2)["work"], 2000000);
  EXPECT_EQ(record["fit"]["law"], "gustafson");
  EXPECT_EQ(record["bindings"][1]["launch"]["command"].get<std::string>(),
            std::string(PARAKIT_OMP_PROGRAM_EXE) + " 2000000");
  EXPECT_TRUE(is_png(prefix + "-speedup.png"));
  EXPECT_TRUE(is_png(prefix + "-efficiency.png"));
}

TEST(ProgramStudy, the_scaling_scripts_take_the_program_after_their_options) {
  TempDir dir;
  // The program's own --out and --csv are its words, not the script's.
  const ProcessResult r =
      run_process({"env",      std::string("PARAKIT=") + PARAKIT_EXE,
                   "bash",     std::string(PARAKIT_SOURCE_DIR) + "/scripts/weak_scaling.sh",
                   "--cores",  "1,2",
                   "--mode",   "threads",
                   "--repeat", "2",
                   "--work",   "1e5",
                   "--out",    dir.path().string(),
                   "--",       "sh",
                   "-c",       "echo time_s 0.001; test \"$1\" = --csv",
                   "sh",       "--csv",
                   "{work}"},
                  120.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto record = nlohmann::json::parse(slurp(dir.path() / "weak.json"));
  EXPECT_EQ(record["command"], "sh -c 'echo time_s 0.001; test \"$1\" = --csv' sh --csv '{work}'");
  EXPECT_EQ(row_of(record, "cores", 2)["work"], 200000);
  EXPECT_TRUE(is_png(dir.path() / "weak-speedup.png"));
}

TEST(ProgramStudy, job_array_points_of_a_program_are_collected_from_records) {
  TempDir dir;
  for (const char* point : {"0", "1"}) {
    const ProcessResult r = run_process(parakit_cmd(
        {"scale", "strong", "--cores", "1,2", "--mode", "threads", "--repeat", "2", "--time-regex",
         kTimeRegex, "--point", point, "--json", (dir.path() / (std::string("p") + point + ".json")).string(),
         "--", PARAKIT_OMP_PROGRAM_EXE, "100000"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("point " + std::string(point) + " of 2"), std::string::npos) << r.out;
  }
  const auto record = run_json({"scale", "strong", "--records", dir.path().string()});
  EXPECT_EQ(record["kernel"], "program");
  EXPECT_EQ(record["time_source"], "regex");
  ASSERT_EQ(record["rows"].size(), 2U);
  EXPECT_EQ(record["rows"][1]["threads"], 2);
  EXPECT_EQ(record["fit"]["law"], "amdahl");
}

TEST(ProgramStudy, an_mpi4py_script_is_just_a_program) {
  if (!python_has_mpi4py()) GTEST_SKIP() << "python3-mpi4py or numpy missing (scripts/install-deps.sh)";
  const auto record =
      run_json({"compare", "--cores", "2", "--repeat", "2", "--warmup", "0", "--result-regex", "pi ([0-9.]+)",
                "--rtol", "1e-12", "--", python(), PARAKIT_MPI4PY_SCRIPT, "100000"},
               0, 120.0);
  EXPECT_EQ(record["program"]["mpi"], true);
  EXPECT_NE(record["program"]["mpi_reason"].get<std::string>().find("mpi4py"), std::string::npos);
  EXPECT_EQ(record["program"]["files"][0]["sha256"].get<std::string>().size(), 64U)
      << "the script's checksum";
  EXPECT_NE(record["program"]["version"].get<std::string>().find("Python 3"), std::string::npos);
  EXPECT_EQ(layouts(record), (std::vector<std::string>{"1x1", "2x1", "1x2"}));
  EXPECT_EQ(record["time_source"], "launch") << "each launch timed from outside";
  EXPECT_NEAR(record["result"]["value"].get<double>(), 3.14159265358979, 1e-8);
  // Timed from outside, each time is a whole launch: Python's start, mpi4py's import and MPI_Init
  // included, never the few milliseconds of the computation alone.
  for (const auto& row : record["rows"])
    EXPECT_GT(row["median_s"].get<double>(), 0.05) << row.dump();
  // Strong scaling of the same script with its own time: the fit comes from the script's compute times.
  const auto strong = run_json({"scale", "strong", "--cores", "1,2", "--repeat", "2", "--warmup", "0",
                                "--time-regex", kTimeRegex, "--", python(), PARAKIT_MPI4PY_SCRIPT, "2000000"},
                               0, 120.0);
  EXPECT_EQ(strong["time_source"], "regex");
  EXPECT_EQ(strong["fit"]["law"], "amdahl");
  for (const auto& row : strong["rows"])
    EXPECT_LT(row["median_s"].get<double>(), row["wall_s"].get<double>())
        << "its own time is inside the launch";
  bool said = false;
  for (const auto& w : record["warnings"])
    said = said || w.get<std::string>().find("timed from outside") != std::string::npos;
  EXPECT_TRUE(said) << record["warnings"].dump();
}

TEST(ProgramStudyFailure, a_program_that_fails_in_one_layout_ends_the_study_with_its_message) {
  TempDir dir;
  const fs::path json = dir.path() / "s.json";
  const ProcessResult r = run_process(parakit_cmd(
      {"compare", "--cores", "2", "--repeat", "2", "--mpi", "no", "--json", json.string(), "--", "sh", "-c",
       "if [ \"$OMP_NUM_THREADS\" = 2 ]; then printf '\\033[31mboom\\n' >&2; exit 7; fi; echo ok"}));
  expect_one_error(r, 1, "exited with code 7: '\\x1b[31mboom'");
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << "control bytes from the program are escaped";
  EXPECT_NE(r.err.find("in 1x2"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(json)) << "nothing half-written";
}

TEST(ProgramStudyFailure, a_hanging_program_is_stopped_at_the_timeout) {
  const ProcessResult r = run_process(parakit_cmd({"compare", "--cores", "1", "--repeat", "2", "--timeout",
                                                   "1", "--mpi", "no", "--", "sleep", "60"}),
                                      60.0);
  expect_one_error(r, 1, "ran past 1 s and was stopped");
  EXPECT_LT(r.elapsed_s, 15.0);
}

TEST(ProgramStudyFailure, output_without_a_time_for_time_regex_is_one_clear_line) {
  const ProcessResult r = run_process(parakit_cmd({"compare", "--cores", "1", "--repeat", "2", "--time-regex",
                                                   kTimeRegex, "--mpi", "no", "--", "echo", "hello"}));
  expect_one_error(r, 1, "printed no time that matches 'time_s ([0-9.eE+-]+)'");
  EXPECT_NE(r.err.find("'hello\\n'"), std::string::npos) << r.err;
}

TEST(ProgramStudyFailure, different_output_or_results_between_layouts_exit_3) {
  const ProcessResult same =
      run_process(parakit_cmd({"compare", "--cores", "2", "--repeat", "2", "--same-output", "--mpi", "no",
                               "--", "sh", "-c", "echo threads $OMP_NUM_THREADS"}));
  expect_one_error(same, 3,
                   "1x1 and 1x2 computed different results for the same work: the outputs differ at "
                   "line 1: 'threads 1' vs 'threads 2'");
  const ProcessResult value = run_process(
      parakit_cmd({"compare", "--cores", "2", "--repeat", "2", "--result-regex", "v ([0-9]+)", "--rtol",
                   "0.1", "--mpi", "no", "--", "sh", "-c", "echo v $((OMP_NUM_THREADS * 10))"}));
  expect_one_error(value, 3, "the result 10 and 20 differ by 0.5 relative (more than --rtol 0.1)");
  // Within the tolerance it passes.
  const auto ok =
      run_json({"compare", "--cores", "2", "--repeat", "2", "--result-regex", "v ([0-9]+)", "--rtol", "0.6",
                "--mpi", "no", "--", "sh", "-c", "echo v $((OMP_NUM_THREADS * 10))"},
               0, 120.0);
  EXPECT_EQ(ok["results_checked"], "result regex within rtol");
}

// A run record as a parakit program leaves it, for a 1x1 layout (the shell programs below copy it).
std::string one_by_one_record() {
  return R"({"schema":"parakit.run/1","kernel":"fake","ranks":1,"threads_per_rank":1,)"
         R"("timing":{"times_s":[0.25,0.25],"warmup":0},"phases":{"compute_s":0.25},"per_rank":[],)"
         R"("context":{"hosts":["h"]}})";
}

TEST(ProgramStudyFailure, run_records_that_break_the_protocol_are_one_clear_line) {
  TempDir dir;
  const std::string record = (dir.path() / "r.json").string();
  write_file(record, one_by_one_record());
  const struct {
    std::string script;
    std::string message;
  } cases[] = {
      // Written in 1x1, not in 1x2.
      {"if [ \"$OMP_NUM_THREADS\" = 1 ]; then cp " + record + " \"$PARAKIT_STUDY_RECORD\"; fi",
       "sh in 1x2 wrote no run record ($PARAKIT_STUDY_RECORD), though the first layout did"},
      {"echo garbage > \"$PARAKIT_STUDY_RECORD\"",
       "sh in 1x1 wrote $PARAKIT_STUDY_RECORD that is not a parakit run record"},
      // The same 1x1 record in every layout: 1x2 says it ran as 1x1.
      {"cp " + record + " \"$PARAKIT_STUDY_RECORD\"", "sh in 1x2 ran as 1x1 (its run record says so)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.script);
    const ProcessResult r =
        run_process({"env", "TMPDIR=" + dir.path().string(), PARAKIT_EXE, "compare", "--cores", "2",
                     "--repeat", "2", "--mpi", "no", "--", "sh", "-c", c.script});
    expect_one_error(r, 1, c.message);
  }
  // Every launch's record directory is gone, whatever happened.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1)
      << "only r.json left";
}

TEST(ProgramStudy, the_record_directory_is_removed_after_success_failure_and_timeout) {
  TempDir dir;
  const std::string tmp = "TMPDIR=" + dir.path().string();
  // Success: a parakit program's records, read and removed.
  if (!std::string(PARAKIT_EXAMPLE_EXE).empty()) {
    const ProcessResult ok = run_process({"env", tmp, PARAKIT_EXE, "compare", "--cores", "1", "--repeat", "2",
                                          "--", PARAKIT_EXAMPLE_EXE, "1000"});
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
  }
  // A program that wrote its record, then hung until the timeout stopped it.
  const ProcessResult hung =
      run_process({"env", tmp, PARAKIT_EXE, "compare", "--cores", "1", "--repeat", "2", "--timeout", "1",
                   "--mpi", "no", "--", "sh", "-c", "echo '{}' > \"$PARAKIT_STUDY_RECORD\"; sleep 30"},
                  60.0);
  EXPECT_EQ(hung.exit_code, 1) << hung.err;
  EXPECT_TRUE(fs::is_empty(dir.path())) << "no record directory left behind";
}

TEST(ProgramStudyBadInput, one_clear_line_exit_2_and_nothing_launched) {
  TempDir dir;
  const std::string out = (dir.path() / "o.json").string();
  const struct {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"compare", "--"}, "no program after '--'"},
      {{"compare", "--", "./no-such-program"}, "program './no-such-program' is not an executable file"},
      {{"compare", "--", "true", "{work}"}, "the command has {work} but no --work gives it"},
      {{"compare", "--work", "10", "--", "true"}, "--work: the command has no {work} to replace"},
      {{"compare", "--work", "ten", "--", "true", "{work}"}, "--work: 'ten'"},
      {{"compare", "--time-regex", "time_s ([0-9", "--", "true"},
       "--time-regex: 'time_s ([0-9' is not a regular"},
      {{"compare", "--rtol", "2", "--result-regex", "x", "--", "true"}, "--rtol: 2 is out of range"},
      {{"compare", "--rtol", "0.1", "--", "true"}, "--rtol: it is the tolerance of --result-regex"},
      {{"compare", "--same-output", "--result-regex", "x", "--", "true"}, "give one of them"},
      {{"compare", "--mpi", "maybe", "--", "true"},
       "--mpi: 'maybe' is not a choice (accepted: auto, yes, no)"},
      {{"compare", "--with-python", "--", "true"}, "--with-python: the seed's Python versions compute pi"},
      {{"compare", "pi", "--time-regex", "x"}, "--time-regex: only a study of a program takes it"},
      {{"compare", "--sames-output", "--", "true"}, "unrecognised option '--sames-output'"},
      {{"scale", "weak", "--cores", "1,2", "--mpi", "no", "--mode", "threads", "--", "true"},
       "weak scaling needs work that grows with the cores"},
      {{"scale", "weak", "--cores", "1,4", "--mpi", "no", "--mode", "threads", "--work", "4e18", "--", "true",
        "{work}"},
       "--work: 4000000000000000000 x 4 cores is more than 2^63-1"},
      {{"compare", "--json", out, "--unit", "two words", "--", "true"}, "--unit: 'two words' is not a unit"},
      {{"scale", "weak", "--same-output", "--work", "1", "--", "true", "{work}"},
       "--same-output: weak scaling gives every core count other work"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = c.args;
    const ProcessResult r = run_process(parakit_cmd(args), 60.0);
    SCOPED_TRACE(c.message);
    expect_one_error(r, 2, c.message);
  }
  EXPECT_TRUE(fs::is_empty(dir.path())) << "nothing written";
  // Refused before the program is ever started (not even for its --version).
  const std::string marker = (dir.path() / "started").string();
  const std::vector<std::vector<std::string>> late = {
      {"scale", "weak", "--same-output", "--work", "1", "--", "sh", "-c", "touch " + marker + "; : {work}"},
      {"compare", "--cores", "2", "--plot", (dir.path() / "c.svg").string(), "--", "sh", "-c",
       "touch " + marker},
      {"scale", "strong", "--cores", "1,2", "--mode", "processes", "--mpi", "no", "--", "sh", "-c",
       "touch " + marker},
      {"scale", "strong", "--records", dir.path().string(), "--", "sh", "-c", "touch " + marker},
      {"compare", "pi", "--samples", "1e6", "--", "sh", "-c", "touch " + marker}};
  for (const auto& args : late) {
    const ProcessResult r = run_process(parakit_cmd(args), 60.0);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_FALSE(fs::exists(marker)) << "the program ran before the usage error: " << r.err;
  }
}

TEST(ProgramStudyBadInput, records_of_two_different_programs_are_refused) {
  TempDir dir;
  for (const char* point : {"0", "1"}) {
    // Point 0 of one program, point 1 of another (a different command).
    const ProcessResult r = run_process(
        parakit_cmd({"scale", "strong", "--cores", "1,2", "--mode", "threads", "--repeat", "2", "--point",
                     point, "--json", (dir.path() / (std::string("p") + point + ".json")).string(), "--",
                     PARAKIT_OMP_PROGRAM_EXE, std::string(point) == "0" ? "1000" : "2000"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const ProcessResult r = run_process(parakit_cmd({"scale", "strong", "--records", dir.path().string()}));
  expect_one_error(r, 2, "come from different program studies");
}

}  // namespace
}  // namespace parakit::test
