#include "parakit/mpi/agree.hpp"

#include <exception>
#include <string>

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/serialization/string.hpp>
#include <mpi.h>

#include "parakit/error.hpp"
#include "parakit/mpi/check.hpp"

namespace parakit::mpi {

void check_on_root(const boost::mpi::communicator& comm, const std::function<void()>& check) {
  std::string failure;
  if (comm.rank() == 0) {
    try {
      check();
    } catch (const std::exception& e) {
      failure = e.what();
      if (failure.empty()) failure = "check failed";
    }
  }
  boost::mpi::broadcast(comm, failure, 0);
  if (!failure.empty()) throw UsageError(failure);
}

void check_on_every_rank(const boost::mpi::communicator& comm, const std::function<void()>& check) {
  std::optional<Failure> mine;
  try {
    check();
  } catch (const std::exception& e) {
    mine = Failure{.usage = true, .message = e.what()};
    if (mine->message.empty()) mine->message = "check failed on rank " + std::to_string(comm.rank());
  }
  raise_if_any(comm, mine);
}

std::optional<Failure> agree_on_failure(const boost::mpi::communicator& comm,
                                        const std::optional<Failure>& mine) {
  int failing = mine ? comm.rank() : comm.size();
  PARAKIT_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &failing, 1, MPI_INT, MPI_MIN, MPI_Comm(comm)));
  if (failing == comm.size()) return std::nullopt;
  Failure failure = mine.value_or(Failure{});
  boost::mpi::broadcast(comm, failure, failing);
  return failure;
}

void raise(const Failure& failure) {
  if (failure.usage) throw UsageError(failure.message);
  throw Error(failure.message);
}

void raise_if_any(const boost::mpi::communicator& comm, const std::optional<Failure>& mine) {
  if (const auto failure = agree_on_failure(comm, mine)) raise(*failure);
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> min_max(const boost::mpi::communicator& comm,
                                                             const std::vector<std::uint64_t>& values) {
  const int n = static_cast<int>(values.size());
  std::vector<std::uint64_t> low(values.size()), high(values.size());
  boost::mpi::all_reduce(comm, values.data(), n, low.data(), boost::mpi::minimum<std::uint64_t>());
  boost::mpi::all_reduce(comm, values.data(), n, high.data(), boost::mpi::maximum<std::uint64_t>());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (std::size_t i = 0; i < values.size(); ++i)
    ranges.emplace_back(low[i], high[i]);
  return ranges;
}

void check_same_on_all_ranks(const boost::mpi::communicator& comm, const std::vector<std::uint64_t>& values) {
  std::string ranges;
  bool same = true;
  for (const auto& [low, high] : min_max(comm, values)) {
    ranges += (ranges.empty() ? "" : ", ") + std::to_string(low) + ".." + std::to_string(high);
    same = same && low == high;
  }
  PARAKIT_REQUIRE(same,
                  "the ranks were given different or invalid work or run counts (min..max of valid, "
                  "tasks, indices, repeat, warmup: " +
                      ranges + ")");
}

}  // namespace parakit::mpi
