#pragma once
/// @file
/// @brief The one place a program enters and leaves MPI: errors become exit codes, a failing rank ends
/// the whole job instead of leaving the others waiting in a collective.

#include <functional>
#include <string>

#include <boost/mpi/communicator.hpp>

#include "parakit/error.hpp"

namespace parakit::mpi {

/// @brief The exit codes guarded_main uses for errors (parakit::ExitCode); a command whose own codes mean
/// something else (`map exec`: the number of failed tasks) moves them out of the way.
struct ErrorExitCodes {
  int usage = kExitUsage;               ///< parakit::UsageError
  int runtime = kExitRuntime;           ///< any other exception
  int wrong_answer = kExitWrongAnswer;  ///< parakit::WrongAnswer
};

/// @brief Runs @p body between MPI_Init_thread (MPI_THREAD_FUNNELED) and MPI_Finalize and returns the
/// process exit code.
///
/// - parakit::UsageError must be thrown on every rank alike (they parse the same argv): rank 0 prints
///   `parakit: error: <what>` once, every rank returns kExitUsage (2).
/// - A watchdog (mpi::Watchdog) watches every rank while @p body runs: a rank that stalls ends the job
///   with one line and kExitStalled.
/// - parakit::WrongAnswer and any other exception: the rank prints `parakit: error [rank r]: <what>`;
///   with more than one rank the job is aborted (MPI_Abort) so nobody hangs, else the code is returned
///   (3 for WrongAnswer, 1 otherwise).
/// @param program Name used in the messages, e.g. "parakit".
int guarded_main(int argc, char** argv, const std::string& program,
                 const std::function<int(const boost::mpi::communicator&)>& body,
                 const ErrorExitCodes& codes = {});

/// @brief The MPI library's own version line, e.g. "Open MPI v4.1.4, package: Debian OpenMPI, ...".
std::string mpi_library_version();

/// @brief The MPI standard version, e.g. "3.1".
std::string mpi_standard_version();

/// @brief The thread support MPI granted, e.g. "funneled".
std::string mpi_thread_level();

}  // namespace parakit::mpi
