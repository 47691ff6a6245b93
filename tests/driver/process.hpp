#pragma once
// Runs a real program as a child process, with its output captured in files and a time limit.

#include <string>
#include <vector>

namespace parakit::test {

struct ProcessResult {
  int exit_code = -1;  // -1 if killed by a signal or by the time limit
  bool timed_out = false;
  double elapsed_s = 0.0;
  std::string out;
  std::string err;
};

/// Runs @p argv (argv[0] looked up in PATH) in its own process group; after @p timeout_s the whole
/// group is killed. Standard input is /dev/null.
ProcessResult run_process(const std::vector<std::string>& argv, double timeout_s = 60.0);

/// The mpiexec command line prefix for @p ranks ranks.
std::vector<std::string> mpiexec(int ranks);

/// Lines of @p text that start with @p prefix.
int count_lines_starting_with(const std::string& text, const std::string& prefix);

}  // namespace parakit::test
