#pragma once
/// @file
/// @brief The kernel interface and the threaded local runner. Pure: no MPI, no I/O; OpenMP only.
///
/// A kernel describes a list of tasks, each an index space [0, task_size(t)), and computes a partial
/// result over any sub-range of one task. Partial results of the same task combine associatively, and
/// a value-initialised `Partial{}` is the identity of `combine`. That is all the distribution layer
/// needs: it cuts the tasks into chunks over ranks and threads and combines what they return.

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <exception>
#include <functional>
#include <span>
#include <vector>

#include <omp.h>

#include "parakit/error.hpp"
#include "parakit/kernels/partition.hpp"

namespace parakit::kernels {

/// @brief What a user implements to run a computation through parakit.
///
/// - `Partial`: a regular type; `Partial{}` is the identity of `combine`.
/// - `task_count()`, `task_size(t)`: the work, as tasks of independent indices.
/// - `compute(t, first, last)`: the partial result over indices [first, last) of task t. Called
///   concurrently from several threads on disjoint ranges, so it must not modify the kernel.
/// - `combine(a, b)`: associative; it is applied in index order, so it need not be commutative.
template <class K>
concept Kernel = std::regular<typename K::Partial> &&
    requires(const K& kernel, std::uint64_t task, const typename K::Partial& partial) {
  { kernel.task_count() } -> std::convertible_to<std::uint64_t>;
  { kernel.task_size(task) } -> std::convertible_to<std::uint64_t>;
  { kernel.compute(task, task, task) } -> std::same_as<typename K::Partial>;
  { K::combine(partial, partial) } -> std::same_as<typename K::Partial>;
};

/// @brief One chunk per task, covering each task whole: the input that gets partitioned.
template <Kernel K>
std::vector<Chunk> whole_tasks(const K& kernel) {
  std::vector<Chunk> chunks;
  const std::uint64_t n = kernel.task_count();
  chunks.reserve(n);
  for (std::uint64_t t = 0; t < n; ++t)
    chunks.push_back({t, 0, kernel.task_size(t)});
  return chunks;
}

/// @brief Options of run_local.
struct LocalOptions {
  int threads = 1;                               ///< OpenMP threads (>= 1).
  std::uint64_t grain = std::uint64_t{1} << 22;  ///< Largest range given to one compute() call.
  /// Called by thread 0 between grains with its own (done, total) index counts; may be empty.
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

/// @brief Runs @p kernel over @p chunks with OpenMP threads and returns one Partial per task.
/// Thread t computes block t of split_chunks(chunks, threads); the per-thread partials are combined
/// in thread order, so for a given layout the result is deterministic.
/// @throws parakit::Error if options.threads < 1 or options.grain == 0; rethrows what compute() throws.
template <Kernel K>
std::vector<typename K::Partial> run_local(const K& kernel, std::span<const Chunk> chunks,
                                           const LocalOptions& options) {
  using Partial = typename K::Partial;
  PARAKIT_REQUIRE(options.threads >= 1 && options.grain > 0, "threads and grain must be positive");
  const auto threads = static_cast<std::size_t>(options.threads);
  const auto task_count = static_cast<std::size_t>(kernel.task_count());
  const auto blocks = split_chunks(chunks, threads);
  std::vector<std::vector<Partial>> partials(threads, std::vector<Partial>(task_count));
  std::exception_ptr failure;

#pragma omp parallel num_threads(options.threads)
  {
    // If the runtime grants fewer threads than asked, the granted ones take the remaining blocks.
    for (auto t = static_cast<std::size_t>(omp_get_thread_num()); t < threads;
         t += static_cast<std::size_t>(omp_get_num_threads())) {
      try {
        std::uint64_t total = 0, done = 0;
        for (const Chunk& c : blocks[t])
          total += c.size();
        for (const Chunk& c : blocks[t]) {
          for (std::uint64_t first = c.first; first < c.last;) {
            const std::uint64_t last = first + std::min(options.grain, c.last - first);
            auto& slot = partials[t][c.task];
            slot = K::combine(slot, kernel.compute(c.task, first, last));
            done += last - first;
            first = last;
            if (t == 0 && options.progress) options.progress(done, total);
          }
        }
      } catch (...) {
#pragma omp critical(parakit_run_local_failure)
        if (!failure) failure = std::current_exception();
      }
    }
  }
  if (failure) std::rethrow_exception(failure);

  std::vector<Partial> result(task_count);
  for (const auto& mine : partials) {
    for (std::size_t task = 0; task < task_count; ++task)
      result[task] = K::combine(result[task], mine[task]);
  }
  return result;
}

}  // namespace parakit::kernels
