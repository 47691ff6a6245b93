#pragma once
/// @file
/// @brief The error types of parakit and the precondition macro. Library code throws; only `main` prints.

#include <stdexcept>
#include <string>

namespace parakit {

/// @brief A failed precondition or a runtime failure inside parakit. `what()` names the source location.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// @brief Bad input from the user (an option, a value, a file to write). The driver exits with code 2.
/// `what()` is the whole one-line message: what was wrong and what is accepted.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// @brief A runtime failure that every rank of the job found alike and throws together (a value of a
/// simulation that stopped being finite, say): the driver prints it once, on rank 0, and exits with
/// code 1 on every rank without aborting the job.
class AgreedError : public Error {
 public:
  using Error::Error;
};

/// @brief A computed answer failed its own check (for example repeats that disagree). Exit code 3.
class WrongAnswer : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// @brief Process exit codes: one contract for every command (README, "Exit codes").
enum ExitCode : int {
  kExitOk = 0,
  kExitRuntime = 1,      ///< any other error (parakit::Error, MPI errors, I/O)
  kExitUsage = 2,        ///< bad input: parakit::UsageError (an option, a value, a file)
  kExitWrongAnswer = 3,  ///< parakit::WrongAnswer
  kExitTasksFailed = 4,  ///< `map exec`: one or more tasks failed (how many: the report and the joblog)
  kExitStopped = 5,      ///< `map exec --stop-file` ended the farm before every task ran (--resume)
  kExitStalled = 6,      ///< the watchdog ended the job: a rank stopped making progress
};

namespace detail {
[[noreturn]] void throw_requirement(const char* file, int line, const char* condition,
                                    const std::string& message);
}  // namespace detail

}  // namespace parakit

/// @brief Throws parakit::Error with `file:line: condition: message` unless @p cond holds.
#define PARAKIT_REQUIRE(cond, msg)                                                       \
  do {                                                                                   \
    if (!(cond)) ::parakit::detail::throw_requirement(__FILE__, __LINE__, #cond, (msg)); \
  } while (false)
