// mpi::describe under mpiexec at 1-4 ranks: however the rows are spread over ranks (uneven pieces,
// several segments per rank, blocks cut between ranks) and threads, the description is the same bit for
// bit, and equal to what the kernels give on one process with a sort.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <boost/mpi/communicator.hpp>
#include <gtest/gtest.h>

#include "parakit/kernels/generate.hpp"
#include "parakit/mpi/describe.hpp"

using namespace parakit;
namespace kd = kernels::describe;

namespace {

std::vector<double> column(std::uint64_t n, kernels::generate::Distribution distribution, double missing) {
  kernels::generate::Spec spec{
      .distribution = distribution, .a = 0.0, .b = 1.0, .seed = 5, .missing = missing};
  kernels::generate::default_parameters(distribution, spec.a, spec.b);
  std::vector<double> v(n);
  kernels::generate::fill(spec, 0, 0, v);
  return v;
}

// This rank's share when the rows are cut at @p cuts (global row indices) and piece i goes to rank
// i % ranks: several segments per rank, boundaries anywhere.
mpi::LocalColumn share(const std::vector<double>& all, const std::vector<std::uint64_t>& cuts, int rank,
                       int ranks) {
  mpi::LocalColumn mine;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    if (static_cast<int>(i % static_cast<std::size_t>(ranks)) != rank || cuts[i] == cuts[i + 1]) continue;
    mine.segments.push_back({cuts[i], mine.values.size(), cuts[i + 1] - cuts[i]});
    mine.values.insert(mine.values.end(), all.begin() + static_cast<std::ptrdiff_t>(cuts[i]),
                       all.begin() + static_cast<std::ptrdiff_t>(cuts[i + 1]));
  }
  return mine;
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

void expect_same(const mpi::Description& a, const mpi::Description& b, const std::string& where) {
  EXPECT_EQ(a.moments.count, b.moments.count) << where;
  EXPECT_EQ(a.moments.missing, b.moments.missing) << where;
  for (const auto& [x, y] :
       {std::pair{a.moments.mean, b.moments.mean}, std::pair{a.moments.std, b.moments.std},
        std::pair{a.moments.min, b.moments.min}, std::pair{a.moments.max, b.moments.max}})
    EXPECT_TRUE(same_bits(x, y)) << where << ": " << x << " vs " << y;
  ASSERT_EQ(a.quantiles.size(), b.quantiles.size());
  for (std::size_t i = 0; i < a.quantiles.size(); ++i)
    EXPECT_TRUE(same_bits(a.quantiles[i], b.quantiles[i])) << where << ": quantile " << i;
  EXPECT_EQ(a.edges, b.edges) << where;
}

}  // namespace

TEST(DistDescribe, bitwise_identical_for_every_spread_of_rows_over_ranks_and_threads) {
  const boost::mpi::communicator world;
  const std::uint64_t n = 3 * kd::kBlock + 12'345;
  for (const auto distribution :
       {kernels::generate::Distribution::kNormal, kernels::generate::Distribution::kExponential}) {
    const std::vector<double> all = column(n, distribution, 0.05);
    // Reference: one rank, one segment, one thread.
    mpi::LocalColumn whole;
    if (world.rank() == 0) whole = share(all, {0, n}, 0, 1);
    report::PhaseTimes phases;
    const mpi::DescribeOptions options{.bins = 13, .quantiles = {0.25, 0.5, 0.75}, .threads = 1};
    const mpi::Description reference = mpi::describe(world, whole, options, phases);

    // Checked against a sort on every rank.
    std::vector<double> sorted;
    for (double x : all)
      if (x == x) sorted.push_back(x);
    std::sort(sorted.begin(), sorted.end());
    const auto at = [&](std::uint64_t k) { return sorted[k]; };
    EXPECT_EQ(reference.moments.count, sorted.size());
    EXPECT_EQ(reference.quantiles[0], kd::quantile(sorted.size(), 0.25, at));
    EXPECT_EQ(reference.quantiles[1], kd::quantile(sorted.size(), 0.5, at));
    EXPECT_EQ(reference.quantiles[2], kd::quantile(sorted.size(), 0.75, at));
    EXPECT_EQ(reference.moments.min, sorted.front());
    EXPECT_EQ(reference.moments.max, sorted.back());
    if (world.rank() == 0) {
      std::uint64_t binned = 0;
      for (auto c : reference.counts)
        binned += c;
      EXPECT_EQ(binned, sorted.size());
    }

    std::mt19937_64 engine(17);  // the same cuts on every rank
    for (int trial = 0; trial < 4; ++trial) {
      std::vector<std::uint64_t> cuts = {0, n};
      for (int c = 0; c < 9; ++c)
        cuts.push_back(engine() % n);
      if (trial == 0) cuts.push_back(kd::kBlock);  // a cut on a block boundary
      std::sort(cuts.begin(), cuts.end());
      for (const int threads : {1, 3}) {
        const mpi::LocalColumn mine = share(all, cuts, world.rank(), world.size());
        const mpi::DescribeOptions o{.bins = 13, .quantiles = {0.25, 0.5, 0.75}, .threads = threads};
        report::PhaseTimes p;
        const mpi::Description d = mpi::describe(world, mine, o, p);
        expect_same(d, reference,
                    std::to_string(world.size()) + " ranks, trial " + std::to_string(trial) + ", " +
                        std::to_string(threads) + " threads");
        if (world.rank() == 0) {
          EXPECT_EQ(d.counts, reference.counts);
        }
      }
    }
  }
}

TEST(DistDescribe, a_rank_without_rows_and_an_all_missing_column) {
  const boost::mpi::communicator world;
  mpi::LocalColumn mine;
  if (world.rank() == world.size() - 1) {
    mine.values = {std::nan(""), std::nan("")};
    mine.segments = {{0, 0, 2}};
  }
  report::PhaseTimes p;
  const mpi::Description d = mpi::describe(world, mine, {.bins = 4, .quantiles = {0.5}, .threads = 2}, p);
  EXPECT_EQ(d.moments.count, 0U);
  EXPECT_EQ(d.moments.missing, 2U);
  EXPECT_TRUE(std::isnan(d.moments.mean) && std::isnan(d.quantiles[0]));
  EXPECT_TRUE(d.edges.empty());
}

TEST(DistDescribe, ties_everywhere_still_select_exactly) {
  const boost::mpi::communicator world;
  // Every value is 0, 1 or 2: whole key windows collapse at once.
  const std::uint64_t n = 50'001;
  std::vector<double> all(n);
  for (std::uint64_t i = 0; i < n; ++i)
    all[i] = static_cast<double>((i * 7919) % 3);
  const std::uint64_t r = static_cast<std::uint64_t>(world.rank()),
                      p = static_cast<std::uint64_t>(world.size());
  const mpi::LocalColumn mine = share(all, {n * r / p, n * (r + 1) / p}, 0, 1);
  report::PhaseTimes t;
  const mpi::Description d =
      mpi::describe(world, mine, {.bins = 3, .quantiles = {0.25, 0.5, 0.75}, .threads = 2}, t);
  EXPECT_EQ(d.quantiles, (std::vector<double>{0.0, 1.0, 2.0}));
  if (world.rank() == 0) {
    EXPECT_EQ(d.counts, (std::vector<std::uint64_t>{16667, 16667, 16667}));
  }
}

TEST(DistDescribe, a_sample_fooled_by_periodic_data_still_gives_exact_quantiles) {
  const boost::mpi::communicator world;
  // Every third value is 0, the others 1: the sample (every third row) sees only zeros, so the windows
  // of p50 and p75 miss and one more pass over all values must find them.
  const std::uint64_t n = 200'000;
  std::vector<double> all(n);
  for (std::uint64_t i = 0; i < n; ++i)
    all[i] = i % 3 == 0 ? 0.0 : 1.0;
  const std::uint64_t r = static_cast<std::uint64_t>(world.rank()),
                      p = static_cast<std::uint64_t>(world.size());
  const mpi::LocalColumn mine = share(all, {n * r / p, n * (r + 1) / p}, 0, 1);
  report::PhaseTimes t;
  const mpi::Description d =
      mpi::describe(world, mine, {.bins = 2, .quantiles = {0.25, 0.5, 0.75}, .threads = 2}, t);
  EXPECT_TRUE(d.full_rescan);
  EXPECT_EQ(d.quantiles, (std::vector<double>{0.0, 1.0, 1.0}));
}
