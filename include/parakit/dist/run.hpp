#pragma once
/// @file
/// @brief The distribution layer: rank 0 partitions the tasks, scatters the chunks, every rank runs the
/// kernel with OpenMP threads over its share, and the partial results are reduced back to rank 0.

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include <boost/mpi/collectives/reduce.hpp>
#include <boost/mpi/collectives/scatter.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/operations.hpp>
#include <boost/serialization/vector.hpp>

#include "parakit/dist/stats.hpp"
#include "parakit/error.hpp"
#include "parakit/kernels/kernel.hpp"

namespace parakit::dist {

/// @brief The largest accepted repeat and warmup counts.
inline constexpr int kMaxRuns = 1'000'000;

/// @brief How to run.
struct RunOptions {
  int threads = 1;  ///< OpenMP threads of this rank (>= 1)
  int repeat = 1;   ///< timed runs (>= 1)
  int warmup = 0;   ///< untimed runs before them (>= 0)
  /// Rank 0 only: called from its thread 0 with the fraction of all runs done so far, in [0, 1].
  std::function<void(double fraction)> progress;
};

/// @brief The reduced partial results (one per task, on rank 0; empty elsewhere) and the measurements.
template <class Partial>
struct RunResult {
  std::vector<Partial> partials;
  RunStats stats;
};

namespace detail {

/// Throws parakit::Error on every rank unless every rank passed the same @p values (the work and the
/// run counts), so that ranks that disagree fail together instead of hanging in a collective.
void check_same_on_all_ranks(const boost::mpi::communicator& comm, const std::vector<std::uint64_t>& values);

/// @brief This rank's RankInfo (host, pid, @p threads, its CPUs), compute_s 0.
RankInfo this_rank(const boost::mpi::communicator& comm, int threads);

/// Gathers every rank's phase times and identity to rank 0 and summarises them there.
RunStats collect_stats(const boost::mpi::communicator& comm, const std::vector<PhaseTimes>& mine, int threads,
                       int warmup);

/// Seconds since an arbitrary fixed point (steady clock).
inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

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
  detail::check_same_on_all_ranks(
      comm, {is_valid ? 1U : 0U, task_count, total, static_cast<std::uint64_t>(options.repeat),
             static_cast<std::uint64_t>(options.warmup)});
  PARAKIT_REQUIRE(is_valid,
                  "threads >= 1, 1 <= repeat <= kMaxRuns, 0 <= warmup <= kMaxRuns, 1 to 2^31-1 tasks");

  const bool is_root = comm.rank() == 0;
  const int n = static_cast<int>(task_count);
  const int runs = options.warmup + options.repeat;
  RunResult<Partial> result;
  std::vector<PhaseTimes> mine;
  mine.reserve(static_cast<std::size_t>(options.repeat));

  for (int r = 0; r < runs; ++r) {
    kernels::LocalOptions local{.threads = options.threads, .grain = std::uint64_t{1} << 22, .progress = {}};
    if (is_root && options.progress) {
      local.progress = [&, r](std::uint64_t done, std::uint64_t all) {
        const double part = all > 0 ? static_cast<double>(done) / static_cast<double>(all) : 1.0;
        options.progress((r + part) / runs);
      };
    }
    comm.barrier();
    const double t0 = detail::now_s();
    std::vector<std::vector<kernels::Chunk>> plan;
    if (is_root) plan = kernels::split_chunks(whole, static_cast<std::uint64_t>(comm.size()));
    const double t1 = detail::now_s();
    std::vector<kernels::Chunk> share;
    if (is_root) {
      boost::mpi::scatter(comm, plan, share, 0);
    } else {
      boost::mpi::scatter(comm, share, 0);
    }
    const double t2 = detail::now_s();
    const std::vector<Partial> local_partials = kernels::run_local(kernel, share, local);
    const double t3 = detail::now_s();
    std::vector<Partial> reduced;
    if (is_root) {
      reduced.resize(task_count);
      boost::mpi::reduce(comm, local_partials.data(), n, reduced.data(), detail::CombineOp<K>{}, 0);
    } else {
      boost::mpi::reduce(comm, local_partials.data(), n, detail::CombineOp<K>{}, 0);
    }
    const double t4 = detail::now_s();

    if (r >= options.warmup) mine.push_back({t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0});
    if (is_root) {
      // Every run computes the same thing: a difference is a bug or broken hardware, never noise.
      if (r > 0 && reduced != result.partials) {
        throw WrongAnswer("run " + std::to_string(r + 1) + " of " + std::to_string(runs) +
                          " reduced to a different result than run 1");
      }
      result.partials = std::move(reduced);
    }
  }
  result.stats = detail::collect_stats(comm, mine, options.threads, options.warmup);
  return result;
}

}  // namespace parakit::dist
