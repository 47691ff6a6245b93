// pi as the integral of 4/(1+x^2) over [0, 1] by the midpoint rule: a parakit kernel written the way a
// user writes one. The kernel is plain C++; parakit::mpi::run splits the n midpoints over ranks and
// threads and reduces the partial sums to rank 0. Under `parakit compare|scale ... -- ./app` it takes
// the study's repeat counts and leaves its own timings for the study (parakit/mpi/study_record.hpp):
//   mpirun -n 2 build/bin/midpoint_pi 100000000
//   build/bin/parakit compare --cores 2 -- build/bin/midpoint_pi 100000000
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numbers>
#include <string>
#include <vector>

#include "parakit/mpi/environment.hpp"
#include "parakit/mpi/run.hpp"
#include "parakit/mpi/study_record.hpp"
#include "parakit/parse.hpp"
#include "parakit/report/statistics.hpp"
#include "parakit/sys.hpp"

// One task of n midpoints; compute() sums over any range of them. No MPI, no threads here.
struct Midpoint {
  using Partial = double;  // Partial{} = 0.0 is the identity of combine
  std::uint64_t n;

  std::uint64_t task_count() const { return 1; }
  std::uint64_t task_size(std::uint64_t /*task*/) const { return n; }
  double compute(std::uint64_t /*task*/, std::uint64_t first, std::uint64_t last) const {
    const double h = 1.0 / static_cast<double>(n);
    double sum = 0.0;
    for (std::uint64_t i = first; i < last; ++i) {
      const double x = h * (static_cast<double>(i) + 0.5);
      sum += 4.0 / (1.0 + x * x);
    }
    return sum * h;
  }
  static double combine(double a, double b) { return a + b; }
};

int main(int argc, char** argv) {
  return parakit::mpi::guarded_main(argc, argv, "midpoint_pi", [&](const boost::mpi::communicator& comm) {
    const std::uint64_t n =
        argc > 1 ? parakit::parse_count(argv[1], "n", std::uint64_t{1} << 53) : 100'000'000;
    parakit::mpi::RunOptions options;
    options.threads = parakit::sys::default_threads();
    options = parakit::mpi::study_run_options(options);  // repeat and warmup, when a study sets them
    const auto run = parakit::mpi::run(comm, Midpoint{n}, options);
    const double pi = comm.rank() == 0 ? run.partials[0] : 0.0;
    if (comm.rank() == 0) {
      std::printf("pi %.15f error %.3g time_s %.6f\n", pi, std::abs(pi - std::numbers::pi),
                  parakit::report::summarize(run.stats.times_s).median);
    }
    // Under a study: rank 0 leaves the run's record (timings, phases, ranks) where the study reads it.
    parakit::mpi::write_study_record(comm, "midpoint_pi", run.stats, static_cast<double>(n), "midpoints",
                                     {{"pi", pi}}, std::vector<std::string>(argv, argv + argc));
    return 0;
  });
}
