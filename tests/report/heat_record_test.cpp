// The heat run record: what was asked, a result with only layout-independent fields, the work in cell
// updates, per rank the block and the split of its time, and the rank tables of the text report.

#include "parakit/report/heat_record.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"
#include "parakit/report/csv_reporter.hpp"
#include "parakit/report/table_reporter.hpp"

#include "report/sample_record.hpp"

namespace parakit::report {
namespace {

HeatSetup setup_37x53() {
  HeatSetup s;
  s.grid = {37, 53};
  s.steps = 100;
  s.exchange = "overlap";
  s.halo = 2;
  s.procs = {2, 1};
  s.bc = kernels::heat::Boundary::kInsulated;
  s.init = kernels::heat::Init::kSine;
  s.r = 0.2;
  s.seed = 7;
  s.check = 10;
  s.tol = 1e-9;
  return s;
}

// Two ranks, 2 x 1: rows 0-18 and 19-36. Rank 1 spent a quarter of its stepping in the exchange.
HeatOutcome outcome_2x1() {
  HeatOutcome o;
  o.steps_done = 60;
  o.residual = 5e-10;
  o.residuals = {{10, 0.5}, {20, 0.25}, {60, 5e-10}};
  o.field = {12.5, -0.125, 1.0, 0x00ab'cdef'0123'4567ULL};
  o.per_rank = {{0, 0, 0, 0, 0, 19, 53, 0.3, 0.1, 0.05, 0.01, 848, 30, 0, 0, 1},
                {1, 1, 0, 19, 0, 18, 53, 0.3, 0.1, 0.0, 0.02, 848, 30, 0, 0, 1}};
  return o;
}

// The run's stats: 3 timed runs with the median 0.5 s, two ranks of 2 threads.
RunStats stats_2x1() {
  RunStats stats;
  stats.ranks = 2;
  stats.threads_per_rank = 2;
  stats.times_s = {0.6, 0.5, 0.4};
  stats.phases = {{0, 0.01, 0.5, 0.01, 0.6}, {0, 0.01, 0.4, 0.01, 0.5}, {0, 0.01, 0.3, 0.01, 0.4}};
  stats.imbalance = {1.0, 1.0, 1.0};
  stats.per_rank = {{0, "a", 10, 2, "0-1", {}, 4, 0.4}, {1, "a", 11, 2, "2-3", {}, 4, 0.4}};
  return stats;
}

Record sample() {
  return heat_record(setup_37x53(), outcome_2x1(), stats_2x1(),
                     {{"parakit", "heat"}, "MPI lib", "3.1", "funneled", ""});
}

TEST(HeatRecord, states_what_was_asked_in_the_documented_order) {
  const Record r = sample();
  std::vector<std::string> keys;
  for (const auto& [key, _] : r.items())
    keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"schema",
                                            "kernel",
                                            "ranks",
                                            "threads_per_rank",
                                            "grid",
                                            "cells",
                                            "process_grid",
                                            "exchange",
                                            "halo",
                                            "bc",
                                            "init",
                                            "r",
                                            "steps",
                                            "check",
                                            "tol",
                                            "seed",
                                            "result",
                                            "steps_done",
                                            "cell_updates",
                                            "cell_updates_per_s",
                                            "residuals",
                                            "timing",
                                            "throughput_per_s",
                                            "throughput_per_core_per_s",
                                            "throughput_unit",
                                            "phases",
                                            "per_rank",
                                            "warnings",
                                            "context"}));
  EXPECT_EQ(r["schema"], "parakit.run/1");
  EXPECT_EQ(r["kernel"], "heat");
  EXPECT_EQ(r["grid"], Record({{"rows", 37}, {"cols", 53}}));
  EXPECT_EQ(r["cells"], 37 * 53);
  EXPECT_EQ(r["process_grid"], Record::array({2, 1}));
  EXPECT_EQ(r["exchange"], "overlap");
  EXPECT_EQ(r["halo"], 2);
  EXPECT_EQ(r["bc"], "insulated");
  EXPECT_EQ(r["init"], "sine");
  EXPECT_EQ(r["r"], 0.2);
  EXPECT_EQ(r["steps"], 100);
  EXPECT_EQ(r["check"], 10);
  EXPECT_EQ(r["tol"], 1e-9);
  EXPECT_EQ(r["seed"], 7);
}

TEST(HeatRecord, counts_the_work_in_cell_updates_of_the_steps_done) {
  const Record r = sample();
  EXPECT_EQ(r["steps_done"], 60);
  EXPECT_EQ(r["cell_updates"], 37 * 53 * 60) << "cells x steps done, not steps asked";
  EXPECT_DOUBLE_EQ(r["cell_updates_per_s"].get<double>(), 37.0 * 53 * 60 / 0.5) << "over the median time";
  EXPECT_EQ(r["throughput_unit"], "cell_updates");
  EXPECT_DOUBLE_EQ(r["throughput_per_s"].get<double>(), r["cell_updates_per_s"].get<double>());
  EXPECT_DOUBLE_EQ(r["throughput_per_core_per_s"].get<double>(), 37.0 * 53 * 60 / 0.5 / 4);
  EXPECT_EQ(r["residuals"], Record::parse("[[10,0.5],[20,0.25],[60,5e-10]]"));
}

TEST(HeatRecord, result_holds_only_what_every_layout_computes_alike) {
  const Record r = sample();
  EXPECT_EQ(r["result"], Record::parse(R"({"steps_done":60,"residual":5e-10,"checksum":"00abcdef01234567",)"
                                       R"("sum":12.5,"min":-0.125,"max":1.0})"));
  // Another layout of the same run: 4 ranks of 1 thread as 1 x 4, other times and other blocks.
  HeatSetup s = setup_37x53();
  s.procs = {1, 4};
  HeatOutcome o = outcome_2x1();
  RunStats stats = stats_2x1();
  stats.ranks = 4;
  stats.threads_per_rank = 1;
  stats.times_s = {0.2};
  stats.phases.resize(1);
  stats.imbalance = {1.1};
  stats.per_rank.resize(4);
  o.per_rank.resize(4);
  for (int i = 0; i < 4; ++i) {
    stats.per_rank[static_cast<std::size_t>(i)].rank = i;
    o.per_rank[static_cast<std::size_t>(i)] = {i, 0, i, 0, 14 * i, 37, i < 3 ? 14 : 11};
  }
  const Record other = heat_record(s, o, stats, {{"parakit", "heat"}, "MPI lib", "3.1", "funneled", ""});
  EXPECT_EQ(other["result"].dump(), r["result"].dump());
  EXPECT_NE(other["per_rank"].dump(), r["per_rank"].dump());
}

TEST(HeatRecord, no_step_leaves_the_residual_null) {
  HeatOutcome o = outcome_2x1();
  o.steps_done = 0;
  o.residual = std::numeric_limits<double>::quiet_NaN();
  o.residuals.clear();
  const Record r = heat_record(setup_37x53(), o, stats_2x1(), {});
  EXPECT_TRUE(r["result"]["residual"].is_null() || std::isnan(r["result"]["residual"].get<double>()));
  EXPECT_EQ(Record::parse(r.dump())["result"]["residual"], nullptr) << "JSON has no NaN";
  EXPECT_EQ(r["cell_updates"], 0);
  EXPECT_EQ(r["residuals"], Record::array());
}

TEST(HeatRecord, an_input_file_replaces_init_and_files_written_are_named) {
  HeatSetup s = setup_37x53();
  s.input = "/data/start.h5";
  s.input_type = "hdf5";
  s.input_dataset = "/field";
  s.output = "end.f64";
  s.png = "end.png";
  s.png_dir = "frames";
  s.every = 10;
  const Record r = heat_record(s, outcome_2x1(), stats_2x1(), {});
  EXPECT_FALSE(r.contains("init"));
  EXPECT_EQ(r["input"], "/data/start.h5");
  EXPECT_EQ(r["input_type"], "hdf5");
  EXPECT_EQ(r["dataset"], "/field");
  EXPECT_EQ(r["output"], "end.f64");
  EXPECT_EQ(r["png"], "end.png");
  EXPECT_EQ(r["png_dir"], "frames");
  EXPECT_EQ(r["every"], 10);
  s.input_type = "binary";
  s.input_dataset.clear();
  EXPECT_FALSE(heat_record(s, outcome_2x1(), stats_2x1(), {}).contains("dataset"));
}

TEST(HeatRecord, per_rank_adds_the_block_and_the_split_of_the_time) {
  const Record r = sample();
  ASSERT_EQ(r["per_rank"].size(), 2U);
  const Record& one = r["per_rank"][1];
  EXPECT_EQ(one["host"], "a") << "the fields every run has stay";
  EXPECT_EQ(one["coords"], Record::array({1, 0}));
  EXPECT_EQ(one["block"], Record::parse(R"({"row0":19,"col0":0,"rows":18,"cols":53})"));
  EXPECT_EQ(one["update_s"], 0.3);
  EXPECT_EQ(one["exchange_s"], 0.1);
  EXPECT_EQ(one["hidden_s"], 0.0);
  EXPECT_EQ(one["check_s"], 0.02);
  EXPECT_DOUBLE_EQ(one["exchange_share"].get<double>(), 0.25);  // 0.1 / (0.3 + 0.1)
  EXPECT_EQ(one["bytes_sent"], 848);
  EXPECT_EQ(one["messages_sent"], 30);
  EXPECT_EQ(one["bytes_read_shared"], 0);
  EXPECT_EQ(one["shared_neighbours"], 0);
  EXPECT_EQ(one["message_neighbours"], 1);
  HeatOutcome idle = outcome_2x1();
  idle.per_rank[0].update_s = idle.per_rank[0].exchange_s = 0.0;
  EXPECT_EQ(heat_record(setup_37x53(), idle, stats_2x1(), {})["per_rank"][0]["exchange_share"], 0.0)
      << "no time: no share, not NaN";
}

TEST(HeatRecord, refuses_rank_stats_that_do_not_match_the_ranks) {
  HeatOutcome o = outcome_2x1();
  o.per_rank.pop_back();
  EXPECT_THROW(heat_record(setup_37x53(), o, stats_2x1(), {}), Error);
  o = outcome_2x1();
  std::swap(o.per_rank[0], o.per_rank[1]);
  EXPECT_THROW(heat_record(setup_37x53(), o, stats_2x1(), {}), Error) << "by rank, in order";
}

TEST(HeatRankTables, where_each_rank_ran_then_update_versus_exchange) {
  const std::vector<Record> tables = heat_rank_tables(sample());
  ASSERT_EQ(tables.size(), 2U);
  EXPECT_EQ(tables[0][1], Record::parse(R"({"rank":1,"host":"a","pid":11,"threads":2,"cpus":"2-3",)"
                                        R"("thread_cpus":[],"compute_s":0.4,"peak_rss_bytes":0})"));
  const Record& time = tables[1][1];
  EXPECT_EQ(time["block"], "18x53 at (19,0)");
  EXPECT_EQ(time["update_s"], 0.3);
  EXPECT_DOUBLE_EQ(time["exchange_share"].get<double>(), 0.25);
  EXPECT_EQ(time["sent_bytes"], 848);
  EXPECT_EQ(time["messages"], 30);
  EXPECT_TRUE(heat_rank_tables(test::sample_record()).empty()) << "other kernels keep their table";
}

TEST(HeatRankTables, the_text_report_shows_compute_versus_exchange_per_rank) {
  std::ostringstream text;
  TableReporter().write(sample(), text);
  const std::string t = text.str();
  EXPECT_EQ(t.rfind("parakit heat: 2 ranks x 2 threads, grid ", 0), 0U) << t;
  EXPECT_NE(t.find("exchange overlap, halo 2, bc insulated, init sine"), std::string::npos) << t;
  EXPECT_NE(
      t.find("result  steps_done 60  residual 5e-10  checksum 00abcdef01234567  sum 12.5  min -0.125  max 1"),
      std::string::npos)
      << t;
  EXPECT_NE(t.find("throughput  2.353e+05 cell_updates/s"), std::string::npos) << t;  // 117660 / 0.5 s
  // The time table: its header, and rank 1's row with the units of each column.
  EXPECT_NE(t.find("\nrank            block    update_s  exchange_s   hidden_s    check_s  exchange_share  "
                   "sent_bytes  messages  read_shared_bytes\n"),
            std::string::npos)
      << t;
  EXPECT_NE(
      t.find("\n   1  18x53 at (19,0)  300.000 ms  100.000 ms       0 ns  20.000 ms           0.250     "
             "0.0 MiB        30            0.0 MiB\n"),
      std::string::npos)
      << t;
  EXPECT_EQ(t.find("coords"), std::string::npos) << "the raw per_rank entries are not printed: " << t;
}

TEST(HeatRankTables, csv_has_one_row_with_the_grid_and_the_result) {
  std::ostringstream csv;
  CsvReporter().write(sample(), csv);
  std::istringstream lines(csv.str());
  std::string header, row, extra;
  std::getline(lines, header);
  std::getline(lines, row);
  EXPECT_FALSE(std::getline(lines, extra)) << csv.str();
  EXPECT_NE(header.find("grid.rows,grid.cols,cells,process_grid"), std::string::npos) << header;
  EXPECT_NE(header.find("result.checksum"), std::string::npos) << header;
  EXPECT_EQ(header.find("residuals"), std::string::npos) << "a table is not one cell: " << header;
  EXPECT_NE(row.find("37,53,1961,2;1,overlap"), std::string::npos) << row;
}

}  // namespace
}  // namespace parakit::report

namespace parakit::report {

TEST(HeatRecord, shared_exchange_that_fell_back_to_messages_says_so_in_a_warning) {
  HeatSetup s = setup_37x53();
  EXPECT_EQ(heat_record(s, outcome_2x1(), stats_2x1(), {})["warnings"], Record::array())
      << "overlap: messages are what it asked for";
  s.exchange = "shared";
  const Record r = heat_record(s, outcome_2x1(), stats_2x1(), {});
  ASSERT_EQ(r["warnings"].size(), 1U);
  EXPECT_EQ(r["warnings"][0],
            "--exchange shared: 2 of 2 neighbour links join ranks on different nodes and exchanged messages "
            "instead of reading a shared window");
  HeatOutcome one_node = outcome_2x1();
  for (auto& rank : one_node.per_rank) {
    rank.shared_neighbours = 1;
    rank.message_neighbours = 0;
  }
  EXPECT_EQ(heat_record(s, one_node, stats_2x1(), {})["warnings"], Record::array());
}

}  // namespace parakit::report
