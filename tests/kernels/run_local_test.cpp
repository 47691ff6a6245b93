#include <cstdint>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"
#include "parakit/kernels/kernel.hpp"
#include "parakit/kernels/monte_carlo_pi.hpp"

#include "weighted_sum_kernel.hpp"

using namespace parakit::kernels;
using parakit::test::WeightedSum;

namespace {

struct Throws {
  using Partial = int;
  std::uint64_t task_count() const { return 1; }
  std::uint64_t task_size(std::uint64_t) const { return 100; }
  Partial compute(std::uint64_t, std::uint64_t first, std::uint64_t) const {
    if (first >= 50) throw std::runtime_error("kernel failure");
    return 1;
  }
  static Partial combine(Partial a, Partial b) { return a + b; }
};

}  // namespace

TEST(RunLocal, every_thread_count_and_grain_gives_the_closed_form) {
  const WeightedSum kernel{{1000, 1, 77}};
  const auto chunks = whole_tasks(kernel);
  for (int threads = 1; threads <= 5; ++threads) {
    for (std::uint64_t grain : {1U, 7U, 1000U}) {
      const auto r = run_local(kernel, chunks, {.threads = threads, .grain = grain, .progress = {}});
      ASSERT_EQ(r.size(), 3U);
      EXPECT_EQ(r[0], 1000U * 1001U / 2) << threads << " threads, grain " << grain;
      EXPECT_EQ(r[1], 2U);
      EXPECT_EQ(r[2], 3U * 77U * 78U / 2);
    }
  }
}

TEST(RunLocal, pi_counts_are_identical_for_every_thread_count) {
  const MonteCarloPi kernel({100'000, 3'200'000}, 42);
  const auto chunks = whole_tasks(kernel);
  const auto one = run_local(kernel, chunks, {.threads = 1, .grain = 1 << 16, .progress = {}});
  EXPECT_EQ(one[0], count_inside(42, 0, 100'000));
  EXPECT_EQ(one[1], count_inside(42, 100'000, 3'300'000));
  for (int threads : {2, 3, 4}) {
    EXPECT_EQ(run_local(kernel, chunks, {.threads = threads, .grain = 1 << 16, .progress = {}}), one)
        << threads;
  }
}

TEST(RunLocal, reports_progress_up_to_completion_of_thread_zero) {
  const WeightedSum kernel{{1000}};
  std::uint64_t last_done = 0, last_total = 0, calls = 0;
  run_local(kernel, whole_tasks(kernel),
            {.threads = 2, .grain = 100, .progress = [&](std::uint64_t done, std::uint64_t total) {
               EXPECT_GT(done, last_done);
               last_done = done;
               last_total = total;
               ++calls;
             }});
  EXPECT_EQ(calls, 5U);  // thread 0 owns 500 indices, in grains of 100
  EXPECT_EQ(last_done, 500U);
  EXPECT_EQ(last_total, 500U);
}

TEST(RunLocal, rethrows_a_kernel_exception_and_rejects_bad_options) {
  const Throws kernel;
  EXPECT_THROW(run_local(kernel, whole_tasks(kernel), {.threads = 2, .grain = 10, .progress = {}}),
               std::runtime_error);
  EXPECT_THROW(run_local(kernel, whole_tasks(kernel), {.threads = 0, .grain = 10, .progress = {}}),
               parakit::Error);
  EXPECT_THROW(run_local(kernel, whole_tasks(kernel), {.threads = 1, .grain = 0, .progress = {}}),
               parakit::Error);
}
