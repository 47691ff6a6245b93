// describe() over ranks: block summaries in global block order on rank 0 (layout-independent sums), a
// histogram and exact quantiles by distributed selection on order-preserving keys (only the values
// near each wanted order statistic ever travel, never the column).

#include "parakit/mpi/describe.hpp"

#include <algorithm>
#include <span>
#include <string>
#include <utility>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/collectives/gather.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <mpi.h>
#include <omp.h>

#include "parakit/error.hpp"
#include "parakit/mpi/check.hpp"
#include "parakit/mpi/watchdog.hpp"
#include "parakit/sys.hpp"

namespace parakit::mpi {
namespace {

namespace kd = kernels::describe;
using kd::kBlock;

// A piece of a block that this rank holds only in part: its first global row and its values.
struct Fragment {
  std::uint64_t first = 0;
  std::vector<double> values;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& first& values;
  }
};

// Pass 1 on this rank: summaries of the whole blocks, the fragments, and the sample (rows whose global
// index is a multiple of @p stride).
struct FirstPass {
  std::vector<std::pair<std::uint64_t, kd::BlockSummary>> blocks;
  std::vector<Fragment> fragments;
  std::vector<double> sample;
};

// Appends to @p out the non-missing values of global rows [first, first + n) (at @p data) whose index is a
// multiple of @p stride.
void take_sample(const double* data, std::uint64_t first, std::uint64_t n, std::uint64_t stride,
                 std::vector<double>& out) {
  for (std::uint64_t r = (first + stride - 1) / stride * stride; r < first + n; r += stride) {
    const double v = data[r - first];
    if (v == v) out.push_back(v);
  }
}

FirstPass first_pass(const LocalColumn& column, std::uint64_t stride, int threads) {
  FirstPass pass;
  struct Task {
    std::uint64_t block;
    const double* data;
  };
  std::vector<Task> tasks;
  for (const Segment& s : column.segments) {
    const double* base = column.data().data() + s.offset;
    const std::uint64_t end = s.first + s.count;
    std::uint64_t g = s.first;
    while (g < end) {
      const std::uint64_t block = g / kBlock;
      const std::uint64_t block_end = std::min(end, (block + 1) * kBlock);
      if (g % kBlock == 0 && block_end - g == kBlock) {
        tasks.push_back({block, base + (g - s.first)});
      } else {
        pass.fragments.push_back(
            {g, std::vector<double>(base + (g - s.first), base + (block_end - s.first))});
        take_sample(base + (g - s.first), g, block_end - g, stride, pass.sample);
      }
      g = block_end;
    }
  }
  pass.blocks.resize(tasks.size());
  // The sample of a whole block is taken while the block is summarised (it is in cache then).
  std::vector<std::vector<double>> samples(static_cast<std::size_t>(threads));
#pragma omp parallel num_threads(threads)
  {
    std::vector<double>& mine = samples[static_cast<std::size_t>(omp_get_thread_num())];
#pragma omp for schedule(static)
    for (std::size_t t = 0; t < tasks.size(); ++t) {
      pass.blocks[t] = {tasks[t].block,
                        kd::summarize_block({tasks[t].data, static_cast<std::size_t>(kBlock)})};
      take_sample(tasks[t].data, tasks[t].block * kBlock, kBlock, stride, mine);
    }
  }
  for (const auto& v : samples)
    pass.sample.insert(pass.sample.end(), v.begin(), v.end());
  return pass;
}

// Rank 0: the fragments of all ranks, put together into their blocks and summarised.
std::vector<std::pair<std::uint64_t, kd::BlockSummary>> summarize_fragments(std::vector<Fragment> fragments) {
  std::sort(fragments.begin(), fragments.end(),
            [](const Fragment& a, const Fragment& b) { return a.first < b.first; });
  std::vector<std::pair<std::uint64_t, kd::BlockSummary>> blocks;
  std::vector<double> joined;
  for (std::size_t i = 0; i < fragments.size();) {
    const std::uint64_t block = fragments[i].first / kBlock;
    joined.clear();
    std::uint64_t next = fragments[i].first;
    for (; i < fragments.size() && fragments[i].first / kBlock == block; ++i) {
      PARAKIT_REQUIRE(fragments[i].first == next, "the fragments of a block must be contiguous");
      joined.insert(joined.end(), fragments[i].values.begin(), fragments[i].values.end());
      next += fragments[i].values.size();
    }
    blocks.emplace_back(block, kd::summarize_block(joined));
  }
  return blocks;
}

// Parts per million of the sample inside any window (an estimate of the candidates' share).
std::uint64_t sample_share_ppm(const std::vector<kd::KeyWindow>& windows, const std::vector<double>& sample) {
  if (sample.empty()) return 1'000'000;
  std::uint64_t inside = 0;
  for (const double v : sample) {
    const std::uint64_t key = kd::to_key(v);
    for (const kd::KeyWindow& w : windows) {
      if (key >= w.lo && key <= w.hi) {
        ++inside;
        break;
      }
    }
  }
  return inside * 1'000'000 / sample.size();
}

// Every rank's @p mine, one after another in rank order, on rank 0 (empty elsewhere).
std::vector<double> gather_doubles(const boost::mpi::communicator& comm, const std::vector<double>& mine) {
  const int size = comm.size();
  const int count = static_cast<int>(mine.size());
  std::vector<int> counts(comm.rank() == 0 ? static_cast<std::size_t>(size) : 0), offsets = counts;
  PARAKIT_MPI_CHECK(MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_Comm(comm)));
  std::vector<double> all;
  if (comm.rank() == 0) {
    std::size_t total = 0;
    for (int r = 0; r < size; ++r) {
      offsets[static_cast<std::size_t>(r)] = static_cast<int>(total);
      total += static_cast<std::size_t>(counts[static_cast<std::size_t>(r)]);
    }
    all.resize(total);
  }
  PARAKIT_MPI_CHECK(MPI_Gatherv(mine.data(), count, MPI_DOUBLE, all.data(), counts.data(), offsets.data(),
                                MPI_DOUBLE, 0, MPI_Comm(comm)));
  return all;
}

void sum_into(const boost::mpi::communicator& comm, std::vector<std::uint64_t>& counts) {
  if (counts.empty()) return;
  PARAKIT_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, counts.data(), static_cast<int>(counts.size()), MPI_UINT64_T,
                                  MPI_SUM, MPI_Comm(comm)));
}

// Pass 2 on this rank: the histogram, and per window the values below and inside it, keeping those
// inside as candidates.
void second_pass(const LocalColumn& column, const std::vector<double>& edges,
                 const std::vector<kd::KeyWindow>& windows, std::size_t expected_candidates, int threads,
                 std::vector<std::uint64_t>& counts, std::vector<std::uint64_t>& below,
                 std::vector<std::uint64_t>& inside, kd::Candidates& candidates) {
  const std::size_t bins = edges.empty() ? 0 : edges.size() - 1;
  const std::size_t nw = windows.size();
  const std::span<const double> all = column.data();
  const std::size_t pieces = (all.size() + kBlock - 1) / kBlock;
  std::vector<std::vector<std::uint64_t>> t_counts(static_cast<std::size_t>(threads));
  std::vector<std::vector<std::uint64_t>> t_below(static_cast<std::size_t>(threads)), t_inside = t_below;
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    auto& c = t_counts[static_cast<std::size_t>(t)];
    auto& b = t_below[static_cast<std::size_t>(t)];
    auto& in = t_inside[static_cast<std::size_t>(t)];
    c.assign(bins, 0);
    b.assign(nw, 0);
    in.assign(nw, 0);
    // Kept from one call to the next: fresh pages cost a fault each (as much as the copy, or more).
    thread_local kd::Candidates mine;
    mine.clear();
    mine.reserve(expected_candidates / static_cast<std::size_t>(threads) + kBlock);
#pragma omp for schedule(static) nowait
    for (std::size_t p = 0; p < pieces; ++p) {
      const auto piece = all.subspan(p * kBlock, std::min<std::size_t>(kBlock, all.size() - p * kBlock));
      kd::histogram_and_windows(piece, edges, c, windows, b, in, mine);
    }
    // In any order: nothing after depends on the candidates' order. The first thread's buffer becomes
    // the list (no copy); the others are appended to it.
#pragma omp critical(parakit_describe_candidates)
    {
      if (candidates.empty()) {
        candidates.swap(mine);
      } else {
        candidates.insert(candidates.end(), mine.begin(), mine.end());
      }
    }
  }
  counts.assign(bins, 0);
  below.assign(nw, 0);
  inside.assign(nw, 0);
  for (std::size_t t = 0; t < t_counts.size(); ++t) {
    for (std::size_t i = 0; i < t_counts[t].size(); ++i)
      counts[i] += t_counts[t][i];
    for (std::size_t w = 0; w < t_below[t].size(); ++w) {
      below[w] += t_below[t][w];
      inside[w] += t_inside[t][w];
    }
  }
}

// The rows of the column over all ranks (missing ones included). Collective.
std::uint64_t total_rows(const boost::mpi::communicator& comm, const LocalColumn& column) {
  std::uint64_t rows = column.data().size();
  PARAKIT_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &rows, 1, MPI_UINT64_T, MPI_SUM, MPI_Comm(comm)));
  return rows;
}

// Every rank's block summaries and fragments on rank 0, combined there in block order.
kd::Moments combine_on_root(const boost::mpi::communicator& comm, const FirstPass& pass, std::uint64_t rows) {
  std::vector<std::vector<std::pair<std::uint64_t, kd::BlockSummary>>> all_blocks;
  std::vector<std::vector<Fragment>> all_fragments;
  boost::mpi::gather(comm, pass.blocks, all_blocks, 0);
  boost::mpi::gather(comm, pass.fragments, all_fragments, 0);
  if (comm.rank() != 0) return {};
  std::vector<std::pair<std::uint64_t, kd::BlockSummary>> blocks;
  std::vector<Fragment> fragments;
  for (auto& v : all_blocks)
    blocks.insert(blocks.end(), v.begin(), v.end());
  for (auto& v : all_fragments)
    for (auto& f : v)
      fragments.push_back(std::move(f));
  const auto joined = summarize_fragments(std::move(fragments));
  blocks.insert(blocks.end(), joined.begin(), joined.end());
  std::sort(blocks.begin(), blocks.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<kd::BlockSummary> ordered;
  ordered.reserve(blocks.size());
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    PARAKIT_REQUIRE(i == 0 || blocks[i].first != blocks[i - 1].first, "every block once");
    ordered.push_back(blocks[i].second);
  }
  const kd::Moments moments = kd::combine_blocks(ordered);
  PARAKIT_REQUIRE(moments.count + moments.missing == rows, "every row in exactly one block");
  return moments;
}

// Rank 0's moments and windows on every rank. Collective.
void broadcast_moments_and_windows(const boost::mpi::communicator& comm, kd::Moments& moments,
                                   std::vector<kd::KeyWindow>& windows) {
  boost::mpi::broadcast(comm, moments.count, 0);
  boost::mpi::broadcast(comm, moments.missing, 0);
  for (double* v : {&moments.mean, &moments.std, &moments.min, &moments.max})
    boost::mpi::broadcast(comm, *v, 0);
  std::uint64_t nw = windows.size();
  boost::mpi::broadcast(comm, nw, 0);
  windows.resize(nw);
  if (nw > 0) {
    PARAKIT_MPI_CHECK(
        MPI_Bcast(windows.data(), static_cast<int>(nw * sizeof(kd::KeyWindow)), MPI_BYTE, 0, MPI_Comm(comm)));
  }
}

// The histogram counts summed on rank 0 (emptied elsewhere). Collective.
void reduce_to_root(const boost::mpi::communicator& comm, std::vector<std::uint64_t>& counts) {
  if (counts.empty()) return;
  if (comm.rank() == 0) {
    PARAKIT_MPI_CHECK(MPI_Reduce(MPI_IN_PLACE, counts.data(), static_cast<int>(counts.size()), MPI_UINT64_T,
                                 MPI_SUM, 0, MPI_Comm(comm)));
  } else {
    PARAKIT_MPI_CHECK(MPI_Reduce(counts.data(), nullptr, static_cast<int>(counts.size()), MPI_UINT64_T,
                                 MPI_SUM, 0, MPI_Comm(comm)));
    counts.clear();
  }
}

// A window the sample placed wrongly (rare: about 5 sigma) restarts from the whole range [min, max], with
// one more pass over all values; returns whether one did. Not collective: every rank decides alike from
// the global below and inside counts.
bool rescan_missed(const LocalColumn& column, const kd::Moments& moments,
                   const std::vector<std::uint64_t>& below, const std::vector<std::uint64_t>& inside,
                   std::vector<kd::KeyWindow>& windows, kd::Candidates& candidates) {
  std::vector<std::size_t> missed;
  for (std::size_t w = 0; w < windows.size(); ++w) {
    windows[w].below = below[w];
    if (!(below[w] <= windows[w].rank && windows[w].rank < below[w] + inside[w])) missed.push_back(w);
  }
  if (missed.empty()) return false;
  std::vector<kd::KeyWindow> redo;
  for (const std::size_t w : missed) {
    windows[w].lo = kd::to_key(moments.min);
    windows[w].hi = kd::to_key(moments.max);
    windows[w].below = 0;
    redo.push_back(windows[w]);
  }
  // The full range holds every value: start the candidates again from all of them (keeping the old
  // ones as well would count them twice).
  candidates.clear();
  std::vector<std::uint64_t> b(redo.size()), in(redo.size());
  kd::scan_windows(column.data(), redo, b, in, candidates);
  return true;
}

// One round of the selection: every open window's key histogram over the candidates of all ranks, the
// window narrowed to the bin that holds its rank, and the candidates cut to those still inside an open
// window. Collective.
void narrow_windows(const boost::mpi::communicator& comm, std::vector<kd::KeyWindow>& windows,
                    kd::Candidates& candidates, int threads) {
  const std::size_t nw = windows.size();
  std::vector<std::uint64_t> counts;
  std::vector<std::size_t> offsets;
  for (const kd::KeyWindow& w : windows) {
    offsets.push_back(counts.size());
    counts.resize(counts.size() + (w.lo != w.hi ? w.bins() : 0), 0);
  }
  for (std::size_t w = 0; w < nw; ++w) {
    if (windows[w].lo == windows[w].hi) continue;
    // The windows of k and k + 1 are often the same: count once, copy.
    std::size_t same = w;
    for (std::size_t v = 0; v < w; ++v)
      if (windows[v].lo == windows[w].lo && windows[v].hi == windows[w].hi) same = v;
    const auto mine = std::span(counts).subspan(offsets[w], windows[w].bins());
    if (same != w) {
      const auto theirs = std::span(counts).subspan(offsets[same], windows[same].bins());
      std::copy(theirs.begin(), theirs.end(), mine.begin());
    } else {
      kd::count_keys(candidates, windows[w], mine, threads);
    }
  }
  sum_into(comm, counts);
  for (std::size_t w = 0; w < nw; ++w) {
    if (windows[w].lo == windows[w].hi) continue;
    kd::narrow(windows[w], std::span(counts).subspan(offsets[w], windows[w].bins()));
  }
  // Keep only the candidates still inside an open window.
  std::vector<kd::KeyWindow> still;
  for (const kd::KeyWindow& w : windows)
    if (w.lo != w.hi) still.push_back(w);
  thread_local kd::Candidates kept;  // kept from call to call, as the candidates are
  kept.clear();
  std::vector<std::uint64_t> b(still.size()), in(still.size());
  if (!still.empty()) kd::scan_windows(candidates, still, b, in, kept);
  candidates.swap(kept);
}

// The wanted quantiles from windows narrowed to one key each.
std::vector<double> quantiles_from(const std::vector<kd::KeyWindow>& windows, std::uint64_t count,
                                   const std::vector<double>& qs) {
  const auto at = [&](std::uint64_t k) {
    for (const kd::KeyWindow& w : windows)
      if (w.rank == k) return kd::from_key(w.lo);
    throw Error("quantile selection: order statistic " + std::to_string(k) + " was not selected");
  };
  std::vector<double> quantiles;
  for (const double q : qs)
    quantiles.push_back(kd::quantile(count, q, at));
  return quantiles;
}

}  // namespace

// The phases in order; each helper above is one step. The times go to reduce_s or compute_s by step.
Description describe(const boost::mpi::communicator& comm, const LocalColumn& column,
                     const DescribeOptions& options, report::PhaseTimes& phases) {
  PARAKIT_REQUIRE(options.threads >= 1, "threads must be positive");
  const bool is_root = comm.rank() == 0;
  progress("describe");
  Description d;

  // Rows in all. The sample grows with them (about one row in 512, from 64 Ki to 512 Ki values): a larger
  // sample places narrower windows, so fewer candidates (the cost that grows with the rows).
  const double t0 = sys::now_s();
  const std::uint64_t rows = total_rows(comm, column);
  const std::uint64_t wanted =
      std::clamp<std::uint64_t>(rows >> 9, std::uint64_t{1} << 16, std::uint64_t{1} << 19);
  const std::uint64_t stride = std::max<std::uint64_t>(1, rows / wanted);
  const double t1 = sys::now_s();
  phases.reduce_s += t1 - t0;

  FirstPass pass = first_pass(column, stride, options.threads);
  const double t2 = sys::now_s();
  phases.compute_s += t2 - t1;

  // Block summaries and fragments to rank 0, and the sample as plain doubles (no serialisation);
  // windows_from_sample reorders it, and nothing after depends on its order.
  d.moments = combine_on_root(comm, pass, rows);
  std::vector<double> sample = gather_doubles(comm, pass.sample);
  std::vector<kd::KeyWindow> windows;
  if (is_root) {
    const std::vector<std::uint64_t> ranks = kd::needed_ranks(d.moments.count, options.quantiles);
    windows = kd::windows_from_sample(ranks, d.moments.count, sample, d.moments.min, d.moments.max);
  }
  broadcast_moments_and_windows(comm, d.moments, windows);
  const double t3 = sys::now_s();
  phases.reduce_s += t3 - t2;

  // Pass 2: histogram and the candidates of the quantiles. The sample says how many values the windows
  // hold: room for them, and some.
  d.edges = kd::histogram_edges(d.moments.min, d.moments.max, options.bins);
  std::vector<std::uint64_t> below, inside;
  // Kept from one run to the next (tens of MB on large columns): their pages are touched only once.
  thread_local kd::Candidates candidates;
  candidates.clear();
  std::uint64_t window_fraction_ppm = 0;
  if (is_root && !windows.empty()) window_fraction_ppm = sample_share_ppm(windows, sample);
  boost::mpi::broadcast(comm, window_fraction_ppm, 0);
  const auto expected = static_cast<std::size_t>(static_cast<double>(column.data().size()) *
                                                 static_cast<double>(window_fraction_ppm) * 1.3e-6);
  second_pass(column, d.edges, windows, expected, options.threads, d.counts, below, inside, candidates);
  const double t4 = sys::now_s();
  phases.compute_s += t4 - t3;
  reduce_to_root(comm, d.counts);
  sum_into(comm, below);
  sum_into(comm, inside);
  const double t5 = sys::now_s();
  phases.reduce_s += t5 - t4;

  // Narrow every window on the candidates until it holds one key.
  d.full_rescan = rescan_missed(column, d.moments, below, inside, windows, candidates);
  while (std::any_of(windows.begin(), windows.end(), [](const kd::KeyWindow& w) { return w.lo != w.hi; })) {
    ++d.selection_rounds;
    narrow_windows(comm, windows, candidates, options.threads);
  }
  d.quantiles = quantiles_from(windows, d.moments.count, options.quantiles);
  phases.compute_s += sys::now_s() - t5;
  return d;
}

}  // namespace parakit::mpi
