// describe_file: the repeated read, apply and describe of `parakit stats`, and the check that every run
// gives the same statistics.

#include "parakit/mpi/describe_file.hpp"

#include <cstring>
#include <string>

#include <boost/mpi/collectives/reduce.hpp>
#include <boost/mpi/operations.hpp>

#include "parakit/error.hpp"
#include "parakit/sys.hpp"

namespace parakit::mpi {
namespace {

// Bit for bit, NaN included.
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// Whether two runs computed the same statistics (rank 0, where the histogram counts are).
bool same_statistics(const Description& a, const Description& b) {
  return same_bits(a.quantiles, b.quantiles) && a.counts == b.counts &&
         std::memcmp(&a.moments, &b.moments, sizeof a.moments) == 0;
}

}  // namespace

FileDescription describe_file(const boost::mpi::communicator& comm, const DescribeFileOptions& options) {
  const int threads = options.run.threads;
  const DescribeOptions describe_options{
      .bins = options.bins, .quantiles = options.quantiles, .threads = threads};
  const int runs = options.run.warmup + options.run.repeat;
  FileDescription result;
  Description first;
  LocalColumn column;  // released after each run, untimed
  const auto body = [&](int r, report::PhaseTimes& phases) {
    const double t0 = sys::now_s();
    result.read = ReadInfo{};
    column = read_column(comm, options.input, threads, result.read);
    const double t1 = sys::now_s();
    phases.scatter_s = t1 - t0;
    if (options.apply != nullptr) options.apply->apply(column.writable(), threads);
    phases.compute_s = sys::now_s() - t1;
    result.description = describe(comm, column, describe_options, phases);
    if (r == 0) {
      first = result.description;
    } else if (comm.rank() == 0 && !same_statistics(result.description, first)) {
      throw WrongAnswer("run " + std::to_string(r + 1) + " of " + std::to_string(runs) +
                        " computed different statistics than run 1");
    }
  };
  result.stats = repeat(comm, options.run, body, [&](int /*run*/) { column = {}; });
  // How long reading took on the slowest rank.
  boost::mpi::reduce(comm, result.read.read_s, result.read_max_s, boost::mpi::maximum<double>(), 0);
  boost::mpi::reduce(comm, result.read.scatter_s, result.scatter_max_s, boost::mpi::maximum<double>(), 0);
  return result;
}

}  // namespace parakit::mpi
