#include "parakit/kernels/describe.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"
#include "parakit/kernels/expression.hpp"

namespace kd = parakit::kernels::describe;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

std::vector<double> random_values(std::size_t n, double mean, double sd, unsigned seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal(mean, sd);
  std::vector<double> v(n);
  for (auto& x : v)
    x = normal(engine);
  return v;
}

// The column's moments through blocks of kBlock values, as the distribution layer computes them.
kd::Moments blocked(const std::vector<double>& v) {
  std::vector<kd::BlockSummary> blocks;
  for (std::size_t i = 0; i < v.size(); i += kd::kBlock) {
    const std::size_t n = std::min<std::size_t>(kd::kBlock, v.size() - i);
    blocks.push_back(kd::summarize_block({v.data() + i, n}));
  }
  return kd::combine_blocks(blocks);
}

// Exact selection with the key windows on one "rank": what mpi::describe does over many.
double select(const std::vector<double>& v, std::uint64_t rank) {
  std::uint64_t n = 0;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double x : v) {
    if (x != x) continue;
    ++n;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  kd::KeyWindow w{.rank = rank, .lo = kd::to_key(lo), .hi = kd::to_key(hi), .below = 0};
  int rounds = 0;
  while (w.lo != w.hi) {
    std::vector<std::uint64_t> counts(w.bins());
    kd::count_keys(v, w, counts);
    kd::narrow(w, counts);
    EXPECT_LE(++rounds, 6);
  }
  return kd::from_key(w.lo);
}

}  // namespace

TEST(DescribeBlocks, MeanAndStdMatchACompensatedReferenceTo1e12) {
  for (const double mean : {0.0, 1e-3, 5.0, 1e6}) {
    const auto v = random_values(100'003, mean, 1.0, 7);
    // Reference: long double two-pass over sorted-by-magnitude terms.
    long double s = 0;
    for (double x : v)
      s += x;
    const long double m = s / v.size();
    long double q = 0;
    for (double x : v)
      q += (x - m) * (x - m);
    const double ref_std = static_cast<double>(std::sqrt(q / (v.size() - 1)));
    const kd::Moments got = blocked(v);
    EXPECT_EQ(got.count, v.size());
    EXPECT_NEAR(got.mean, static_cast<double>(m), 1e-12 * std::max(1.0, std::fabs(static_cast<double>(m))));
    EXPECT_NEAR(got.std, ref_std, 1e-12 * ref_std);
  }
}

TEST(DescribeBlocks, ClosedFormOfASequence) {
  std::vector<double> v(1'000'000);
  std::iota(v.begin(), v.end(), 1.0);
  const kd::Moments m = blocked(v);
  const double n = 1e6;
  EXPECT_EQ(m.mean, (n + 1) / 2);
  EXPECT_DOUBLE_EQ(m.std, std::sqrt(n * (n + 1) / 12));
  EXPECT_EQ(m.min, 1.0);
  EXPECT_EQ(m.max, n);
}

TEST(DescribeBlocks, MissingValuesAreCountedAndLeftOut) {
  std::vector<double> v = {1.0, kNaN, 3.0, kNaN};
  const kd::Moments m = blocked(v);
  EXPECT_EQ(m.count, 2U);
  EXPECT_EQ(m.missing, 2U);
  EXPECT_EQ(m.mean, 2.0);
  EXPECT_DOUBLE_EQ(m.std, std::sqrt(2.0));
}

TEST(DescribeBlocks, AllMissingGivesCountZeroAndNaN) {
  const kd::Moments m = blocked({kNaN, kNaN});
  EXPECT_EQ(m.count, 0U);
  EXPECT_EQ(m.missing, 2U);
  EXPECT_TRUE(std::isnan(m.mean) && std::isnan(m.std) && std::isnan(m.min) && std::isnan(m.max));
}

TEST(DescribeBlocks, OneValueHasNoStd) {
  const kd::Moments m = blocked({4.0});
  EXPECT_EQ(m.mean, 4.0);
  EXPECT_TRUE(std::isnan(m.std));
}

TEST(DescribeBlocks, InfinityMakesTheMeanInfiniteAndTheStdNaN) {
  const double inf = std::numeric_limits<double>::infinity();
  const kd::Moments m = blocked({1.0, inf, 2.0});
  EXPECT_EQ(m.mean, inf);
  EXPECT_TRUE(std::isnan(m.std));
}

TEST(DescribeBlocks, ASummaryDoesNotDependOnTheLengthOfTheLanesTail) {
  // The same block summarised twice gives the same bits.
  const auto v = random_values(kd::kBlock, 3.0, 2.0, 3);
  EXPECT_EQ(kd::summarize_block(v), kd::summarize_block(v));
}

TEST(DescribeQuantiles, RanksAndInterpolationAsNumpy) {
  // numpy.percentile([1, 2, 3, 4], [25, 50, 75]) == [1.75, 2.5, 3.25]
  const std::vector<double> v = {4.0, 1.0, 3.0, 2.0};
  std::vector<double> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  const auto at = [&](std::uint64_t k) { return sorted[k]; };
  EXPECT_EQ(kd::quantile(4, 0.25, at), 1.75);
  EXPECT_EQ(kd::quantile(4, 0.5, at), 2.5);
  EXPECT_EQ(kd::quantile(4, 0.75, at), 3.25);
  const std::vector<double> qs = {0.25, 0.5, 0.75};
  EXPECT_EQ(kd::needed_ranks(4, qs), (std::vector<std::uint64_t>{0, 1, 2, 3}));
  EXPECT_EQ(kd::needed_ranks(5, qs), (std::vector<std::uint64_t>{1, 2, 3, 4}));  // p75: k = 3 and k + 1
  EXPECT_TRUE(kd::needed_ranks(0, qs).empty());
  EXPECT_EQ(kd::quantile(1, 0.75, [](std::uint64_t) { return 7.0; }), 7.0);
}

TEST(DescribeQuantiles, KeysPreserveOrder) {
  const std::vector<double> v = {
      -std::numeric_limits<double>::infinity(), -1e300, -1.0, -1e-300, 0.0, 1e-300, 1.0, 1e300,
      std::numeric_limits<double>::infinity()};
  for (std::size_t i = 0; i + 1 < v.size(); ++i) {
    EXPECT_LT(kd::to_key(v[i]), kd::to_key(v[i + 1]));
    EXPECT_EQ(kd::from_key(kd::to_key(v[i])), v[i]);
  }
  EXPECT_EQ(kd::to_key(-0.0), kd::to_key(0.0));
}

TEST(DescribeQuantiles, SelectionFindsEveryOrderStatisticExactly) {
  auto v = random_values(20'000, 0.0, 1.0, 11);
  for (std::size_t i = 0; i < 3000; ++i)
    v[i] = 0.5;  // many ties
  v[5] = kNaN;
  std::vector<double> sorted;
  for (double x : v)
    if (x == x) sorted.push_back(x);
  std::sort(sorted.begin(), sorted.end());
  for (const std::uint64_t k : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{4999}, std::uint64_t{10000},
                                std::uint64_t{15000}, std::uint64_t{sorted.size() - 1}}) {
    EXPECT_EQ(select(v, k), sorted[k]) << "rank " << k;
  }
}

TEST(DescribeQuantiles, ScanCountsBelowAndInsideAndKeepsCandidatesOnce) {
  const std::vector<double> v = {1, 2, 3, 4, 5, kNaN, 6};
  const std::vector<kd::KeyWindow> w = {{.rank = 0, .lo = kd::to_key(2), .hi = kd::to_key(4), .below = 0},
                                        {.rank = 0, .lo = kd::to_key(3), .hi = kd::to_key(5), .below = 0}};
  std::vector<std::uint64_t> below(2), inside(2);
  kd::Candidates out;
  kd::scan_windows(v, w, below, inside, out);
  EXPECT_EQ(below, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(inside, (std::vector<std::uint64_t>{3, 3}));
  EXPECT_EQ(std::vector<double>(out.begin(), out.end()), (std::vector<double>{2, 3, 4, 5}));
}

// Windows placed from a one-in-16 sample hold their order statistics, are narrow (the margin is about
// five sample standard deviations), and span [min, max] where the sample cannot place an end.
TEST(DescribeQuantiles, WindowsFromASampleHoldTheirOrderStatistics) {
  const std::vector<double> v = random_values(160'000, 3.0, 2.0, 11);
  std::vector<double> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> sample;
  for (std::size_t i = 0; i < v.size(); i += 16)
    sample.push_back(v[i]);
  const std::vector<double> qs = {0.0, 0.25, 0.5, 0.75, 1.0};
  const auto ranks = kd::needed_ranks(v.size(), qs);
  const auto windows = kd::windows_from_sample(ranks, v.size(), sample, sorted.front(), sorted.back());
  ASSERT_EQ(windows.size(), ranks.size());
  for (const kd::KeyWindow& w : windows) {
    const double lo = kd::from_key(w.lo), hi = kd::from_key(w.hi);
    const auto below =
        static_cast<std::uint64_t>(std::lower_bound(sorted.begin(), sorted.end(), lo) - sorted.begin());
    const auto up_to =
        static_cast<std::uint64_t>(std::upper_bound(sorted.begin(), sorted.end(), hi) - sorted.begin());
    EXPECT_LE(below, w.rank) << "rank " << w.rank;
    EXPECT_LT(w.rank, up_to) << "rank " << w.rank;
    EXPECT_LT(up_to - below, v.size() / 10) << "rank " << w.rank;  // a few percent of the values, not all
  }
  EXPECT_EQ(windows.front().lo, kd::to_key(sorted.front()));  // rank 0: no sample value below it
  EXPECT_EQ(windows.back().hi, kd::to_key(sorted.back()));
}

// The one-sweep version gives what the two sweeps give, for 1 to 5 distinct windows (5: beyond the
// vector path), a block with a tail, NaN and values outside the edges.
TEST(DescribeHistogram, OneSweepOfHistogramAndWindowsEqualsTheTwo) {
  std::vector<double> v = random_values(kd::kBlock + 37, 0.0, 1.0, 21);
  v[3] = kNaN;
  v[700] = 50.0;
  const auto edges = kd::histogram_edges(-3.0, 3.0, 23);
  for (std::size_t windows = 1; windows <= 5; ++windows) {
    std::vector<kd::KeyWindow> w;
    for (std::size_t i = 0; i < windows; ++i) {
      const double lo = -2.0 + static_cast<double>(i) * 0.8;
      w.push_back({.rank = 0, .lo = kd::to_key(lo), .hi = kd::to_key(lo + 0.1), .below = 0});
    }
    w.push_back(w.front());  // the windows of k and k + 1 are often the same
    std::vector<std::uint64_t> counts(23), below(w.size()), inside(w.size());
    std::vector<std::uint64_t> counts2(23), below2(w.size()), inside2(w.size());
    kd::Candidates out, out2;
    kd::histogram_and_windows(v, edges, counts, w, below, inside, out);
    kd::count_histogram(v, edges, counts2);
    kd::scan_windows(v, w, below2, inside2, out2);
    EXPECT_EQ(counts, counts2) << windows;
    EXPECT_EQ(below, below2) << windows;
    EXPECT_EQ(inside, inside2) << windows;
    std::sort(out.begin(), out.end());
    std::sort(out2.begin(), out2.end());
    EXPECT_EQ(out, out2) << windows;
    EXPECT_GT(out.size(), 100U);
  }
}

TEST(DescribeHistogram, EdgesAndCountsAsNumpy) {
  // numpy.histogram([0, 1, 2, 3, 4, 5], bins=5) -> counts [1 1 1 1 2], edges [0 1 2 3 4 5]
  const auto edges = kd::histogram_edges(0.0, 5.0, 5);
  EXPECT_EQ(edges, (std::vector<double>{0, 1, 2, 3, 4, 5}));
  std::vector<std::uint64_t> counts(5);
  kd::count_histogram(std::vector<double>{0, 1, 2, 3, 4, 5, kNaN}, edges, counts);
  EXPECT_EQ(counts, (std::vector<std::uint64_t>{1, 1, 1, 1, 2}));
  // One distinct value: numpy widens the range by 0.5 on each side.
  EXPECT_EQ(kd::histogram_edges(3.0, 3.0, 2), (std::vector<double>{2.5, 3.0, 3.5}));
  EXPECT_TRUE(kd::histogram_edges(kNaN, kNaN, 3).empty());
}

TEST(DescribeHistogram, EveryValueLandsInTheBinItsEdgesSay) {
  const auto v = random_values(50'000, 0.0, 1.0, 5);
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  const auto edges = kd::histogram_edges(*lo, *hi, 37);
  std::vector<std::uint64_t> counts(37);
  kd::count_histogram(v, edges, counts);
  std::vector<std::uint64_t> expected(37);
  for (double x : v) {
    std::size_t k =
        static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), x) - edges.begin()) - 1;
    if (k == 37) k = 36;
    ++expected[k];
  }
  EXPECT_EQ(counts, expected);
}

// The vector path trusts the scaled position away from whole numbers and takes numpy's exact rule
// near them: values on the edges, one ulp either side, far from zero and with many bins must all land
// where the edges say, in batches long enough for the vector path.
TEST(DescribeHistogram, ValuesOnAndBesideEveryEdgeLandWhereTheEdgesSay) {
  struct Range {
    double min, max;
    std::size_t bins;
  };
  for (const Range r :
       {Range{0.0, 1.0, 10}, Range{-3.7, 12.9, 50}, Range{1e9, 1e9 + 1e-3, 7}, Range{-1e-300, 1e-300, 3},
        Range{0.1, 0.7, 1000}, Range{5.0, 5.0, 4}, Range{0.0, 2e-308, 10}, Range{-8e15, -8e15 + 64, 9}}) {
    const auto edges = kd::histogram_edges(r.min, r.max, r.bins);
    std::vector<double> v = random_values(20'000, 0.0, 1.0, 11);
    for (double& x : v)
      x = edges.front() + (edges.back() - edges.front()) * (0.5 + 0.2 * x);
    for (const double e : edges) {
      for (const double x : {e, std::nextafter(e, -kInf), std::nextafter(e, kInf)})
        v.push_back(x);
    }
    v.push_back(kNaN);
    v.push_back(kInf);
    v.push_back(edges.back() * 2 + 1);
    std::shuffle(v.begin(), v.end(), std::mt19937_64(r.bins));
    std::vector<std::uint64_t> counts(r.bins), expected(r.bins);
    kd::count_histogram(v, edges, counts);
    for (const double x : v) {
      if (!(x >= edges.front() && x <= edges.back())) continue;
      std::size_t k =
          static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), x) - edges.begin()) - 1;
      ++expected[std::min(k, r.bins - 1)];
    }
    EXPECT_EQ(counts, expected) << r.min << " .. " << r.max << ", " << r.bins << " bins";
  }
}

TEST(Expression, AppliesElementwiseAndKeepsMissing) {
  const parakit::kernels::Expression e("log(x) + 1");
  std::vector<double> v(3000, std::exp(2.0));
  v[7] = kNaN;
  e.apply(v, 2);
  EXPECT_DOUBLE_EQ(v[0], 3.0);
  EXPECT_DOUBLE_EQ(v[2999], 3.0);
  EXPECT_TRUE(std::isnan(v[7]));
}

TEST(Expression, BadExpressionsAreUsageErrors) {
  for (const char* bad : {"log(x", "y + 1", "foo(x)", ""}) {
    EXPECT_THROW(parakit::kernels::Expression{bad}, parakit::UsageError) << bad;
  }
  try {
    parakit::kernels::Expression e("x + y");
  } catch (const parakit::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--apply 'x + y'"), std::string::npos) << e.what();
  }
}

// The few-bin path (up to 16 bins: counts in bit fields of a vector accumulator, emptied before they
// overflow; sorted windows tested in the same sweep) against references written out here: the bin its
// edges say (numpy's rule, closed last bin) and the window tests one by one. Lengths cross the fields'
// emptying period and leave a tail; values lie on and beside every edge, and NaN, +-inf and values
// outside are mixed in. 17 bins and overlapping windows take the general path, and must agree as well.
TEST(DescribeHistogram, FewBinPathCountsAndWindowsEqualTheScalarRules) {
  for (const std::size_t bins : {1U, 2U, 3U, 7U, 8U, 9U, 10U, 13U, 16U, 17U}) {
    for (const std::size_t n :
         {std::size_t{5}, std::size_t{8 * 63 * 3 + 5}, std::size_t{8 * 255 + 3}, kd::kBlock}) {
      const auto edges = kd::histogram_edges(-2.5, 3.25, bins);
      std::vector<double> v = random_values(n, 0.0, 1.0, static_cast<unsigned>(bins + n));
      for (std::size_t i = 0; i < edges.size() && 3 * i + 2 < v.size(); ++i) {
        v[3 * i] = edges[i];
        v[3 * i + 1] = std::nextafter(edges[i], -kInf);
        v[3 * i + 2] = std::nextafter(edges[i], kInf);
      }
      const double specials[] = {kNaN, kInf, -kInf, 100.0, -100.0};
      for (std::size_t j = 0; j < std::size(specials); ++j)
        v[(v.size() * 7 + 37 * j) % v.size()] = specials[j];
      std::shuffle(v.begin(), v.end(), std::mt19937_64(n));
      std::vector<std::uint64_t> expected(bins);
      for (const double x : v) {
        if (!(x >= edges.front() && x <= edges.back())) continue;
        const auto k =
            static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), x) - edges.begin()) - 1;
        ++expected[std::min(k, bins - 1)];
      }
      std::vector<std::uint64_t> counts(bins);
      kd::count_histogram(v, edges, counts);
      EXPECT_EQ(counts, expected) << bins << " bins, " << n << " values";
      // Windows: none, sorted apart (given out of order, with a repeat), and two that overlap.
      const std::vector<std::vector<std::pair<double, double>>> cases = {
          {},
          {{0.5, 0.6}},
          {{0.5, 0.6}, {-1.0, -0.7}, {0.5, 0.6}, {edges[bins / 2], 2.0}},
          {{-0.5, 0.5}, {0.0, 1.0}}};
      for (const auto& spans : cases) {
        std::vector<kd::KeyWindow> w;
        for (const auto& [lo, hi] : spans)
          w.push_back({.rank = 0, .lo = kd::to_key(lo), .hi = kd::to_key(hi), .below = 0});
        std::vector<std::uint64_t> got(bins), below(w.size()), inside(w.size());
        kd::Candidates out;
        kd::histogram_and_windows(v, edges, got, w, below, inside, out);
        EXPECT_EQ(got, expected) << bins << " bins, " << n << " values, " << w.size() << " windows";
        std::vector<double> kept;
        for (std::size_t i = 0; i < w.size(); ++i) {
          const double lo = spans[i].first, hi = spans[i].second;
          EXPECT_EQ(below[i], static_cast<std::uint64_t>(
                                  std::count_if(v.begin(), v.end(), [&](double x) { return x < lo; })));
          EXPECT_EQ(inside[i], static_cast<std::uint64_t>(std::count_if(
                                   v.begin(), v.end(), [&](double x) { return x >= lo && x <= hi; })));
        }
        for (const double x : v) {
          if (std::any_of(spans.begin(), spans.end(),
                          [&](const auto& s) { return x >= s.first && x <= s.second; }))
            kept.push_back(x);
        }
        std::sort(out.begin(), out.end());
        std::sort(kept.begin(), kept.end());
        EXPECT_EQ(std::vector<double>(out.begin(), out.end()), kept)
            << bins << " bins, " << n << " values, " << w.size() << " windows";
      }
    }
  }
}
