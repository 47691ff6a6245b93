#include "parakit/kernels/schedule.hpp"

#include <algorithm>
#include <string>

#include "parakit/error.hpp"
#include "parakit/kernels/partition.hpp"
#include "parakit/quote.hpp"

namespace parakit::kernels {
namespace {

// The lowest-numbered worker among those free first.
std::size_t first_free(const std::vector<double>& free_at) {
  return static_cast<std::size_t>(std::min_element(free_at.begin(), free_at.end()) - free_at.begin());
}

}  // namespace

Schedule parse_schedule(std::string_view name) {
  if (name == "static") return Schedule::kStatic;
  if (name == "cyclic") return Schedule::kCyclic;
  if (name == "dynamic") return Schedule::kDynamic;
  if (name == "split") return Schedule::kSplit;
  throw UsageError("--schedule: " + parakit::quoted(name) +
                   " is not a schedule (accepted: static, cyclic, dynamic, split)");
}

std::string_view schedule_name(Schedule schedule) {
  switch (schedule) {
    case Schedule::kStatic:
      return "static";
    case Schedule::kCyclic:
      return "cyclic";
    case Schedule::kDynamic:
      return "dynamic";
    case Schedule::kSplit:
      return "split";
  }
  return "unknown";
}

std::vector<Chunk> schedule_pieces(std::span<const std::uint64_t> sizes, Schedule schedule,
                                   std::uint64_t chunk) {
  std::vector<Chunk> pieces;
  pieces.reserve(static_cast<std::size_t>(schedule_piece_count(sizes, schedule, chunk)));
  for (std::uint64_t t = 0; t < sizes.size(); ++t) {
    if (schedule != Schedule::kSplit) {
      pieces.push_back({t, 0, sizes[t]});
      continue;
    }
    for (std::uint64_t first = 0; first < sizes[t];) {
      const std::uint64_t last = first + std::min(chunk, sizes[t] - first);
      pieces.push_back({t, first, last});
      first = last;
    }
  }
  return pieces;
}

std::uint64_t schedule_piece_count(std::span<const std::uint64_t> sizes, Schedule schedule,
                                   std::uint64_t chunk) {
  if (schedule != Schedule::kSplit) return sizes.size();
  PARAKIT_REQUIRE(chunk > 0, "chunk must be at least 1 for split");
  std::uint64_t count = 0;
  for (const std::uint64_t n : sizes)
    count += n / chunk + (n % chunk != 0 ? 1 : 0);
  return count;
}

std::uint64_t default_split_chunk(std::uint64_t total, std::uint64_t workers) {
  PARAKIT_REQUIRE(workers > 0, "at least one worker");
  const std::uint64_t pieces = 32 * workers;
  return std::max<std::uint64_t>(1, total / pieces + (total % pieces != 0 ? 1 : 0));
}

ScheduleResult simulate_schedule(std::span<const std::uint64_t> sizes, std::size_t workers, Schedule schedule,
                                 std::uint64_t chunk, double unit_cost) {
  PARAKIT_REQUIRE(workers > 0, "at least one worker");
  PARAKIT_REQUIRE(unit_cost >= 0.0, "unit_cost = " + std::to_string(unit_cost));
  const bool uses_chunk = schedule == Schedule::kDynamic || schedule == Schedule::kSplit;
  PARAKIT_REQUIRE(!uses_chunk || chunk > 0, "chunk must be at least 1 for dynamic and split");

  ScheduleResult result;
  std::vector<double> free_at(workers, 0.0);
  // Under every schedule but kSplit the pieces are the whole tasks, piece t being task t.
  const std::vector<Chunk> pieces = schedule_pieces(sizes, schedule, chunk);
  const auto run = [&](std::size_t worker, const Chunk& piece) {
    const double start = free_at[worker];
    const double end = start + static_cast<double>(piece.size()) * unit_cost;
    result.pieces.push_back({worker, piece.task, piece.first, piece.last, start, end});
    free_at[worker] = end;
  };

  const std::uint64_t n = pieces.size();
  switch (schedule) {
    case Schedule::kStatic:
      for (std::size_t w = 0; w < workers; ++w) {
        const Range mine = block_range(n, w, workers);
        for (std::uint64_t p = mine.first; p < mine.last; ++p)
          run(w, pieces[p]);
      }
      break;
    case Schedule::kCyclic:
      for (std::uint64_t p = 0; p < n; ++p)
        run(static_cast<std::size_t>(p % workers), pieces[p]);
      break;
    case Schedule::kDynamic:
      for (std::uint64_t p = 0; p < n;) {
        const std::size_t w = first_free(free_at);
        for (const std::uint64_t end = std::min(n, p + chunk); p < end; ++p)
          run(w, pieces[p]);
      }
      break;
    case Schedule::kSplit:
      for (const Chunk& piece : pieces)
        run(first_free(free_at), piece);
      break;
  }
  // The largest indivisible piece: a whole task, except under kSplit.
  std::uint64_t largest = 0;
  for (const Chunk& piece : pieces)
    largest = std::max(largest, piece.size());

  double total = 0.0;
  result.busy.assign(workers, 0.0);
  for (const auto& p : result.pieces) {
    result.busy[p.worker] += p.end - p.start;
    result.makespan = std::max(result.makespan, p.end);
    total += p.end - p.start;
  }
  result.lower_bound =
      std::max(total / static_cast<double>(workers), static_cast<double>(largest) * unit_cost);
  result.idle.reserve(workers);
  for (const double b : result.busy)
    result.idle.push_back(result.makespan - b);
  const double mean = total / static_cast<double>(workers);
  if (mean > 0.0) result.imbalance = *std::max_element(result.busy.begin(), result.busy.end()) / mean;
  return result;
}

std::vector<std::uint64_t> assigned_pieces(Schedule schedule, std::uint64_t pieces, std::uint64_t worker,
                                           std::uint64_t workers) {
  PARAKIT_REQUIRE(workers > 0 && worker < workers,
                  "worker " + std::to_string(worker) + " of " + std::to_string(workers));
  std::vector<std::uint64_t> mine;
  if (schedule == Schedule::kStatic) {
    const Range r = block_range(pieces, worker, workers);
    for (std::uint64_t p = r.first; p < r.last; ++p)
      mine.push_back(p);
  } else {
    PARAKIT_REQUIRE(schedule == Schedule::kCyclic, "static or cyclic");
    for (std::uint64_t p = worker; p < pieces; p += workers)
      mine.push_back(p);
  }
  return mine;
}

}  // namespace parakit::kernels
