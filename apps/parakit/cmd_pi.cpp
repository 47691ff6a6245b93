#include <cstdint>
#include <limits>
#include <vector>

#include "parakit/kernels/monte_carlo_pi.hpp"
#include "parakit/mpi/run.hpp"
#include "parakit/parse.hpp"

#include "commands.hpp"
#include "common_options.hpp"

namespace po = boost::program_options;

namespace parakit::cli {

int run_pi(const boost::mpi::communicator& comm, const std::vector<std::string>& args,
           const std::vector<std::string>& argv) {
  po::options_description options("Options");
  options.add_options()("samples", po::value<std::string>()->default_value("100000,3200000"),
                        "samples per task: a whole number (2e10 and 3.2e6 are fine) or a list, one task "
                        "per entry; the estimate is the mean of the tasks' estimates");
  add_common_options(options);
  po::variables_map values;
  const std::string usage =
      "Usage: mpirun -n P parakit pi [--samples N[,N...]] [options]\n"
      "Estimates pi from uniform points in the unit square (counter-based SplitMix64: the same samples\n"
      "and the same count for every ranks x threads layout).";
  if (!parse_args(comm, args, "parakit pi", usage, options, values)) return 0;

  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::vector<std::uint64_t> samples =
      parse_count_list(values["samples"].as<std::string>(), "--samples", kMax);
  std::uint64_t total = 0;
  for (const std::uint64_t n : samples) {
    if (n > kMax - total) {
      throw UsageError("--samples: the entries add up to more than " + std::to_string(kMax) +
                       " (accepted: a total of at most 2^63-1 samples)");
    }
    total += n;
  }
  const CommonOptions common = read_common_options(comm, values);

  const kernels::MonteCarloPi kernel(samples, common.seed);
  const auto run = mpi::run(comm, kernel, run_options(comm, common));
  if (comm.rank() != 0) return 0;

  std::vector<kernels::PiEstimate> estimates;
  report::Record tasks = report::Record::array();
  for (std::size_t t = 0; t < samples.size(); ++t) {
    const auto e = kernels::estimate_pi(samples[t], run.partials[t]);
    estimates.push_back(e);
    tasks.push_back({{"task", t},
                     {"samples", e.samples},
                     {"inside", e.inside},
                     {"estimate", e.estimate},
                     {"std_error", e.std_error}});
  }
  const auto mean = kernels::mean_estimate(estimates);
  report::Record record = {{"schema", report::kSchema}, {"kernel", "pi"},
                           {"ranks", run.stats.ranks},  {"threads_per_rank", run.stats.threads_per_rank},
                           {"seed", common.seed},       {"samples", total},
                           {"tasks", samples.size()}};
  record["result"] = {
      {"inside", mean.inside}, {"estimate", mean.estimate}, {"std_error", mean.std_error}, {"tasks", tasks}};
  report::add_run_report(record, run.stats, static_cast<double>(total), "samples", launch_context(argv));
  emit(comm, record, common);
  return 0;
}

}  // namespace parakit::cli
