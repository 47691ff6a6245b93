#pragma once
/// @file
/// @brief Studies of any program (`parakit compare|scale ... -- ./app ARGS`): what the study knows of the
/// program, and the pure steps of measuring it: `{work}` substitution, whether it is an MPI program,
/// numbers taken from its output, comparing outputs, the thread bindings its OpenMP runtime reports.
/// Reads files; starts no processes.

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "parakit/study/kernel.hpp"
#include "parakit/study/record_variables.hpp"

namespace parakit::study {

/// @brief The pseudo-kernel of program studies: records of kernel "program", work in the field "work".
const StudyKernel& program_kernel();

/// @brief The placeholder that `--work` replaces in the program's arguments.
inline constexpr std::string_view kWorkPlaceholder = "{work}";

/// @brief Where each repeat's time comes from.
enum class TimeSource {
  kLaunch,  ///< one launch per repeat, timed from outside (the launch cost included)
  kRegex,   ///< one launch per repeat, the time read from its output with --time-regex
  kRecord,  ///< one launch per layout: the program wrote a parakit run record with its own repeats
};

/// @brief "launch", "regex" or "record".
std::string_view time_source_name(TimeSource source);

/// @brief Whether a program is an MPI program, and why the study thinks so (study/program_run.hpp
/// guesses it).
struct MpiGuess {
  bool mpi = true;
  std::string reason;  ///< e.g. "its binary links libmpi.so.40", "--mpi no"
};

/// @brief What a program study was told about its program.
struct ProgramSpec {
  std::vector<std::string> argv;      ///< the command after `--`, `{work}` unreplaced
  std::string path;                   ///< argv[0] resolved (exec::resolve_executable)
  MpiGuess mpi;                       ///< launched with mpirun/srun, or on its own
  std::optional<std::uint64_t> work;  ///< --work: what `{work}` becomes on one core
  std::string unit = "work";          ///< --unit: the work's unit, for the table
  std::string time_regex;             ///< --time-regex (empty: none)
  bool same_output = false;           ///< --same-output
  std::string result_regex;           ///< --result-regex (empty: none)
  double rtol = 1e-9;                 ///< --rtol: for --result-regex
  nlohmann::json identity;            ///< program_identity(): path, checksums, version (in every record)
};

/// @brief Checks @p spec: a command, `{work}` present if and only if --work is given, the regular
/// expressions valid, --rtol in [0, 1], --same-output and --result-regex not together.
/// @throws parakit::UsageError naming the option, the value and what is accepted.
void check_program(const ProgramSpec& spec);

/// @brief @p argv with every `{work}` replaced by @p work.
std::vector<std::string> with_work(const std::vector<std::string>& argv, std::uint64_t work);

/// @brief @p work times @p cores, the work of weak scaling on @p cores cores.
/// @throws parakit::UsageError ("--work: N x C cores is more than 2^63-1 ...") when it overflows.
std::uint64_t scaled_work_count(std::uint64_t work, std::uint64_t cores);

/// @brief The regular expression @p text (ECMAScript syntax) for option @p option.
/// @throws parakit::UsageError when it does not compile.
std::regex compile_regex(const std::string& text, std::string_view option);

/// @brief The number in the last match of @p pattern in @p output (its first capture group when it has
/// one, else the whole match), matched line by line; nullopt when no line matches or the text is not a
/// number. Lines over 64 KiB are skipped.
std::optional<double> last_number(const std::string& output, const std::regex& pattern);

/// @brief @p output with every match of @p pattern replaced by `<time>`, line by line (a program's time
/// differs between runs; --same-output compares the rest). @p pattern null: @p output unchanged.
std::string masked(const std::string& output, const std::regex* pattern);

/// @brief The first line where @p a and @p b differ (1-based), with both lines; nullopt when equal.
struct LineDifference {
  std::size_t line = 0;
  std::string a, b;
};
std::optional<LineDifference> first_difference(const std::string& a, const std::string& b);

/// @brief The OpenMP runtime's affinity lines (OMP_DISPLAY_AFFINITY with kAffinityFormat) in @p err:
/// one entry per process, {host, pid, thread_cpus: [[cpu...] per thread]}, processes in order of pid.
nlohmann::json parse_affinity(const std::string& err);

/// @brief The OMP_AFFINITY_FORMAT the study sets, which parse_affinity reads.
inline constexpr const char* kAffinityFormat = "parakit-affinity host=%H pid=%P thread=%n cpus=%A";

/// @brief Open MPI's `--report-bindings` lines in @p err, each as "rank R bound to ..." with its host:
/// [{host, text}].
nlohmann::json parse_reported_bindings(const std::string& err);

}  // namespace parakit::study
