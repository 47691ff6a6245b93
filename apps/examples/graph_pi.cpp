// The seed's `pd.Series([10**5, 20**5]).apply(sample).mean()` as a task graph: two sample tasks and one
// mean task that waits for both. parakit::mpi::Graph runs them over ranks and threads; each result
// stays on the rank that made it until the mean needs it there. Each sample draws from its own stream
// (as `parakit map pi --tasks 1e5,3.2e6` does), so pi is the same for every layout:
//   mpirun -n 2 build/bin/graph_pi
#include <array>
#include <cstdint>
#include <cstdio>

#include "parakit/kernels/monte_carlo_pi.hpp"
#include "parakit/mpi/environment.hpp"
#include "parakit/mpi/graph.hpp"
#include "parakit/report/graph_report.hpp"

using parakit::kernels::PiEstimate;

// A task's result is any Boost-serialisable value: say how a PiEstimate is saved.
namespace boost::serialization {
template <class Archive>
void serialize(Archive& ar, PiEstimate& e, unsigned /*version*/) {
  ar& e.samples& e.inside& e.estimate& e.std_error;
}
}  // namespace boost::serialization

PiEstimate sample(std::uint64_t n, std::uint64_t task) {
  const std::uint64_t seed = parakit::kernels::task_stream_seed(42, task);
  return parakit::kernels::estimate_pi(n, parakit::kernels::count_inside(seed, 0, n));
}

int main(int argc, char** argv) {
  return parakit::mpi::guarded_main(argc, argv, "graph_pi", [&](const boost::mpi::communicator& comm) {
    parakit::mpi::Graph g;
    const auto a = g.add("sample 1e5", [] { return sample(100'000, 0); });
    const auto b = g.add("sample 3.2e6", [] { return sample(3'200'000, 1); });
    const auto mean = g.add(
        "mean",
        [](const PiEstimate& x, const PiEstimate& y) {
          return parakit::kernels::mean_estimate(std::array{x, y});
        },
        a, b);
    const parakit::mpi::GraphValues run = g.run(comm);  // one thread per rank
    if (comm.rank() == 0) {
      const PiEstimate pi = run.get(mean);
      const auto figures = parakit::report::graph_figures(run.graph(), run.result(), 1);
      std::printf("pi %.9f std_error %.2g makespan_s %.6f lower_bound_s %.6f bytes_moved %llu\n", pi.estimate,
                  pi.std_error, figures.schedule.makespan_s, figures.lower_bound_s,
                  static_cast<unsigned long long>(run.result().bytes_moved));
    }
    return 0;
  });
}
