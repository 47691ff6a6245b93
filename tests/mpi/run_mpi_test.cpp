#include <cstdint>
#include <string>
#include <vector>

#include <boost/mpi/communicator.hpp>
#include <gtest/gtest.h>

#include "parakit/error.hpp"
#include "parakit/kernels/monte_carlo_pi.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/environment.hpp"
#include "parakit/mpi/run.hpp"

#include "weighted_sum_kernel.hpp"

using namespace parakit;
using parakit::test::WeightedSum;

// Layouts 1x1, 1x2, 1x4, 2x1, 2x2, 2x4, 3x1, ... 4x4: every one must count exactly what one thread
// counts alone, because sample i is a function of (seed, i) only and counts add exactly.
TEST(DistRun, pi_counts_are_bitwise_identical_for_every_ranks_by_threads_layout) {
  const boost::mpi::communicator world;
  const std::vector<std::uint64_t> samples = {100'000, 3'200'000, 1, 12'345};
  const std::vector<std::uint64_t> expected = {
      kernels::count_inside(42, 0, 100'000), kernels::count_inside(42, 100'000, 3'300'000),
      kernels::count_inside(42, 3'300'000, 3'300'001), kernels::count_inside(42, 3'300'001, 3'312'346)};
  const kernels::MonteCarloPi kernel(samples, 42);
  for (const int threads : {1, 2, 4}) {
    const auto run = mpi::run(world, kernel, {.threads = threads, .repeat = 2, .warmup = 1, .progress = {}});
    if (world.rank() == 0) {
      EXPECT_EQ(run.partials, expected) << world.size() << " ranks x " << threads << " threads";
    } else {
      EXPECT_TRUE(run.partials.empty());
    }
  }
}

TEST(DistRun, sums_match_the_closed_form_even_with_fewer_indices_than_ranks) {
  const boost::mpi::communicator world;
  const WeightedSum kernel{{1, 2, 0, 1001}};
  const auto run = mpi::run(world, kernel, {.threads = 2, .repeat = 1, .warmup = 0, .progress = {}});
  if (world.rank() == 0) {
    EXPECT_EQ(run.partials, (std::vector<std::uint64_t>{1, 2 * 3, 0, 4 * 1001 * 1002 / 2}));
  }
}

TEST(DistRun, reports_every_rank_and_every_repeat_on_rank_zero) {
  const boost::mpi::communicator world;
  const kernels::MonteCarloPi kernel({1'000'000}, 1);
  double fraction = 0.0;
  const auto run =
      mpi::run(world, kernel, {.threads = 1, .repeat = 3, .warmup = 2, .progress = [&](double f) {
                                 EXPECT_GE(f, fraction);
                                 fraction = f;
                               }});
  if (world.rank() != 0) return;
  const auto& s = run.stats;
  EXPECT_EQ(s.ranks, world.size());
  EXPECT_EQ(s.threads_per_rank, 1);
  EXPECT_EQ(s.warmup, 2);
  ASSERT_EQ(s.times_s.size(), 3U);
  ASSERT_EQ(s.phases.size(), 3U);
  ASSERT_EQ(s.per_rank.size(), static_cast<std::size_t>(world.size()));
  for (int r = 0; r < world.size(); ++r) {
    EXPECT_EQ(s.per_rank[static_cast<std::size_t>(r)].rank, r);
    EXPECT_FALSE(s.per_rank[static_cast<std::size_t>(r)].host.empty());
    EXPECT_FALSE(s.per_rank[static_cast<std::size_t>(r)].cpus.empty());
  }
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_GT(s.times_s[k], 0.0);
    EXPECT_LE(s.phases[k].compute_s, s.phases[k].total_s);
    EXPECT_GE(s.imbalance[k], 1.0);
  }
  EXPECT_DOUBLE_EQ(fraction, 1.0) << "progress reaches the end of the last run";
}

TEST(DistRun, refuses_on_every_rank_when_the_ranks_disagree_about_the_work) {
  const boost::mpi::communicator world;
  if (world.size() == 1) GTEST_SKIP() << "needs two ranks to disagree";
  const WeightedSum kernel{{world.rank() == 1 ? 11U : 10U}};
  EXPECT_THROW(mpi::run(world, kernel, {.threads = 1, .repeat = 1, .warmup = 0, .progress = {}}), Error);
}

TEST(DistRun, refuses_on_every_rank_when_the_ranks_disagree_about_the_run_counts) {
  const boost::mpi::communicator world;
  if (world.size() == 1) GTEST_SKIP() << "needs two ranks to disagree";
  const WeightedSum kernel{{10}};
  const int last = world.size() - 1;
  EXPECT_THROW(mpi::run(world, kernel,
                        {.threads = 1, .repeat = world.rank() == last ? 2 : 1, .warmup = 0, .progress = {}}),
               Error);
  EXPECT_THROW(mpi::run(world, kernel,
                        {.threads = 1, .repeat = 1, .warmup = world.rank() == last ? 1 : 0, .progress = {}}),
               Error);
}

TEST(DistRun, invalid_options_on_one_rank_fail_every_rank_instead_of_hanging) {
  const boost::mpi::communicator world;
  const WeightedSum kernel{{10}};
  const bool is_last = world.rank() == world.size() - 1;
  EXPECT_THROW(
      mpi::run(world, kernel, {.threads = is_last ? 0 : 1, .repeat = 1, .warmup = 0, .progress = {}}), Error);
  // And the communicator is still usable afterwards: nobody is left inside a collective.
  const auto run = mpi::run(world, kernel, {.threads = 1, .repeat = 1, .warmup = 0, .progress = {}});
  if (world.rank() == 0) {
    EXPECT_EQ(run.partials, (std::vector<std::uint64_t>{10 * 11 / 2}));
  }
}

TEST(DistRun, rejects_invalid_options_on_every_rank) {
  const boost::mpi::communicator world;
  const WeightedSum kernel{{10}};
  EXPECT_THROW(mpi::run(world, kernel, {.threads = 0, .repeat = 1, .warmup = 0, .progress = {}}), Error);
  EXPECT_THROW(mpi::run(world, kernel, {.threads = 1, .repeat = 0, .warmup = 0, .progress = {}}), Error);
}

TEST(CheckOnEveryRank, every_rank_throws_the_lowest_failing_ranks_message_or_none_throws) {
  const boost::mpi::communicator world;
  EXPECT_NO_THROW(mpi::check_on_every_rank(world, [] {}));
  // The last rank and (with 3 or more) rank 1 fail: every rank gets the message of the lower one.
  const int last = world.size() - 1;
  const int expected = world.size() >= 3 ? 1 : last;
  try {
    mpi::check_on_every_rank(world, [&] {
      if (world.rank() == last || (world.size() >= 3 && world.rank() == 1))
        throw Error("rank " + std::to_string(world.rank()) + " cannot map its part");
    });
    ADD_FAILURE() << "no exception on rank " << world.rank();
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "rank " + std::to_string(expected) + " cannot map its part");
  }
}
