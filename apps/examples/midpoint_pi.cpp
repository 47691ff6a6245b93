// pi as the integral of 4/(1+x^2) over [0, 1] by the midpoint rule: a parakit kernel written the way a
// user writes one. The kernel is plain C++; parakit::mpi::run splits the n midpoints over ranks and
// threads and reduces the partial sums to rank 0.
//   mpirun -n 2 build/bin/midpoint_pi 100000000
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numbers>

#include "parakit/mpi/environment.hpp"
#include "parakit/mpi/run.hpp"
#include "parakit/parse.hpp"
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
    const auto run = parakit::mpi::run(comm, Midpoint{n}, options);
    if (comm.rank() == 0) {
      const double pi = run.partials[0];
      std::printf("pi %.15f error %.3g time_s %.6f\n", pi, std::abs(pi - std::numbers::pi),
                  run.stats.times_s[0]);
    }
    return 0;
  });
}
