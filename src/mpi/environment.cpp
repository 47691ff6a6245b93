#include "parakit/mpi/environment.hpp"

#include <exception>
#include <iostream>
#include <memory>

#include <boost/mpi/environment.hpp>
#include <mpi.h>

#include "parakit/error.hpp"
#include "parakit/mpi/check.hpp"
#include "parakit/mpi/transports.hpp"
#include "parakit/mpi/watchdog.hpp"
#include "parakit/sys.hpp"

namespace parakit::mpi {
namespace {

void report(const std::string& program, int rank, int size, const char* what) {
  // One write per message so that lines from different ranks do not interleave.
  std::string line = program + ": error";
  if (size > 1) line += " [rank " + std::to_string(rank) + "]";
  line += ": " + std::string(what) + "\n";
  std::cerr << line << std::flush;
}

}  // namespace

int guarded_main(int argc, char** argv, const std::string& program,
                 const std::function<int(const boost::mpi::communicator&)>& body,
                 const ErrorExitCodes& codes) {
  // Before MPI_Init: the fast single-host transports when every rank is on this host and none was chosen.
  choose_transports_before_init();
  sys::keep_freed_memory();
  // abort_on_exception=false: exceptions are handled here, where we know whether aborting is needed.
  boost::mpi::environment env(argc, argv, boost::mpi::threading::funneled, false);
  const boost::mpi::communicator world;
  const int rank = world.rank(), size = world.size();
  int code = codes.runtime;
  try {
    if (env.thread_level() < boost::mpi::threading::funneled) {
      throw Error("the MPI library does not grant MPI_THREAD_FUNNELED, which OpenMP threads need");
    }
    const Watchdog watchdog(world, program);
    return body(world);
  } catch (const UsageError& e) {
    if (rank == 0) std::cerr << program << ": error: " << e.what() << "\n" << std::flush;
    return codes.usage;
  } catch (const AgreedError& e) {
    if (rank == 0) std::cerr << program << ": error: " << e.what() << "\n" << std::flush;
    return codes.runtime;
  } catch (const WrongAnswer& e) {
    report(program, rank, size, e.what());
    code = codes.wrong_answer;
  } catch (const std::exception& e) {
    report(program, rank, size, e.what());
  } catch (...) {
    report(program, rank, size, "unknown exception");
  }
  // Returning would run MPI_Finalize here while other ranks may wait in a collective: end them all.
  if (size > 1) env.abort(code);
  return code;
}

std::string mpi_library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  PARAKIT_MPI_CHECK(MPI_Get_library_version(text, &length));
  std::string version(text, static_cast<std::size_t>(length));
  const auto end = version.find_first_of("\r\n");
  if (end != std::string::npos) version.resize(end);
  while (!version.empty() && (version.back() == ' ' || version.back() == '\0'))
    version.pop_back();
  return version;
}

std::string mpi_standard_version() {
  int major = 0, minor = 0;
  PARAKIT_MPI_CHECK(MPI_Get_version(&major, &minor));
  return std::to_string(major) + "." + std::to_string(minor);
}

std::string mpi_thread_level() {
  int level = MPI_THREAD_SINGLE;
  PARAKIT_MPI_CHECK(MPI_Query_thread(&level));
  switch (level) {
    case MPI_THREAD_SINGLE:
      return "single";
    case MPI_THREAD_FUNNELED:
      return "funneled";
    case MPI_THREAD_SERIALIZED:
      return "serialized";
    case MPI_THREAD_MULTIPLE:
      return "multiple";
    default:
      return "unknown";
  }
}

}  // namespace parakit::mpi

namespace parakit::detail {

std::string mpi_error_string(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return "MPI error code " + std::to_string(code);
  return std::string(text, static_cast<std::size_t>(length));
}

void throw_mpi_error(const char* call, int code, const char* file, int line) {
  throw MpiError(std::string(file) + ":" + std::to_string(line) + ": " + call + ": " +
                 mpi_error_string(code));
}

}  // namespace parakit::detail
