#pragma once
/// @file
/// @brief Checks that every rank passes or fails together, so that a rank never throws alone and leaves
/// the others waiting in a collective: the one way parakit makes ranks agree before it acts.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/mpi/communicator.hpp>

namespace parakit::mpi {

/// @brief Broadcasts whether rank 0 succeeded in @p check and, if not, its message; every rank then
/// throws parakit::UsageError together. Use it for checks only rank 0 can make (files it will write).
/// @note Collective over @p comm.
void check_on_root(const boost::mpi::communicator& comm, const std::function<void()>& check);

/// @brief Every rank runs @p check; if any fails, every rank throws parakit::UsageError together, with the
/// message of the lowest rank that failed (one line, printed once). For checks each rank makes on its own
/// part (a file it maps).
/// @note Collective over @p comm.
void check_on_every_rank(const boost::mpi::communicator& comm, const std::function<void()>& check);

/// @brief What went wrong on one rank, to be shared with every rank.
struct Failure {
  bool usage = false;   ///< throw parakit::UsageError (exit 2) rather than parakit::Error
  std::string message;  ///< the whole one-line message
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& usage& message;
  }
};

/// @brief Every rank learns whether every rank succeeded (@p mine empty) and, if not, the failure of the
/// lowest failing rank: the way code that runs collectives leaves them early, all ranks together.
/// @note Collective over @p comm.
std::optional<Failure> agree_on_failure(const boost::mpi::communicator& comm,
                                        const std::optional<Failure>& mine);

/// @brief Throws @p failure: parakit::UsageError when failure.usage, else parakit::Error.
[[noreturn]] void raise(const Failure& failure);

/// @brief agree_on_failure, then raise the agreed failure on every rank if there is one.
/// @note Collective over @p comm.
void raise_if_any(const boost::mpi::communicator& comm, const std::optional<Failure>& mine);

/// @brief The smallest and the largest of each of @p values over the ranks of @p comm, in order.
/// @note Collective over @p comm: every rank passes as many values.
std::vector<std::pair<std::uint64_t, std::uint64_t>> min_max(const boost::mpi::communicator& comm,
                                                             const std::vector<std::uint64_t>& values);

/// @brief Throws parakit::Error on every rank unless every rank passed the same @p values (the work and the
/// run counts), so that ranks that disagree fail together instead of hanging in a collective.
/// @note Collective over @p comm.
void check_same_on_all_ranks(const boost::mpi::communicator& comm, const std::vector<std::uint64_t>& values);

}  // namespace parakit::mpi
