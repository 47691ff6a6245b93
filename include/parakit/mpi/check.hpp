#pragma once
/// @file
/// @brief PARAKIT_MPI_CHECK: the few raw MPI calls go through it, so that an MPI error becomes a
/// parakit::MpiError naming the routine and the location instead of being ignored.

#include <string>

#include <mpi.h>

#include "parakit/error.hpp"

namespace parakit {

/// @brief An MPI routine returned an error code.
class MpiError : public Error {
 public:
  using Error::Error;
};

namespace detail {
/// @brief MPI's own text for error code @p code ("MPI error code N" when MPI has none).
std::string mpi_error_string(int code);
[[noreturn]] void throw_mpi_error(const char* call, int code, const char* file, int line);
}  // namespace detail

}  // namespace parakit

/// @brief Evaluates the MPI call @p call and throws parakit::MpiError unless it returns MPI_SUCCESS.
#define PARAKIT_MPI_CHECK(call)                                                         \
  do {                                                                                  \
    const int parakit_mpi_code_ = (call);                                               \
    if (parakit_mpi_code_ != MPI_SUCCESS)                                               \
      ::parakit::detail::throw_mpi_error(#call, parakit_mpi_code_, __FILE__, __LINE__); \
  } while (false)
