#pragma once
// What `parakit map pi` and `parakit map exec` share: the schedule, chunk and picture options, the
// thread-count check, the first fields of the record and the pictures. Driver code: parses and prints.

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <boost/mpi/communicator.hpp>
#include <boost/program_options.hpp>

#include "parakit/kernels/schedule.hpp"
#include "parakit/report/farm_record.hpp"
#include "parakit/report/record.hpp"
#include "parakit/report/trace.hpp"

namespace parakit::cli {

/// The largest sample count (and chunk) map accepts: 2^63 - 1.
inline constexpr auto kMaxSamples = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

/// The options both map kernels share, checked.
struct MapOptions {
  kernels::Schedule schedule = kernels::Schedule::kDynamic;
  std::uint64_t chunk = 0;  ///< 0: not given
  std::string trace, gantt;
};

/// Adds --tasks, --schedule, --chunk, --trace and --gantt to @p options; @p pi: the Monte Carlo
/// kernel's wording and its split schedule.
void add_map_options(boost::program_options::options_description& options, bool pi);

/// Checks the options of add_map_options; rank 0 checks that --trace and --gantt can be written (and
/// that gnuplot is there). Collective.
MapOptions read_map_options(const boost::mpi::communicator& comm,
                            const boost::program_options::variables_map& values);

/// The farm hands out work by worker number, so every rank must run the same number of threads: throws
/// UsageError on every rank unless they all run @p threads. Collective.
void agree_on_threads(const boost::mpi::communicator& comm, int threads);

/// The fields every map record begins with; `chunk` only where the schedule has one.
report::Record map_record(std::string_view kernel, int ranks, int threads, kernels::Schedule schedule,
                          std::uint64_t chunk);

/// --trace and --gantt of @p m, drawn from @p boxes, on rank 0.
void write_pictures(const MapOptions& m, const std::vector<report::TraceBox>& boxes,
                    const report::FarmResult& farm, int threads, const std::string& title);

/// `parakit map pi`: @p args after `pi`. Returns the exit code.
int map_pi(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
           const std::vector<std::string>& argv);

/// `parakit map exec`: @p args after `exec`. Returns the exit code (the number of failed tasks, ...).
int map_exec(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
             const std::vector<std::string>& argv);

}  // namespace parakit::cli
