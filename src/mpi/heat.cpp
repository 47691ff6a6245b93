#include "parakit/mpi/heat.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include <boost/mpi/collectives/gather.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <fmt/format.h>
#include <mpi.h>

#include "parakit/error.hpp"
#include "parakit/kernels/partition.hpp"
#include "parakit/mpi/agree.hpp"
#include "parakit/mpi/check.hpp"
#include "parakit/mpi/watchdog.hpp"
#include "parakit/quote.hpp"
#include "parakit/report/statistics.hpp"

namespace parakit::mpi {
namespace {

using kernels::heat::BlockShape;
using kernels::heat::Boundary;
using kernels::heat::GridSize;
using kernels::heat::Region;

// The eight neighbours, faces first. A message travelling towards direction d carries tag d.
enum Direction : int {
  kNorth,
  kSouth,
  kWest,
  kEast,
  kNorthWest,
  kNorthEast,
  kSouthWest,
  kSouthEast,
  kDirections
};
constexpr int kRowStep[kDirections] = {-1, 1, 0, 0, -1, -1, 1, 1};
constexpr int kColStep[kDirections] = {0, 0, -1, 1, -1, 1, -1, 1};
constexpr int kOpposite[kDirections] = {kSouth,     kNorth,     kEast,      kWest,
                                        kSouthEast, kSouthWest, kNorthEast, kNorthWest};

// Rows (or columns) [first, last) of the grid that process row (column) @p part of @p parts owns.
std::pair<std::int64_t, std::int64_t> span_of(std::int64_t n, int part, int parts) {
  const auto r = kernels::block_range(static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(part),
                                      static_cast<std::uint64_t>(parts));
  return {static_cast<std::int64_t>(r.first), static_cast<std::int64_t>(r.last)};
}

// A rank's place: its process-grid coordinates and its block of the grid.
struct Place {
  int row = 0;
  int col = 0;
  std::int64_t row0 = 0;
  std::int64_t col0 = 0;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
};

Place place_of(GridSize grid, GridSize procs, int prow, int pcol) {
  const auto [r0, r1] = span_of(grid.rows, prow, static_cast<int>(procs.rows));
  const auto [c0, c1] = span_of(grid.cols, pcol, static_cast<int>(procs.cols));
  return {prow, pcol, r0, c0, r1 - r0, c1 - c0};
}

// The cells of a block that go to (or come from) the neighbour in direction d: own cells for sending,
// halo cells for receiving.
Region send_region(const BlockShape& s, int d) {
  const std::int64_t h = s.halo;
  const std::int64_t r0 = kRowStep[d] < 0 ? 0 : kRowStep[d] > 0 ? s.rows - h : 0;
  const std::int64_t r1 = kRowStep[d] < 0 ? h : kRowStep[d] > 0 ? s.rows : s.rows;
  const std::int64_t c0 = kColStep[d] < 0 ? 0 : kColStep[d] > 0 ? s.cols - h : 0;
  const std::int64_t c1 = kColStep[d] < 0 ? h : kColStep[d] > 0 ? s.cols : s.cols;
  return {r0, r1, c0, c1};
}

Region halo_region(const BlockShape& s, int d) {
  const std::int64_t h = s.halo;
  const std::int64_t r0 = kRowStep[d] < 0 ? -h : kRowStep[d] > 0 ? s.rows : 0;
  const std::int64_t r1 = kRowStep[d] < 0 ? 0 : kRowStep[d] > 0 ? s.rows + h : s.rows;
  const std::int64_t c0 = kColStep[d] < 0 ? -h : kColStep[d] > 0 ? s.cols : 0;
  const std::int64_t c1 = kColStep[d] < 0 ? 0 : kColStep[d] > 0 ? s.cols + h : s.cols;
  return {r0, r1, c0, c1};
}

// An MPI datatype that frees itself.
class Datatype {
 public:
  Datatype() = default;
  explicit Datatype(MPI_Datatype type) : type_(type) { PARAKIT_MPI_CHECK(MPI_Type_commit(&type_)); }
  Datatype(const Datatype&) = delete;
  Datatype& operator=(const Datatype&) = delete;
  Datatype(Datatype&& other) noexcept : type_(std::exchange(other.type_, MPI_DATATYPE_NULL)) {}
  Datatype& operator=(Datatype&& other) noexcept {
    std::swap(type_, other.type_);
    return *this;
  }
  ~Datatype() {
    if (type_ != MPI_DATATYPE_NULL) MPI_Type_free(&type_);
  }
  [[nodiscard]] MPI_Datatype get() const { return type_; }

 private:
  MPI_Datatype type_ = MPI_DATATYPE_NULL;
};

// The rectangle [row0, row1) x [col0, col1) of a rows x cols row-major array of doubles.
Datatype subarray(std::int64_t rows, std::int64_t cols, std::int64_t row0, std::int64_t row1,
                  std::int64_t col0, std::int64_t col1) {
  const int sizes[2] = {static_cast<int>(rows), static_cast<int>(cols)};
  const int subsizes[2] = {static_cast<int>(row1 - row0), static_cast<int>(col1 - col0)};
  const int starts[2] = {static_cast<int>(row0), static_cast<int>(col0)};
  MPI_Datatype type = MPI_DATATYPE_NULL;
  PARAKIT_MPI_CHECK(MPI_Type_create_subarray(2, sizes, subsizes, starts, MPI_ORDER_C, MPI_DOUBLE, &type));
  return Datatype(type);
}

// A region of a block (in block coordinates) as a datatype over the block's stored array.
Datatype block_type(const BlockShape& s, const Region& r) {
  const std::int64_t h = s.halo;
  return subarray(s.rows + 2 * h, s.stride(), r.row0 + h, r.row1 + h, r.col0 + h, r.col1 + h);
}

// A communicator that frees itself.
class Comm {
 public:
  Comm() = default;
  explicit Comm(MPI_Comm comm) : comm_(comm) {}
  Comm(const Comm&) = delete;
  Comm& operator=(const Comm&) = delete;
  ~Comm() {
    if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
  }
  [[nodiscard]] MPI_Comm get() const { return comm_; }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
};

// A shared-memory window that frees itself (after its passive epoch).
class SharedWindow {
 public:
  SharedWindow(MPI_Comm node, std::int64_t doubles) {
    MPI_Info info = MPI_INFO_NULL;
    PARAKIT_MPI_CHECK(MPI_Info_create(&info));
    PARAKIT_MPI_CHECK(MPI_Info_set(info, "alloc_shared_noncontig", "true"));
    void* base = nullptr;
    const int rc = MPI_Win_allocate_shared(static_cast<MPI_Aint>(doubles) * 8, 8, info, node, &base, &win_);
    MPI_Info_free(&info);
    PARAKIT_MPI_CHECK(rc);
    base_ = static_cast<double*>(base);
    PARAKIT_MPI_CHECK(MPI_Win_lock_all(MPI_MODE_NOCHECK, win_));
  }
  SharedWindow(const SharedWindow&) = delete;
  SharedWindow& operator=(const SharedWindow&) = delete;
  ~SharedWindow() {
    MPI_Win_unlock_all(win_);
    MPI_Win_free(&win_);
  }
  [[nodiscard]] double* base() const { return base_; }
  [[nodiscard]] double* of(int node_rank) const {
    MPI_Aint size = 0;
    int unit = 0;
    void* p = nullptr;
    PARAKIT_MPI_CHECK(MPI_Win_shared_query(win_, node_rank, &size, &unit, &p));
    return static_cast<double*>(p);
  }
  // Makes every rank's stores to the window visible to every other rank of @p node: sync, barrier, sync.
  void fence(MPI_Comm node) const {
    PARAKIT_MPI_CHECK(MPI_Win_sync(win_));
    PARAKIT_MPI_CHECK(MPI_Barrier(node));
    PARAKIT_MPI_CHECK(MPI_Win_sync(win_));
  }

 private:
  MPI_Win win_ = MPI_WIN_NULL;
  double* base_ = nullptr;
};

// What one run measured on this rank.
struct RunCounters {
  double update_s = 0.0;
  double exchange_s = 0.0;
  double hidden_s = 0.0;
  double check_s = 0.0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t bytes_read_shared = 0;
};

// Everything a rank needs to run: its block, its neighbours, its datatypes, its two buffers.
class HeatRank {
 public:
  HeatRank(const boost::mpi::communicator& comm, MPI_Comm cart, const boost::mpi::communicator& node,
           const HeatOptions& heat, int threads, bool shared)
      : comm_(comm), cart_(cart), node_(node), heat_(heat), threads_(threads) {
    int coords[2] = {0, 0};
    PARAKIT_MPI_CHECK(MPI_Cart_coords(cart_, comm.rank(), 2, coords));
    place_ = place_of(heat.grid, heat.procs, coords[0], coords[1]);
    shape_ = {place_.rows, place_.cols, heat.halo};
    owned_ = {0, place_.rows, 0, place_.cols};
    const bool periodic = heat.bc == Boundary::kPeriodic;
    edges_ = {.north = !periodic && place_.row == 0,
              .south = !periodic && place_.row == heat.procs.rows - 1,
              .west = !periodic && place_.col == 0,
              .east = !periodic && place_.col == heat.procs.cols - 1};
    // Corners matter only when a step updates halo cells, i.e. for halos deeper than 1.
    directions_ = heat.halo > 1 ? kDirections : 4;
    for (int d = 0; d < directions_; ++d) {
      neighbour_[d] = neighbour(coords, d);
      send_type_[d] = block_type(shape_, send_region(shape_, d));
      halo_type_[d] = block_type(shape_, halo_region(shape_, d));
    }
    owned_type_ = block_type(shape_, owned_);
    if (comm.rank() == 0) {
      for (int q = 0; q < comm.size(); ++q) {
        int c[2] = {0, 0};
        PARAKIT_MPI_CHECK(MPI_Cart_coords(cart_, q, 2, c));
        const Place p = place_of(heat.grid, heat.procs, c[0], c[1]);
        field_type_.push_back(
            subarray(heat.grid.rows, heat.grid.cols, p.row0, p.row0 + p.rows, p.col0, p.col0 + p.cols));
      }
    }
    if (shared) {
      window_.emplace(node_, 2 * shape_.stored());
      buffer_[0] = window_->base();
      buffer_[1] = window_->base() + shape_.stored();
      connect_window();
    } else {
      storage_.assign(static_cast<std::size_t>(2 * shape_.stored()), 0.0);
      buffer_[0] = storage_.data();
      buffer_[1] = storage_.data() + shape_.stored();
    }
    std::fill(buffer_[0], buffer_[0] + 2 * shape_.stored(), 0.0);  // both buffers, one after the other
  }

  [[nodiscard]] const Place& place() const { return place_; }
  [[nodiscard]] int shared_neighbours() const {
    return static_cast<int>(
        std::count_if(peer_, peer_ + directions_, [](const double* p) { return p != nullptr; }));
  }
  [[nodiscard]] int message_neighbours() const {
    int n = 0;
    for (int d = 0; d < directions_; ++d)
      n += neighbour_[d] != MPI_PROC_NULL && peer_[d] == nullptr ? 1 : 0;
    return n;
  }

  // Rank 0's field to every rank's block (each rank receives its own rectangle, no copies per block).
  void scatter(const std::vector<double>& initial) {
    current_ = 0;
    std::vector<MPI_Request> requests;
    requests.reserve(static_cast<std::size_t>(comm_.size()) + 1);
    requests.emplace_back();
    PARAKIT_MPI_CHECK(MPI_Irecv(buffer_[0], 1, owned_type_.get(), 0, kFieldTag, comm_, &requests.back()));
    if (comm_.rank() == 0) {
      for (int q = 0; q < comm_.size(); ++q) {
        requests.emplace_back();
        PARAKIT_MPI_CHECK(MPI_Isend(initial.data(), 1, field_type_[static_cast<std::size_t>(q)].get(), q,
                                    kFieldTag, comm_, &requests.back()));
      }
    }
    PARAKIT_MPI_CHECK(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE));
  }

  // Every rank's block to rank 0's @p field (rows x cols; rank 0 only).
  void gather(std::vector<double>& field) {
    std::vector<MPI_Request> requests;
    if (comm_.rank() == 0) {
      field.resize(static_cast<std::size_t>(heat_.grid.cells()));
      for (int q = 0; q < comm_.size(); ++q) {
        requests.emplace_back();
        PARAKIT_MPI_CHECK(MPI_Irecv(field.data(), 1, field_type_[static_cast<std::size_t>(q)].get(), q,
                                    kFieldTag, comm_, &requests.back()));
      }
    }
    requests.emplace_back();
    PARAKIT_MPI_CHECK(
        MPI_Isend(buffer_[current_], 1, owned_type_.get(), 0, kFieldTag, comm_, &requests.back()));
    PARAKIT_MPI_CHECK(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE));
  }

  // All the steps from the field in the current buffer; frames on rank 0 when @p frames.
  // Returns the (step, residual) pairs of the checks.
  std::vector<std::pair<std::int64_t, double>> run_steps(RunCounters& c, bool frames) {
    std::vector<std::pair<std::int64_t, double>> residuals;
    const std::int64_t steps = heat_.steps;
    std::vector<double> frame_field;
    auto maybe_frame = [&](std::int64_t t, bool last) {
      if (!frames || heat_.every <= 0) return;
      if (t % heat_.every != 0 && !last) return;
      gather(frame_field);
      if (comm_.rank() == 0 && heat_.frame) heat_.frame(t, frame_field);
    };
    maybe_frame(0, steps == 0);
    std::int64_t t = 0;
    bool stop = false;
    while (t < steps && !stop) {
      const std::int64_t cycle = std::min<std::int64_t>(heat_.halo, steps - t);
      progress("halo exchange");
      // The first step of a cycle may overlap the exchange with the interior update.
      const double t0 = sys::now_s();
      if (heat_.exchange == Exchange::kBlocking) {
        blocking_exchange(c);
      } else {
        start_exchange(c);
      }
      // Split the first step only while messages are in flight (a shared window is read by now).
      const bool overlap = !requests_.empty();
      const double t1 = sys::now_s();
      c.exchange_s += t1 - t0;
      for (std::int64_t s = 0; s < cycle && !stop; ++s, ++t) {
        const bool measure =
            heat_.check > 0 ? ((t + 1) % heat_.check == 0 || t + 1 == steps) : t + 1 == steps;
        const std::int64_t e = heat_.halo - 1 - s;
        const Region region = {edges_.north ? 0 : -e, edges_.south ? place_.rows : place_.rows + e,
                               edges_.west ? 0 : -e, edges_.east ? place_.cols : place_.cols + e};
        const double* in = buffer_[current_];
        double* out = buffer_[1 - current_];
        double change = 0.0;
        if (s == 0 && overlap) {
          // The interior needs no halo: update it while the halos arrive, then the frame around it.
          const Region inner = {1, place_.rows - 1, 1, place_.cols - 1};
          const double u0 = sys::now_s();
          change = kernels::heat::step(in, out, shape_, inner, heat_.r, threads_, measure, owned_);
          const double u1 = sys::now_s();
          finish_exchange(c);
          const double u2 = sys::now_s();
          kernels::heat::fill_edges(buffer_[current_], shape_, edges_, heat_.bc);
          for (const Region& part : frame_of(region, inner)) {
            change = combine(change,
                             kernels::heat::step(in, out, shape_, part, heat_.r, threads_, measure, owned_));
          }
          const double u3 = sys::now_s();
          c.update_s += (u1 - u0) + (u3 - u2);
          c.hidden_s += u1 - u0;
          c.exchange_s += u2 - u1;
        } else {
          const double u0 = sys::now_s();
          kernels::heat::fill_edges(buffer_[current_], shape_, edges_, heat_.bc);
          change = kernels::heat::step(in, out, shape_, region, heat_.r, threads_, measure, owned_);
          c.update_s += sys::now_s() - u0;
        }
        current_ = 1 - current_;
        if (measure) {
          const double k0 = sys::now_s();
          const double residual = agree_residual(change, t + 1);
          c.check_s += sys::now_s() - k0;
          residuals.emplace_back(t + 1, residual);
          if (heat_.tol > 0.0 && residual <= heat_.tol) stop = true;
        }
        maybe_frame(t + 1, stop || t + 1 == steps);
      }
    }
    steps_done_ = t;
    return residuals;
  }

  [[nodiscard]] std::int64_t steps_done() const { return steps_done_; }

 private:
  static constexpr int kFieldTag = 100;

  static double combine(double a, double b) {
    return std::isnan(a) || std::isnan(b) ? a + b : std::max(a, b);
  }

  // The parts of @p region outside @p inner (north, south, west, east strips), none empty.
  static std::vector<Region> frame_of(const Region& region, const Region& inner) {
    std::vector<Region> parts;
    if (inner.empty()) {
      parts.push_back(region);
      return parts;
    }
    const Region north = {region.row0, inner.row0, region.col0, region.col1};
    const Region south = {inner.row1, region.row1, region.col0, region.col1};
    const Region west = {inner.row0, inner.row1, region.col0, inner.col0};
    const Region east = {inner.row0, inner.row1, inner.col1, region.col1};
    for (const Region& r : {north, south, west, east})
      if (!r.empty()) parts.push_back(r);
    return parts;
  }

  int neighbour(const int coords[2], int d) const {
    int c[2] = {coords[0] + kRowStep[d], coords[1] + kColStep[d]};
    const int dims[2] = {static_cast<int>(heat_.procs.rows), static_cast<int>(heat_.procs.cols)};
    for (int k = 0; k < 2; ++k) {
      if (c[k] < 0 || c[k] >= dims[k]) {
        if (heat_.bc != Boundary::kPeriodic) return MPI_PROC_NULL;
        c[k] = (c[k] + dims[k]) % dims[k];
      }
    }
    int rank = MPI_PROC_NULL;
    PARAKIT_MPI_CHECK(MPI_Cart_rank(cart_, c, &rank));
    return rank;
  }

  // Which neighbours live in this rank's window communicator, and where their blocks are.
  void connect_window() {
    MPI_Group cart_group = MPI_GROUP_NULL;
    MPI_Group node_group = MPI_GROUP_NULL;
    PARAKIT_MPI_CHECK(MPI_Comm_group(cart_, &cart_group));
    PARAKIT_MPI_CHECK(MPI_Comm_group(node_, &node_group));
    for (int d = 0; d < directions_; ++d) {
      if (neighbour_[d] == MPI_PROC_NULL) continue;
      int node_rank = MPI_UNDEFINED;
      PARAKIT_MPI_CHECK(MPI_Group_translate_ranks(cart_group, 1, &neighbour_[d], node_group, &node_rank));
      if (node_rank == MPI_UNDEFINED) continue;
      int c[2] = {0, 0};
      PARAKIT_MPI_CHECK(MPI_Cart_coords(cart_, neighbour_[d], 2, c));
      const Place p = place_of(heat_.grid, heat_.procs, c[0], c[1]);
      peer_shape_[d] = {p.rows, p.cols, heat_.halo};
      peer_[d] = window_->of(node_rank);
    }
    MPI_Group_free(&cart_group);
    MPI_Group_free(&node_group);
  }

  void blocking_exchange(RunCounters& c) {
    for (int d = 0; d < directions_; ++d) {
      const int to = neighbour_[d];
      const int from = neighbour_[kOpposite[d]];
      PARAKIT_MPI_CHECK(MPI_Sendrecv(buffer_[current_], 1, send_type_[d].get(), to, d, buffer_[current_], 1,
                                     halo_type_[kOpposite[d]].get(), from, d, cart_, MPI_STATUS_IGNORE));
      count_sent(c, d);
    }
  }

  void count_sent(RunCounters& c, int d) const {
    if (neighbour_[d] == MPI_PROC_NULL) return;
    c.bytes_sent += static_cast<std::uint64_t>(send_region(shape_, d).cells()) * 8;
    c.messages_sent += 1;
  }

  // Nonblocking messages to and from the neighbours not in the window; the window's neighbours are read
  // straight from their blocks (after every rank of the node has finished its last step).
  void start_exchange(RunCounters& c) {
    requests_.clear();
    for (int d = 0; d < directions_; ++d) {
      if (neighbour_[d] == MPI_PROC_NULL || peer_[d] != nullptr) continue;
      requests_.emplace_back();
      PARAKIT_MPI_CHECK(MPI_Irecv(buffer_[current_], 1, halo_type_[d].get(), neighbour_[d], kOpposite[d],
                                  cart_, &requests_.back()));
    }
    for (int d = 0; d < directions_; ++d) {
      if (neighbour_[d] == MPI_PROC_NULL || peer_[d] != nullptr) continue;
      requests_.emplace_back();
      PARAKIT_MPI_CHECK(
          MPI_Isend(buffer_[current_], 1, send_type_[d].get(), neighbour_[d], d, cart_, &requests_.back()));
      count_sent(c, d);
    }
    if (window_) read_window(c);
  }

  void read_window(RunCounters& c) {
    window_->fence(node_);
    double* mine = buffer_[current_];
    for (int d = 0; d < directions_; ++d) {
      if (peer_[d] == nullptr) continue;
      // My halo towards d is the neighbour's own cells towards the opposite direction.
      const BlockShape& theirs = peer_shape_[d];
      const double* base = peer_[d] + current_ * theirs.stored();
      const Region from = send_region(theirs, kOpposite[d]);
      const Region to = halo_region(shape_, d);
      const std::int64_t width = to.col1 - to.col0;
      for (std::int64_t i = 0; i < to.row1 - to.row0; ++i) {
        std::memcpy(mine + shape_.at(to.row0 + i, to.col0), base + theirs.at(from.row0 + i, from.col0),
                    static_cast<std::size_t>(width) * sizeof(double));
      }
      c.bytes_read_shared += static_cast<std::uint64_t>(to.cells()) * 8;
    }
    // With a halo deeper than 1, the buffer just read is written again before the next exchange: wait
    // until every neighbour has read it.
    if (heat_.halo > 1) window_->fence(node_);
  }

  void finish_exchange(RunCounters& /*c*/) {
    if (requests_.empty()) return;
    PARAKIT_MPI_CHECK(MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE));
    requests_.clear();
  }

  // The largest change over all ranks after step @p step; a value that stopped being finite ends the run on
  // every rank, naming the first rank that has one, the step and the cell.
  double agree_residual(double change, std::int64_t step) {
    const bool bad = std::isnan(change);
    double mine[2] = {bad ? 0.0 : change, bad ? static_cast<double>(comm_.size() - comm_.rank()) : 0.0};
    double all[2] = {0.0, 0.0};
    PARAKIT_MPI_CHECK(MPI_Allreduce(mine, all, 2, MPI_DOUBLE, MPI_MAX, comm_));
    if (all[1] == 0.0) return all[0];
    const int culprit = comm_.size() - static_cast<int>(all[1]);
    std::int64_t cell[2] = {-1, -1};
    if (comm_.rank() == culprit) {
      const auto [i, j] = kernels::heat::first_non_finite(buffer_[current_], shape_, owned_);
      cell[0] = place_.row0 + i;
      cell[1] = place_.col0 + j;
    }
    PARAKIT_MPI_CHECK(MPI_Bcast(cell, 2, MPI_INT64_T, culprit, comm_));
    throw AgreedError(fmt::format(
        "heat: step {}: a value stopped being finite on rank {}, at cell ({}, {}) (the run is stopped; "
        "accepted: initial values small enough that sums of four of them stay finite)",
        step, culprit, cell[0], cell[1]));
  }

  const boost::mpi::communicator& comm_;
  MPI_Comm cart_;
  const boost::mpi::communicator& node_;
  const HeatOptions& heat_;
  int threads_;
  Place place_;
  BlockShape shape_;
  Region owned_;
  kernels::heat::Edges edges_;
  int directions_ = 4;
  int neighbour_[kDirections] = {};
  Datatype send_type_[kDirections];
  Datatype halo_type_[kDirections];
  Datatype owned_type_;
  std::vector<Datatype> field_type_;  // rank 0: each rank's rectangle of the whole field
  std::vector<double> storage_;
  std::optional<SharedWindow> window_;
  double* buffer_[2] = {nullptr, nullptr};
  int current_ = 0;
  double* peer_[kDirections] = {};
  BlockShape peer_shape_[kDirections] = {};
  std::vector<MPI_Request> requests_;
  std::int64_t steps_done_ = 0;
};

// The process grid (MPI_Dims_create's unless given), after the checks that need the rank count: the
// same on every rank, so every rank throws alike.
GridSize check_layout(const boost::mpi::communicator& comm, const HeatOptions& heat) {
  const double r = heat.r;
  if (!(r > 0.0 && r <= kernels::heat::kMaxR)) {
    throw UsageError(fmt::format("--r: {} is outside the stable range (accepted: 0 < r <= 0.25)", r));
  }
  PARAKIT_REQUIRE(heat.check >= 0 && heat.every >= 0 && heat.tol >= 0.0, "check >= 0, every >= 0, tol >= 0");
  GridSize procs = heat.procs;
  if (procs.rows == 0 && procs.cols == 0) {
    int dims[2] = {0, 0};
    PARAKIT_MPI_CHECK(MPI_Dims_create(comm.size(), 2, dims));
    procs = {dims[0], dims[1]};
  }
  kernels::heat::check_layout(heat.grid, procs, heat.halo, heat.steps, comm.size());
  return procs;
}

}  // namespace

const char* exchange_name(Exchange exchange) {
  switch (exchange) {
    case Exchange::kBlocking:
      return "blocking";
    case Exchange::kOverlap:
      return "overlap";
    case Exchange::kShared:
      return "shared";
  }
  return "?";
}

Exchange parse_exchange(const std::string& name) {
  for (const Exchange e : {Exchange::kBlocking, Exchange::kOverlap, Exchange::kShared}) {
    if (name == exchange_name(e)) return e;
  }
  throw UsageError("--exchange: " + parakit::quoted(name) +
                   " is not an exchange (accepted: blocking, overlap, shared)");
}

HeatResult run_heat(const boost::mpi::communicator& comm, const std::vector<double>& initial,
                    const HeatOptions& heat, const RunOptions& options) {
  MPI_Comm node = MPI_COMM_NULL;
  PARAKIT_MPI_CHECK(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, comm.rank(), MPI_INFO_NULL, &node));
  const boost::mpi::communicator node_comm(node, boost::mpi::comm_take_ownership);
  return detail::run_heat(comm, node_comm, initial, heat, options);
}

HeatResult detail::run_heat(const boost::mpi::communicator& comm, const boost::mpi::communicator& node,
                            const std::vector<double>& initial, const HeatOptions& heat,
                            const RunOptions& options) {
  HeatOptions h = heat;
  h.procs = check_layout(comm, heat);
  check_on_root(comm, [&] {
    PARAKIT_REQUIRE(initial.size() == static_cast<std::size_t>(heat.grid.cells()),
                    "an initial field of rows x cols values on rank 0");
  });
  const int dims[2] = {static_cast<int>(h.procs.rows), static_cast<int>(h.procs.cols)};
  const int periods[2] = {h.bc == Boundary::kPeriodic ? 1 : 0, h.bc == Boundary::kPeriodic ? 1 : 0};
  MPI_Comm cart_handle = MPI_COMM_NULL;
  PARAKIT_MPI_CHECK(MPI_Cart_create(comm, 2, dims, periods, 0, &cart_handle));
  const Comm cart(cart_handle);

  HeatRank me(comm, cart.get(), node, h, options.threads, h.exchange == Exchange::kShared);
  HeatResult result;
  result.procs = h.procs;
  std::vector<RunCounters> runs;
  const int all_runs = options.warmup + options.repeat;
  // Rank 0 gathers every run into one field, allocated (and its pages touched) before the timed runs;
  // each run's checksum is compared untimed, after the run.
  if (comm.rank() == 0) result.field.assign(static_cast<std::size_t>(h.grid.cells()), 0.0);
  std::uint64_t first_checksum = 0;
  result.stats = repeat(
      comm, options,
      [&](int run, report::PhaseTimes& phases) {
        const bool last = run == all_runs - 1;
        const double t0 = sys::now_s();
        me.scatter(initial);
        const double t1 = sys::now_s();
        RunCounters counters;
        result.residuals = me.run_steps(counters, last);
        const double t2 = sys::now_s();
        me.gather(result.field);
        const double t3 = sys::now_s();
        phases = {.partition_s = 0.0,
                  .scatter_s = t1 - t0,
                  .compute_s = t2 - t1,
                  .reduce_s = t3 - t2,
                  .total_s = 0.0};
        if (run >= options.warmup) runs.push_back(counters);
      },
      [&](int run) {
        if (comm.rank() != 0) return;
        // Every run computes the same thing: a difference is a bug or broken hardware, never noise.
        const auto checksum =
            kernels::heat::summarize_field(result.field.data(), result.field.size()).checksum;
        if (run == 0) first_checksum = checksum;
        if (checksum != first_checksum) {
          throw WrongAnswer(
              fmt::format("heat: run {} of {} ended with a different field than run 1", run + 1, all_runs));
        }
      });
  result.steps_done = me.steps_done();
  result.residual =
      result.residuals.empty() ? std::numeric_limits<double>::quiet_NaN() : result.residuals.back().second;

  // This rank's medians over the timed runs, gathered to rank 0.
  auto median_of = [&](double RunCounters::*field) {
    std::vector<double> v;
    for (const auto& c : runs)
      v.push_back(c.*field);
    return report::summarize(v).median;
  };
  const Place& p = me.place();
  report::HeatRankStats mine{.rank = comm.rank(),
                             .coord_row = p.row,
                             .coord_col = p.col,
                             .row0 = p.row0,
                             .col0 = p.col0,
                             .rows = p.rows,
                             .cols = p.cols,
                             .update_s = median_of(&RunCounters::update_s),
                             .exchange_s = median_of(&RunCounters::exchange_s),
                             .hidden_s = median_of(&RunCounters::hidden_s),
                             .check_s = median_of(&RunCounters::check_s),
                             .bytes_sent = runs.empty() ? 0 : runs.back().bytes_sent,
                             .messages_sent = runs.empty() ? 0 : runs.back().messages_sent,
                             .bytes_read_shared = runs.empty() ? 0 : runs.back().bytes_read_shared,
                             .shared_neighbours = me.shared_neighbours(),
                             .message_neighbours = me.message_neighbours()};
  if (comm.rank() == 0) {
    boost::mpi::gather(comm, mine, result.per_rank, 0);
  } else {
    boost::mpi::gather(comm, mine, 0);
  }
  return result;
}

}  // namespace parakit::mpi
