// The pure steps of studying a program: {work}, MPI or not, numbers from its output, comparing outputs,
// the bindings OpenMP and mpirun report, and quoting what a program prints.

#include "parakit/study/program.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"
#include "parakit/report/quote.hpp"
#include "parakit/study/launch.hpp"
#include "parakit/study/program_run.hpp"

namespace parakit::study {
namespace {

namespace fs = std::filesystem;

// A file with @p text, removed at the end of the scope.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& text)
      : path_(fs::temp_directory_path() / ("parakit_program_test_" + std::to_string(::getpid()) + name)) {
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() { fs::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

TEST(Quote, escapes_control_bytes_quotes_and_cuts_long_text) {
  EXPECT_EQ(report::quoted("plain"), "'plain'");
  EXPECT_EQ(report::quoted("it's"), "'it\\'s'");
  EXPECT_EQ(report::quoted("a\\b"), "'a\\\\b'");
  EXPECT_EQ(report::quoted("\x1b[31mred\n"), "'\\x1b[31mred\\n'");
  EXPECT_EQ(report::quoted(std::string("nul\0byte", 8)), "'nul\\x00byte'")
      << "a NUL does not cut the message";
  EXPECT_EQ(report::quoted("bell\a\ttab\r\x7f"), "'bell\\x07\\ttab\\r\\x7f'");
  EXPECT_EQ(report::quoted("caf\xc3\xa9"), "'caf\xc3\xa9'") << "UTF-8 passes";
  EXPECT_EQ(report::quoted("abcdef", 3), "'abc'...");
}

TEST(Work, every_placeholder_is_replaced_and_weak_work_overflow_is_refused) {
  EXPECT_EQ(with_work({"./solver", "--n", "{work}", "x{work}y{work}"}, 42),
            (std::vector<std::string>{"./solver", "--n", "42", "x42y42"}));
  EXPECT_EQ(with_work({"./solver"}, 7), (std::vector<std::string>{"./solver"}));
  EXPECT_EQ(scaled_work_count(1000, 8), 8000U);
  EXPECT_EQ(scaled_work_count(std::uint64_t{1} << 61, 3), 3 * (std::uint64_t{1} << 61));
  EXPECT_THROW(scaled_work_count(std::uint64_t{1} << 61, 4), UsageError);
}

TEST(Numbers, the_last_match_first_group_as_a_number) {
  const std::regex time("time_s ([0-9.eE+-]+)");
  EXPECT_EQ(last_number("setup\ntime_s 1.5\ntime_s 2.25\n", time), 2.25);
  EXPECT_EQ(last_number("time_s 3e-3", time), 3e-3);
  EXPECT_EQ(last_number("time_s +4", time), 4.0);
  EXPECT_FALSE(last_number("no time here\n", time));
  EXPECT_FALSE(last_number("time_s 1.2.3\n", time)) << "not a number";
  EXPECT_FALSE(last_number("time_s 1e999\n", time)) << "not finite";
  // Without a group the whole match is the number.
  EXPECT_EQ(last_number("took 12.5 s", std::regex("[0-9.]+")), 12.5);
  // Matched line by line: a line of megabytes is skipped, not fed to the regex engine.
  EXPECT_FALSE(last_number("time_s " + std::string(100000, '1') + "\n", time));
}

TEST(Numbers, bad_regular_expressions_are_usage_errors) {
  EXPECT_THROW(compile_regex("time_s ([0-9", "--time-regex"), UsageError);
  EXPECT_THROW(compile_regex("", "--time-regex"), UsageError);
  EXPECT_NO_THROW(compile_regex("time_s (\\S+)", "--time-regex"));
}

TEST(Output, masks_times_and_finds_the_first_different_line) {
  const std::regex time("time_s ([0-9.]+)");
  EXPECT_EQ(masked("pi 3.14\ntime_s 0.5\n", &time), "pi 3.14\n<time>\n");
  EXPECT_EQ(masked("a\nb", nullptr), "a\nb");
  EXPECT_FALSE(first_difference("a\nb\n", "a\nb\n"));
  const auto d = first_difference("a\nb\nc\n", "a\nB\nc\n");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->line, 2U);
  EXPECT_EQ(d->a, "b");
  EXPECT_EQ(d->b, "B");
  const auto shorter = first_difference("a\n", "a\nmore\n");
  ASSERT_TRUE(shorter);
  EXPECT_EQ(shorter->line, 2U);
  EXPECT_EQ(shorter->a, "(end of output)");
}

TEST(Bindings, openmp_affinity_lines_become_processes_with_their_threads_cpus) {
  const std::string err =
      "threads 2\n"
      "parakit-affinity host=n1 pid=200 thread=1 cpus=3\n"
      "parakit-affinity host=n1 pid=100 thread=0 cpus=0,1\n"
      "parakit-affinity host=n1 pid=100 thread=1 cpus=2-3\n"
      "parakit-affinity host=n1 pid=200 thread=0 cpus=2\n";
  const nlohmann::json p = parse_affinity(err);
  ASSERT_EQ(p.size(), 2U);
  EXPECT_EQ(p[0]["pid"], 100);
  EXPECT_EQ(p[0]["host"], "n1");
  EXPECT_EQ(p[0]["thread_cpus"], nlohmann::json::parse("[[0,1],[2,3]]"));
  EXPECT_EQ(p[1]["thread_cpus"], nlohmann::json::parse("[[2],[3]]"));
  EXPECT_TRUE(parse_affinity("nothing\n").empty());
  const nlohmann::json r =
      parse_reported_bindings("[vm:123] MCW rank 1 bound to socket 0[core 1[hwt 0]]: [./B]\nother line\n");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0]["host"], "vm");
  const nlohmann::json srun =
      parse_reported_bindings("cpu-bind=MASK - n2, task  1  1 [4242]: mask 0x2 set\n");
  ASSERT_EQ(srun.size(), 1U);
  EXPECT_EQ(srun[0]["host"], "n2");
  EXPECT_EQ(srun[0]["text"], "task 1: mask 0x2 set");
  EXPECT_EQ(r[0]["text"], "rank 1 bound to socket 0[core 1[hwt 0]]: [./B]");
}

TEST(Mpi, binaries_and_scripts_say_whether_they_are_mpi_programs) {
  // This test binary loads no MPI library (ldd); an MPI library itself loads libmpi's companions.
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  EXPECT_FALSE(guess_mpi(self, {self}).mpi) << guess_mpi(self, {self}).reason;
  EXPECT_NE(guess_mpi(self, {self}).reason.find("loads no MPI library"), std::string::npos);
  // An ELF image cut short cannot be read: mpirun starts any program, so it is assumed to be one.
  const TempFile cut("elf", std::string("\x7f"
                                        "ELF\x02\x01",
                                        6) +
                                std::string(20, '\0'));
  EXPECT_FALSE(guess_mpi(cut.path(), {cut.path()}).reason.empty());
  // Interpreters: their script says; named exactly or with a version, not by a prefix.
  const TempFile with("with.py", "from mpi4py import MPI\n");
  const TempFile without("without.py", "import numpy\n");
  EXPECT_TRUE(guess_mpi("/usr/bin/python3.11", {"python3.11", with.path()}).mpi);
  EXPECT_NE(guess_mpi("/bin/sh", {"sh", with.path()}).reason.find("mpi4py"), std::string::npos);
  EXPECT_FALSE(guess_mpi("/bin/sh", {"sh", without.path()}).mpi);
  EXPECT_TRUE(guess_mpi("/bin/sh", {"sh", "-c", "echo"}).mpi) << "no script file named: assumed MPI";
  const fs::path julia_set = fs::temp_directory_path() / ("julia_set_" + std::to_string(::getpid()));
  fs::create_symlink(self, julia_set);
  const MpiGuess renderer = guess_mpi(julia_set.string(), {julia_set.string(), with.path()});
  fs::remove(julia_set);
  EXPECT_FALSE(renderer.mpi) << "a binary named like an interpreter is judged as a binary: "
                             << renderer.reason;
  // env runs what follows its options and variables.
  EXPECT_FALSE(guess_mpi("/usr/bin/env", {"env", "-i", "A=1", self}).mpi);
  EXPECT_TRUE(guess_mpi("/usr/bin/env", {"env", "A=1", "sh", with.path()}).mpi);
  // Scripts with their own #!.
  const TempFile shebang("shebang", "#!/usr/bin/env python3\nfrom mpi4py import MPI\n");
  EXPECT_TRUE(guess_mpi(shebang.path(), {shebang.path()}).mpi);
  const TempFile plain("plain", "#!/bin/sh\necho hello\n");
  EXPECT_FALSE(guess_mpi(plain.path(), {plain.path()}).mpi);
}

TEST(Spec, a_program_study_checks_its_options_together) {
  ProgramSpec spec;
  spec.argv = {"./solver", "--n", "{work}"};
  spec.path = "/bin/true";
  EXPECT_THROW(check_program(spec), UsageError) << "{work} without --work";
  spec.work = 1000;
  EXPECT_NO_THROW(check_program(spec));
  spec.argv = {"./solver"};
  EXPECT_THROW(check_program(spec), UsageError) << "--work without {work}";
  spec.work.reset();
  spec.rtol = -1;
  EXPECT_THROW(check_program(spec), UsageError);
  spec.rtol = 1e-9;
  spec.same_output = true;
  spec.result_regex = "x";
  EXPECT_THROW(check_program(spec), UsageError);
  spec.same_output = false;
  spec.path = "";
  EXPECT_THROW(check_program(spec), UsageError) << "not found";
}

TEST(Launch, a_program_that_is_not_mpi_starts_alone_or_under_srun_n_1) {
  LaunchSettings s;
  s.available_cores = 4;
  s.cores_per_node = 4;
  s.mpi = false;
  EXPECT_EQ(launch_argv(s, {1, 2}, {"./omp", "7"}), (std::vector<std::string>{"./omp", "7"}));
  s.launcher = Launcher::kSrun;
  EXPECT_EQ(launch_argv(s, {1, 2}, {"./omp"}),
            (std::vector<std::string>{"srun", "--kill-on-bad-exit=1", "-n", "1", "-c", "2",
                                      "--cpu-bind=cores", "./omp"}));
  // Bindings reported and extra variables exported with -x to MPI ranks.
  s.mpi = true;
  s.launcher = Launcher::kMpirun;
  s.report_bindings = true;
  s.environment = {"PARAKIT_STUDY_REPEAT=3"};
  const auto argv = launch_argv(s, {2, 1}, {"./app"});
  EXPECT_NE(std::find(argv.begin(), argv.end(), "--report-bindings"), argv.end());
  EXPECT_NE(std::find(argv.begin(), argv.end(), "PARAKIT_STUDY_REPEAT"), argv.end());
  const auto env = launch_environment(s, {2, 1});
  EXPECT_NE(std::find(env.begin(), env.end(), "OMP_DISPLAY_AFFINITY=true"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "PARAKIT_STUDY_REPEAT=3"), env.end());
}

}  // namespace
}  // namespace parakit::study
