#include "parakit/report/heat_record.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/report/statistics.hpp"

namespace parakit::report {
namespace {

// What was asked, in the order the text report's first line shows it.
Record setup_record(const HeatSetup& s, const RunStats& stats) {
  Record record = {{"schema", kSchema},
                   {"kernel", "heat"},
                   {"ranks", stats.ranks},
                   {"threads_per_rank", stats.threads_per_rank},
                   {"grid", {{"rows", s.grid.rows}, {"cols", s.grid.cols}}},
                   {"cells", s.grid.cells()},
                   {"process_grid", {s.procs.rows, s.procs.cols}},
                   {"exchange", s.exchange},
                   {"halo", s.halo},
                   {"bc", kernels::heat::boundary_name(s.bc)}};
  if (s.input.empty()) {
    record["init"] = kernels::heat::init_name(s.init);
  } else {
    record["input"] = s.input;
    record["input_type"] = s.input_type;
    if (!s.input_dataset.empty()) record["dataset"] = s.input_dataset;
  }
  record["r"] = s.r;
  record["steps"] = s.steps;
  record["check"] = s.check;
  record["tol"] = s.tol;
  record["seed"] = s.seed;
  if (!s.output.empty()) record["output"] = s.output;
  if (!s.png.empty()) record["png"] = s.png;
  if (!s.png_dir.empty()) {
    record["png_dir"] = s.png_dir;
    record["every"] = s.every;
  }
  return record;
}

double share(double part, double other) {
  return part + other > 0.0 ? part / (part + other) : 0.0;
}

// The heat fields of each per_rank entry, after the ones every run has.
void add_rank_fields(Record& per_rank, const std::vector<HeatRankStats>& ranks) {
  PARAKIT_REQUIRE(per_rank.size() == ranks.size(),
                  fmt::format("{} heat rank entries for {} ranks", ranks.size(), per_rank.size()));
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    const HeatRankStats& h = ranks[i];
    Record& entry = per_rank[i];
    PARAKIT_REQUIRE(entry.value("rank", -1) == h.rank, fmt::format("rank {} in place {}", h.rank, i));
    entry["coords"] = {h.coord_row, h.coord_col};
    entry["block"] = {{"row0", h.row0}, {"col0", h.col0}, {"rows", h.rows}, {"cols", h.cols}};
    entry["update_s"] = h.update_s;
    entry["exchange_s"] = h.exchange_s;
    entry["hidden_s"] = h.hidden_s;
    entry["check_s"] = h.check_s;
    entry["exchange_share"] = share(h.exchange_s, h.update_s);
    entry["bytes_sent"] = h.bytes_sent;
    entry["messages_sent"] = h.messages_sent;
    entry["bytes_read_shared"] = h.bytes_read_shared;
    entry["shared_neighbours"] = h.shared_neighbours;
    entry["message_neighbours"] = h.message_neighbours;
  }
}

}  // namespace

std::string checksum_text(std::uint64_t checksum) {
  return fmt::format("{:016x}", checksum);
}

Record heat_record(const HeatSetup& setup, const HeatOutcome& outcome, const RunStats& stats,
                   const Context& context) {
  Record record = setup_record(setup, stats);
  // Only what every layout computes alike: studies compare `result` across layouts, bit for bit.
  record["result"] = {{"steps_done", outcome.steps_done},
                      {"residual", outcome.residual},
                      {"checksum", checksum_text(outcome.field.checksum)},
                      {"sum", outcome.field.sum},
                      {"min", outcome.field.min},
                      {"max", outcome.field.max}};
  const std::int64_t cell_updates = setup.grid.cells() * outcome.steps_done;
  const double median_s = summarize(stats.times_s).median;
  record["steps_done"] = outcome.steps_done;
  record["cell_updates"] = cell_updates;
  record["cell_updates_per_s"] = median_s > 0.0 ? static_cast<double>(cell_updates) / median_s : 0.0;
  Record residuals = Record::array();
  for (const auto& [step, value] : outcome.residuals)
    residuals.push_back({step, value});
  record["residuals"] = residuals;
  add_run_report(record, stats, static_cast<double>(cell_updates), "cell_updates", context);
  add_rank_fields(record["per_rank"], outcome.per_rank);
  // --exchange shared falls back to messages for every neighbour outside the rank's node: say so.
  if (setup.exchange == "shared") {
    int by_messages = 0;
    int links = 0;
    for (const HeatRankStats& r : outcome.per_rank) {
      by_messages += r.message_neighbours;
      links += r.message_neighbours + r.shared_neighbours;
    }
    if (by_messages > 0) {
      record["warnings"].push_back(fmt::format(
          "--exchange shared: {} of {} neighbour links join ranks on different nodes and exchanged "
          "messages instead of reading a shared window",
          by_messages, links));
    }
  }
  return record;
}

std::vector<Record> heat_rank_tables(const Record& record) {
  if (record.value("kernel", "") != "heat" || !record.contains("per_rank")) return {};
  static const char* kWhere[] = {"rank", "host",        "pid",       "threads",
                                 "cpus", "thread_cpus", "compute_s", "peak_rss_bytes"};
  Record where = Record::array();
  Record time = Record::array();
  for (const auto& entry : record["per_rank"]) {
    Record row = Record::object();
    for (const char* key : kWhere)
      if (entry.contains(key)) row[key] = entry[key];
    where.push_back(row);
    const Record& block = entry.value("block", Record::object());
    time.push_back(
        {{"rank", entry.value("rank", 0)},
         {"block", fmt::format("{}x{} at ({},{})", block.value("rows", std::int64_t{0}),
                               block.value("cols", std::int64_t{0}), block.value("row0", std::int64_t{0}),
                               block.value("col0", std::int64_t{0}))},
         {"update_s", entry.value("update_s", 0.0)},
         {"exchange_s", entry.value("exchange_s", 0.0)},
         {"hidden_s", entry.value("hidden_s", 0.0)},
         {"check_s", entry.value("check_s", 0.0)},
         {"exchange_share", entry.value("exchange_share", 0.0)},
         {"sent_bytes", entry.value("bytes_sent", std::uint64_t{0})},
         {"messages", entry.value("messages_sent", std::uint64_t{0})},
         {"read_shared_bytes", entry.value("bytes_read_shared", std::uint64_t{0})}});
  }
  return {where, time};
}

}  // namespace parakit::report
