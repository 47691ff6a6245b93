// The heat run of the MPI layer: the same field to the bit for every process grid, thread count,
// exchange mode, halo width and boundary, against a plain serial loop written here independently.
// Compiled with -ffp-contract=off (tests/CMakeLists.txt), like the kernel: the reference must round alike.

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/mpi/communicator.hpp>
#include <gtest/gtest.h>
#include <mpi.h>

#include "parakit/error.hpp"
#include "parakit/kernels/heat.hpp"
#include "parakit/mpi/heat.hpp"

using namespace parakit;
using kernels::heat::Boundary;
using kernels::heat::GridSize;
using kernels::heat::Init;

namespace {

// The whole grid, one cell at a time, boundary conditions written out: what every layout must equal.
std::vector<double> reference(std::vector<double> u, GridSize g, std::int64_t steps, double r, Boundary bc,
                              std::vector<double>* residuals = nullptr) {
  std::vector<double> next(u.size());
  const auto rows = g.rows;
  const auto cols = g.cols;
  auto value = [&](std::int64_t i, std::int64_t j) -> double {
    if (bc == Boundary::kPeriodic) {
      i = (i + rows) % rows;
      j = (j + cols) % cols;
    } else if (i < 0 || i >= rows || j < 0 || j >= cols) {
      if (bc == Boundary::kFixed) return 0.0;
      i = i < 0 ? 0 : i >= rows ? rows - 1 : i;  // insulated: the mirror of the cell inside
      j = j < 0 ? 0 : j >= cols ? cols - 1 : j;
    }
    return u[static_cast<std::size_t>(i * cols + j)];
  };
  for (std::int64_t t = 0; t < steps; ++t) {
    double largest = 0.0;
    for (std::int64_t i = 0; i < rows; ++i) {
      for (std::int64_t j = 0; j < cols; ++j) {
        const double c = value(i, j);
        const double n = value(i - 1, j);
        const double s = value(i + 1, j);
        const double w = value(i, j - 1);
        const double e = value(i, j + 1);
        const double v = c + r * ((n + s) + (w + e) - 4.0 * c);
        next[static_cast<std::size_t>(i * cols + j)] = v;
        largest = std::max(largest, std::fabs(v - c));
      }
    }
    if (residuals != nullptr) residuals->push_back(largest);
    u.swap(next);
  }
  return u;
}

mpi::RunOptions runs(int threads, int repeat, int warmup) {
  mpi::RunOptions o;
  o.threads = threads;
  o.repeat = repeat;
  o.warmup = warmup;
  return o;
}

// Options with the grid and the steps, the rest as given by the fields after it.
mpi::HeatOptions heat(GridSize grid, std::int64_t steps) {
  mpi::HeatOptions h;
  h.grid = grid;
  h.steps = steps;
  return h;
}

struct Case {
  mpi::Exchange exchange;
  int halo;
  Boundary bc;
  GridSize procs;
  int threads;
};

std::string name(const Case& c) {
  return std::string(mpi::exchange_name(c.exchange)) + " halo " + std::to_string(c.halo) + " " +
         kernels::heat::boundary_name(c.bc) + " procs " + kernels::heat::grid_name(c.procs) + " threads " +
         std::to_string(c.threads);
}

// The process grids to try on this many ranks: MPI_Dims_create's, Px1, 1xP and 2x2.
std::vector<GridSize> process_grids(int ranks) {
  std::vector<GridSize> grids = {{0, 0}, {ranks, 1}, {1, ranks}};
  if (ranks == 4) grids.push_back({2, 2});
  return grids;
}

}  // namespace

TEST(HeatMpi, every_layout_exchange_halo_and_boundary_gives_the_serial_field_to_the_bit) {
  const boost::mpi::communicator world;
  const GridSize grid{37, 53};   // divides evenly by nothing here
  const std::int64_t steps = 7;  // not a multiple of any halo width but 1
  const double r = 0.24;
  const auto initial = kernels::heat::initial_field(Init::kRandom, grid, 11, 1);
  for (const Boundary bc : {Boundary::kFixed, Boundary::kInsulated, Boundary::kPeriodic}) {
    const auto expected = reference(initial, grid, steps, r, bc);
    for (const auto exchange : {mpi::Exchange::kBlocking, mpi::Exchange::kOverlap, mpi::Exchange::kShared}) {
      for (const int halo : {1, 2, 3}) {
        for (const GridSize procs : process_grids(world.size())) {
          for (const int threads : {1, 2}) {
            const Case c{exchange, halo, bc, procs, threads};
            auto h = heat(grid, steps);
            h.r = r;
            h.bc = bc;
            h.exchange = exchange;
            h.halo = halo;
            h.procs = procs;
            const auto result = mpi::run_heat(world, world.rank() == 0 ? initial : std::vector<double>{}, h,
                                              runs(threads, 2, 0));
            EXPECT_EQ(result.steps_done, steps) << name(c);
            if (world.rank() == 0) {
              ASSERT_EQ(result.field.size(), expected.size()) << name(c);
              EXPECT_TRUE(result.field == expected) << name(c);
              ASSERT_EQ(result.per_rank.size(), static_cast<std::size_t>(world.size()));
            }
          }
        }
      }
    }
  }
}

TEST(HeatMpi, blocks_tile_the_grid_and_messages_and_bytes_are_counted) {
  const boost::mpi::communicator world;
  const GridSize grid{30, 20};
  const auto initial = kernels::heat::initial_field(Init::kHotspot, grid, 0, 1);
  auto h = heat(grid, 6);
  h.r = 0.25;
  h.bc = Boundary::kFixed;
  h.halo = 2;
  const auto result = mpi::run_heat(world, initial, h, runs(1, 1, 0));
  if (world.rank() != 0) return;
  EXPECT_EQ(result.procs, kernels::heat::balanced_dims(world.size()));
  std::int64_t cells = 0;
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  for (const auto& p : result.per_rank) {
    cells += p.rows * p.cols;
    messages += p.messages_sent;
    bytes += p.bytes_sent;
    EXPECT_EQ(p.shared_neighbours, 0);
    EXPECT_GE(p.update_s, 0.0);
  }
  EXPECT_EQ(cells, grid.cells());
  // Three exchanges (every 2 steps of 6); each rank sends one message per neighbour, corners included.
  const auto procs = result.procs;
  const std::int64_t faces = 2 * (procs.rows * (procs.cols - 1) + procs.cols * (procs.rows - 1));
  const std::int64_t corners = 4 * (procs.rows - 1) * (procs.cols - 1);
  EXPECT_EQ(messages, static_cast<std::uint64_t>(3 * (faces + corners)));
  if (world.size() == 1) {
    EXPECT_EQ(bytes, 0U);
  }
  if (world.size() == 2) {
    // 2x1: each rank sends 2 rows of 20 doubles per exchange.
    EXPECT_EQ(bytes, 3U * 2U * 2U * 20U * 8U);
  }
}

TEST(HeatMpi, shared_windows_and_messages_mix_when_a_node_holds_only_some_ranks) {
  const boost::mpi::communicator world;
  const GridSize grid{29, 31};
  const auto initial = kernels::heat::initial_field(Init::kRandom, grid, 5, 1);
  const auto expected = reference(initial, grid, 9, 0.25, Boundary::kPeriodic);
  // Pretend the ranks sit two to a node.
  const boost::mpi::communicator node = world.split(world.rank() / 2);
  for (const int halo : {1, 2}) {
    auto h = heat(grid, 9);
    h.r = 0.25;
    h.bc = Boundary::kPeriodic;
    h.exchange = mpi::Exchange::kShared;
    h.halo = halo;
    h.procs = {1, world.size()};
    const auto result = mpi::detail::run_heat(world, node, initial, h, runs(2, 1, 0));
    if (world.rank() != 0) continue;
    EXPECT_TRUE(result.field == expected) << "halo " << halo;
    int shared = 0;
    int messages = 0;
    for (const auto& p : result.per_rank) {
      shared += p.shared_neighbours;
      messages += p.message_neighbours;
    }
    if (world.size() >= 3) {
      EXPECT_GT(shared, 0);
      EXPECT_GT(messages, 0);
    }
  }
}

TEST(HeatMpi, the_residual_is_the_serial_one_and_tol_stops_every_rank_at_the_same_step) {
  const boost::mpi::communicator world;
  const GridSize grid{24, 24};
  const auto initial = kernels::heat::initial_field(Init::kHotspot, grid, 0, 1);
  std::vector<double> residuals;
  reference(initial, grid, 40, 0.25, Boundary::kInsulated, &residuals);
  auto h = heat(grid, 40);
  h.r = 0.25;
  h.bc = Boundary::kInsulated;
  h.check = 5;
  auto result = mpi::run_heat(world, initial, h, runs(1, 1, 0));
  ASSERT_EQ(result.residuals.size(), 8U);
  for (std::size_t k = 0; k < 8; ++k) {
    EXPECT_EQ(result.residuals[k].first, static_cast<std::int64_t>(5 * (k + 1)));
    EXPECT_EQ(result.residuals[k].second, residuals[5 * (k + 1) - 1]);
  }
  // Stop at the first check whose residual is at most the one of step 20.
  h.tol = residuals[19];
  h.halo = 2;
  result = mpi::run_heat(world, initial, h, runs(2, 1, 0));
  EXPECT_EQ(result.steps_done, 20);
  if (world.rank() == 0) {
    EXPECT_TRUE(result.field == reference(initial, grid, 20, 0.25, Boundary::kInsulated));
  }
}

TEST(HeatMpi, frames_come_every_k_steps_and_at_the_end_on_the_last_run_only) {
  const boost::mpi::communicator world;
  const GridSize grid{16, 12};
  const auto initial = kernels::heat::initial_field(Init::kHotspot, grid, 0, 1);
  std::vector<std::int64_t> seen;
  auto h = heat(grid, 10);
  h.r = 0.25;
  h.bc = Boundary::kFixed;
  h.every = 4;
  h.frame = [&](std::int64_t step, std::span<const double> field) {
    seen.push_back(step);
    EXPECT_EQ(field.size(), 192U);
    EXPECT_TRUE(std::vector<double>(field.begin(), field.end()) ==
                reference(initial, grid, step, 0.25, Boundary::kFixed));
  };
  mpi::run_heat(world, initial, h, runs(1, 2, 1));
  if (world.rank() == 0) {
    EXPECT_EQ(seen, (std::vector<std::int64_t>{0, 4, 8, 10}));
  } else {
    EXPECT_TRUE(seen.empty());
  }
}

TEST(HeatMpi, layouts_that_cannot_run_fail_on_every_rank_with_one_line) {
  const boost::mpi::communicator world;
  const auto initial = kernels::heat::initial_field(Init::kHotspot, {8, 8}, 0, 1);
  auto message = [&](mpi::HeatOptions h) -> std::string {
    try {
      mpi::run_heat(world, initial, h, runs(1, 1, 0));
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  };
  auto ok = heat({8, 8}, 2);
  auto h = ok;
  h.procs = {world.size() + 1, 1};
  EXPECT_NE(message(h).find("--procs: " + std::to_string(world.size() + 1) + "x1 is"), std::string::npos);
  h = ok;
  h.r = 0.3;
  EXPECT_NE(message(h).find("0 < r <= 0.25"), std::string::npos);
  h = ok;
  h.halo = 9;
  EXPECT_NE(message(h).find("--halo: 9 is deeper than the smallest block"), std::string::npos);
  if (world.size() > 1) {
    h = ok;
    h.grid = {1, 8};
    h.procs = {world.size(), 1};
    const auto small = kernels::heat::initial_field(Init::kHotspot, {1, 8}, 0, 1);
    try {
      mpi::run_heat(world, small, h, runs(1, 1, 0));
      ADD_FAILURE();
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("is smaller than the process grid"), std::string::npos);
    }
  }
}

TEST(HeatMpi, a_value_that_stops_being_finite_ends_the_run_on_every_rank_naming_step_rank_and_cell) {
  const boost::mpi::communicator world;
  const GridSize grid{12, 10};
  std::vector<double> initial(120, 0.0);
  // Two huge neighbours at the bottom right: their sum overflows in the first step.
  initial[11 * 10 + 9] = 1e308;
  initial[11 * 10 + 8] = 1e308;
  auto h = heat(grid, 6);
  h.r = 0.25;
  h.bc = Boundary::kFixed;
  h.procs = {world.size(), 1};
  h.check = 2;
  try {
    mpi::run_heat(world, initial, h, runs(1, 1, 0));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("step 2: a value stopped being finite on rank " + std::to_string(world.size() - 1)),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("at cell (10, 8)"), std::string::npos) << what;
  }
}

TEST(HeatMpi, balanced_dims_is_what_the_mpi_library_creates) {
  for (int n = 1; n <= 64; ++n) {
    int dims[2] = {0, 0};
    ASSERT_EQ(MPI_Dims_create(n, 2, dims), MPI_SUCCESS);
    EXPECT_EQ(kernels::heat::balanced_dims(n), (GridSize{dims[0], dims[1]})) << n;
  }
}
