#pragma once
/// @file
/// @brief The MPI layer's kernel runner: rank 0 partitions the tasks, scatters the chunks, every rank runs
/// the kernel with OpenMP threads over its share, and the partial results are reduced back to rank 0.

#include <cstdint>
#include <functional>
#include <vector>

#include <boost/mpi/collectives/reduce.hpp>
#include <boost/mpi/collectives/scatter.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/operations.hpp>
#include <boost/serialization/vector.hpp>

#include "parakit/error.hpp"
#include "parakit/kernels/kernel.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/repeat.hpp"

namespace parakit::mpi {

/// @brief The reduced partial results (one per task, on rank 0; empty elsewhere) and the measurements.
template <class Partial>
struct RunResult {
  std::vector<Partial> partials;
  report::RunStats stats;
};

namespace detail {

template <class K>
struct CombineOp {
  typename K::Partial operator()(const typename K::Partial& a, const typename K::Partial& b) const {
    return K::combine(a, b);
  }
};

}  // namespace detail

/// @brief Runs @p kernel over all its tasks on every rank of @p comm, options.warmup + options.repeat
/// times, and returns rank 0's reduced partials and the timings of the repeats.
///
/// Each run: barrier; rank 0 splits the concatenated index space of all tasks into comm.size() blocks
/// of equal size (±1), so a large task is shared by all ranks; the blocks are scattered; each rank
/// splits its block over its threads the same way (kernels::run_local); the per-task partials are
/// reduced to rank 0 in rank order. The result therefore depends on the layout only through the order
/// of `combine`, and not at all when `combine` is exact (integer counts).
/// @note Collective over @p comm: every rank must call it with the same kernel (checked) and repeat
/// counts; threads may differ between ranks.
/// @throws parakit::Error for invalid options or ranks that disagree about the work or the counts;
/// parakit::WrongAnswer if two runs reduce to different partials.
template <kernels::Kernel K>
RunResult<typename K::Partial> run(const boost::mpi::communicator& comm, const K& kernel,
                                   const RunOptions& options) {
  using Partial = typename K::Partial;
  // Every rank checks its own arguments, then all ranks agree before anyone throws: a rank that
  // threw alone would leave the others waiting in the first collective.
  const auto task_count = static_cast<std::uint64_t>(kernel.task_count());
  const bool is_valid = options.threads >= 1 && options.repeat >= 1 && options.repeat <= kMaxRuns &&
                        options.warmup >= 0 && options.warmup <= kMaxRuns && task_count > 0 &&
                        task_count <= static_cast<std::uint64_t>(INT32_MAX);
  const auto whole = kernels::whole_tasks(kernel);
  std::uint64_t total = 0;
  for (const auto& c : whole)
    total += c.size();
  check_same_on_all_ranks(comm,
                          {is_valid ? 1U : 0U, task_count, total, static_cast<std::uint64_t>(options.repeat),
                           static_cast<std::uint64_t>(options.warmup)});
  PARAKIT_REQUIRE(is_valid,
                  "threads >= 1, 1 <= repeat <= kMaxRuns, 0 <= warmup <= kMaxRuns, 1 to 2^31-1 tasks");

  const bool is_root = comm.rank() == 0;
  const int n = static_cast<int>(task_count);
  const int runs = options.warmup + options.repeat;
  RunResult<Partial> result;
  result.stats = repeat(comm, options, [&](int r, report::PhaseTimes& phases) {
    kernels::LocalOptions local{.threads = options.threads, .grain = std::uint64_t{1} << 22, .progress = {}};
    if (is_root && options.progress) {
      local.progress = [&, r](std::uint64_t done, std::uint64_t all) {
        const double part = all > 0 ? static_cast<double>(done) / static_cast<double>(all) : 1.0;
        options.progress((r + part) / runs);
      };
    }
    const double t0 = sys::now_s();
    std::vector<std::vector<kernels::Chunk>> plan;
    if (is_root) plan = kernels::split_chunks(whole, static_cast<std::uint64_t>(comm.size()));
    const double t1 = sys::now_s();
    std::vector<kernels::Chunk> share;
    progress("scatter");
    if (is_root) {
      boost::mpi::scatter(comm, plan, share, 0);
    } else {
      boost::mpi::scatter(comm, share, 0);
    }
    const double t2 = sys::now_s();
    progress("compute");
    const std::vector<Partial> local_partials = kernels::run_local(kernel, share, local);
    const double t3 = sys::now_s();
    std::vector<Partial> reduced;
    progress("reduce");
    if (is_root) {
      reduced.resize(task_count);
      boost::mpi::reduce(comm, local_partials.data(), n, reduced.data(), detail::CombineOp<K>{}, 0);
    } else {
      boost::mpi::reduce(comm, local_partials.data(), n, detail::CombineOp<K>{}, 0);
    }
    phases = {.partition_s = t1 - t0,
              .scatter_s = t2 - t1,
              .compute_s = t3 - t2,
              .reduce_s = sys::now_s() - t3,
              .total_s = 0.0};
    if (is_root) {
      // Every run computes the same thing: a difference is a bug or broken hardware, never noise.
      if (r > 0 && reduced != result.partials) {
        throw WrongAnswer("run " + std::to_string(r + 1) + " of " + std::to_string(runs) +
                          " reduced to a different result than run 1");
      }
      result.partials = std::move(reduced);
    }
  });
  return result;
}

}  // namespace parakit::mpi
