#include "parakit/kernels/heat.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

using namespace parakit::kernels::heat;

namespace {

// A whole grid as one block with a halo of 1, its edges all the grid's.
struct OneBlock {
  BlockShape shape;
  std::vector<double> a, b;
  explicit OneBlock(GridSize g, const std::vector<double>& field)
      : shape{g.rows, g.cols, 1},
        a(static_cast<std::size_t>(shape.stored()), 0.0),
        b(static_cast<std::size_t>(shape.stored()), 0.0) {
    for (std::int64_t i = 0; i < g.rows; ++i)
      for (std::int64_t j = 0; j < g.cols; ++j)
        a[static_cast<std::size_t>(shape.at(i, j))] = field[static_cast<std::size_t>(i * g.cols + j)];
  }
  [[nodiscard]] Region owned() const { return {0, shape.rows, 0, shape.cols}; }
  double run(std::int64_t steps, double r, Boundary bc, int threads) {
    double change = 0.0;
    for (std::int64_t t = 0; t < steps; ++t) {
      fill_edges(a.data(), shape, {true, true, true, true}, bc);
      change = step(a.data(), b.data(), shape, owned(), r, threads, true, owned());
      a.swap(b);
    }
    return change;
  }
  [[nodiscard]] double at(std::int64_t i, std::int64_t j) const {
    return a[static_cast<std::size_t>(shape.at(i, j))];
  }
  [[nodiscard]] double sum() const {
    double s = 0.0;
    for (std::int64_t i = 0; i < shape.rows; ++i)
      for (std::int64_t j = 0; j < shape.cols; ++j)
        s += at(i, j);
    return s;
  }
};

}  // namespace

TEST(HeatKernel, balanced_dims_are_the_closest_divisor_pair_larger_first) {
  EXPECT_EQ(balanced_dims(1), (GridSize{1, 1}));
  EXPECT_EQ(balanced_dims(2), (GridSize{2, 1}));
  EXPECT_EQ(balanced_dims(3), (GridSize{3, 1}));
  EXPECT_EQ(balanced_dims(4), (GridSize{2, 2}));
  EXPECT_EQ(balanced_dims(6), (GridSize{3, 2}));
  EXPECT_EQ(balanced_dims(12), (GridSize{4, 3}));
  EXPECT_EQ(balanced_dims(16), (GridSize{4, 4}));
  EXPECT_EQ(balanced_dims(30), (GridSize{6, 5}));
  EXPECT_EQ(balanced_dims(7), (GridSize{7, 1}));
}

TEST(HeatKernel, one_step_spreads_a_point_by_r_to_each_neighbour) {
  const GridSize g{5, 5};
  std::vector<double> f(25, 0.0);
  f[12] = 1.0;
  OneBlock block(g, f);
  block.run(1, 0.2, Boundary::kFixed, 1);
  EXPECT_DOUBLE_EQ(block.at(2, 2), 1.0 - 4 * 0.2);
  EXPECT_DOUBLE_EQ(block.at(1, 2), 0.2);
  EXPECT_DOUBLE_EQ(block.at(3, 2), 0.2);
  EXPECT_DOUBLE_EQ(block.at(2, 1), 0.2);
  EXPECT_DOUBLE_EQ(block.at(2, 3), 0.2);
  EXPECT_EQ(block.at(1, 1), 0.0);
}

TEST(HeatKernel, fixed_edges_are_zero_and_insulated_edges_mirror_the_inside) {
  BlockShape s{3, 4, 2};
  std::vector<double> a(static_cast<std::size_t>(s.stored()), -1.0);
  for (std::int64_t i = 0; i < 3; ++i)
    for (std::int64_t j = 0; j < 4; ++j)
      a[static_cast<std::size_t>(s.at(i, j))] = static_cast<double>(10 * i + j);
  fill_edges(a.data(), s, {true, false, true, false}, Boundary::kInsulated);
  EXPECT_EQ(a[static_cast<std::size_t>(s.at(-1, 2))], 2.0);   // row -1 mirrors row 0
  EXPECT_EQ(a[static_cast<std::size_t>(s.at(-2, 2))], 12.0);  // row -2 mirrors row 1
  EXPECT_EQ(a[static_cast<std::size_t>(s.at(1, -1))], 10.0);  // column -1 mirrors column 0
  EXPECT_EQ(a[static_cast<std::size_t>(s.at(1, -2))], 11.0);
  EXPECT_EQ(a[static_cast<std::size_t>(s.at(3, 1))], -1.0);  // south and east untouched
  EXPECT_EQ(a[static_cast<std::size_t>(s.at(1, 4))], -1.0);
  fill_edges(a.data(), s, {false, true, false, true}, Boundary::kFixed);
  EXPECT_EQ(a[static_cast<std::size_t>(s.at(3, 1))], 0.0);
  EXPECT_EQ(a[static_cast<std::size_t>(s.at(4, 1))], 0.0);
  EXPECT_EQ(a[static_cast<std::size_t>(s.at(1, 5))], 0.0);
  fill_edges(a.data(), s, {true, true, true, true}, Boundary::kPeriodic);  // nothing: neighbours fill it
  EXPECT_EQ(a[static_cast<std::size_t>(s.at(-1, 2))], 2.0);
}

TEST(HeatKernel, a_step_is_the_same_to_the_bit_for_any_threads_and_any_split_of_its_region) {
  const GridSize g{41, 67};
  const auto f = initial_field(Init::kRandom, g, 7, 1);
  OneBlock whole(g, f);
  OneBlock split(g, f);
  for (int t = 0; t < 5; ++t) {
    fill_edges(whole.a.data(), whole.shape, {true, true, true, true}, Boundary::kFixed);
    step(whole.a.data(), whole.b.data(), whole.shape, whole.owned(), 0.23, 1);
    whole.a.swap(whole.b);
    // Odd pieces: vector bodies and scalar tails meet at other columns.
    fill_edges(split.a.data(), split.shape, {true, true, true, true}, Boundary::kFixed);
    for (const Region& r :
         {Region{0, 13, 0, 67}, Region{13, 41, 0, 5}, Region{13, 41, 5, 66}, Region{13, 41, 66, 67}})
      step(split.a.data(), split.b.data(), split.shape, r, 0.23, 3);
    split.a.swap(split.b);
  }
  for (std::int64_t i = 0; i < g.rows; ++i)
    for (std::int64_t j = 0; j < g.cols; ++j)
      ASSERT_EQ(whole.at(i, j), split.at(i, j)) << i << "," << j;
}

TEST(HeatKernel, insulated_edges_conserve_the_total_heat) {
  const GridSize g{33, 47};
  OneBlock block(g, initial_field(Init::kRandom, g, 3, 2));
  const double before = block.sum();
  block.run(500, 0.25, Boundary::kInsulated, 2);
  EXPECT_NEAR(block.sum(), before, 1e-12 * before);
  // and it spreads: the field is nearly flat after 500 steps
  EXPECT_LT(std::fabs(block.at(0, 0) - before / static_cast<double>(g.cells())), 0.2);
}

TEST(HeatKernel, the_sine_mode_decays_by_its_discrete_factor_and_near_the_heat_equations_rate) {
  const GridSize g{51, 71};
  const double r = 0.25;
  const std::int64_t steps = 400;
  const auto f = initial_field(Init::kSine, g, 0, 1);
  OneBlock block(g, f);
  block.run(steps, r, Boundary::kFixed, 2);
  const double amplitude = block.at(25, 35) / f[static_cast<std::size_t>(25 * g.cols + 35)];
  const double discrete = std::pow(sine_factor_per_step(g, r), static_cast<double>(steps));
  EXPECT_NEAR(amplitude, discrete, 1e-12);
  // Every cell decays by the same factor: it is an eigenvector of the scheme.
  EXPECT_NEAR(block.at(3, 60) / f[static_cast<std::size_t>(3 * g.cols + 60)], discrete, 1e-12);
  // The continuous rate exp(-lambda r n): the scheme's error is O(h^2) relative in lambda, about
  // lambda h^2 / 12 here, so the amplitudes agree to a fraction of a percent.
  const double continuous = std::exp(-sine_lambda(g) * r * static_cast<double>(steps));
  EXPECT_NEAR(amplitude / continuous, 1.0, 2e-3);
  EXPECT_GT(std::fabs(amplitude / continuous - 1.0), 1e-6);  // but the scheme is not exact
}

TEST(HeatKernel, initial_fields_do_not_depend_on_threads_and_have_their_shape) {
  const GridSize g{64, 48};
  EXPECT_EQ(initial_field(Init::kRandom, g, 42, 1), initial_field(Init::kRandom, g, 42, 4));
  EXPECT_NE(initial_field(Init::kRandom, g, 42, 1), initial_field(Init::kRandom, g, 43, 1));
  const auto hot = initial_field(Init::kHotspot, g, 0, 3);
  EXPECT_EQ(hot[static_cast<std::size_t>(32 * 48 + 24)], 1.0);
  EXPECT_EQ(hot[0], 0.0);
  double heat = 0.0;
  for (const double v : hot)
    heat += v;
  EXPECT_NEAR(heat, 3.14159 * 6 * 6, 12.0);  // a disc of radius 48/8 = 6
  const auto sine = initial_field(Init::kSine, {1, 1}, 0, 1);
  EXPECT_DOUBLE_EQ(sine[0], 1.0);  // sin(pi/2)^2
  for (const double v : initial_field(Init::kRandom, g, 1, 2)) {
    ASSERT_GE(v, 0.0);
    ASSERT_LT(v, 1.0);
  }
}

TEST(HeatKernel, the_residual_is_the_largest_change_and_nan_once_a_value_is_not_finite) {
  const GridSize g{5, 5};
  std::vector<double> f(25, 0.0);
  f[12] = 1.0;
  OneBlock block(g, f);
  EXPECT_DOUBLE_EQ(block.run(1, 0.2, Boundary::kFixed, 1), 0.8);
  block.a[static_cast<std::size_t>(block.shape.at(4, 4))] = 1e308;
  block.a[static_cast<std::size_t>(block.shape.at(4, 3))] = 1e308;
  EXPECT_TRUE(std::isnan(block.run(1, 0.25, Boundary::kFixed, 2)));
  EXPECT_EQ(first_non_finite(block.a.data(), block.shape, block.owned()),
            (std::pair<std::int64_t, std::int64_t>{4, 3}));  // 1e308 - 4e308 overflows first
}

TEST(HeatKernel, the_summary_checksum_sees_one_bit) {
  std::vector<double> f = {1.0, -2.0, 3.5, 0.0};
  const auto s = summarize_field(f.data(), f.size());
  EXPECT_EQ(s.sum, 2.5);
  EXPECT_EQ(s.min, -2.0);
  EXPECT_EQ(s.max, 3.5);
  f[3] = -0.0;  // equal as numbers, not as bits
  EXPECT_NE(summarize_field(f.data(), f.size()).checksum, s.checksum);
  f[3] = 0.0;
  EXPECT_EQ(summarize_field(f.data(), f.size()).checksum, s.checksum);
}

TEST(HeatKernel, names_and_grids_print) {
  EXPECT_STREQ(boundary_name(Boundary::kInsulated), "insulated");
  EXPECT_STREQ(init_name(Init::kSine), "sine");
  EXPECT_EQ(grid_name({8192, 100}), "8192x100");
}

TEST(HeatKernel, blocks_larger_than_the_caches_stream_their_stores_and_give_the_same_bits) {
  // Two buffers of 4100 x 2051 doubles (with the halo) pass kStreamingBytes: the streaming path runs.
  const BlockShape s{4098, 2049, 1};
  ASSERT_GE(static_cast<std::uint64_t>(s.stored()) * 16, kStreamingBytes);
  std::vector<double> in(static_cast<std::size_t>(s.stored()));
  for (std::size_t k = 0; k < in.size(); ++k)
    in[k] = static_cast<double>((k * 2654435761U) % 1000) / 7.0;
  std::vector<double> out(in.size(), 0.0);
  const Region owned{0, s.rows, 0, s.cols};
  step(in.data(), out.data(), s, owned, 0.21, 2);
  for (const std::int64_t i : {0L, 1L, 2047L, 4097L}) {
    for (std::int64_t j = 0; j < s.cols; ++j) {
      const double c = in[static_cast<std::size_t>(s.at(i, j))];
      const double n = in[static_cast<std::size_t>(s.at(i - 1, j))];
      const double so = in[static_cast<std::size_t>(s.at(i + 1, j))];
      const double w = in[static_cast<std::size_t>(s.at(i, j - 1))];
      const double e = in[static_cast<std::size_t>(s.at(i, j + 1))];
      ASSERT_EQ(out[static_cast<std::size_t>(s.at(i, j))], c + 0.21 * ((n + so) + (w + e) - 4.0 * c))
          << i << "," << j;
    }
  }
}
