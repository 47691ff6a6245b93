#include "parakit/report/table_reporter.hpp"

#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "report/sample_record.hpp"

using namespace parakit::report;
using parakit::report::test::sample_record;

TEST(TableReporter, shows_rates_as_rates_and_times_with_units) {
  Record r = {{"kernel", "k"}, {"ranks", 1}, {"threads_per_rank", 1}};
  r["result"] = {{"bytes_per_s", 2.5e9}, {"wait_s", 0.0015}};
  std::ostringstream out;
  TableReporter{}.write(r, out);
  EXPECT_NE(out.str().find("bytes_per_s 2.5e+09/s"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("wait_s 1.500 ms"), std::string::npos) << out.str();
}

TEST(TableReporter, shows_the_result_timing_and_ranks) {
  std::ostringstream out;
  TableReporter{}.write(sample_record(), out);
  const std::string text = out.str();
  EXPECT_TRUE(text.starts_with("parakit test: 2 ranks x 2 threads, seed 1\n")) << text;
  EXPECT_NE(text.find("median_s 200.000 ms"), std::string::npos) << text;
  EXPECT_NE(text.find("throughput  4000 units/s"), std::string::npos) << text;
}

TEST(TableReporter, picks_the_unit_of_each_value_from_its_name) {
  Record r = {{"kernel", "k"}, {"ranks", 1}, {"threads_per_rank", 1}};
  r["result"] = {{"long_s", 2.0},      {"short_s", 2.5e-6},    {"tiny_s", 4e-9},
                 {"speedup", 1.23456}, {"rss_bytes", 3 << 20}, {"count", 7},
                 {"ratio", 0.1},       {"none", nullptr},      {"name", "x"}};
  std::ostringstream out;
  TableReporter{}.write(r, out);
  EXPECT_EQ(out.str(),
            "parakit k: 1 rank x 1 thread\n"
            "result  long_s 2.000 s  short_s 2.5 us  tiny_s 4 ns  speedup 1.235  rss_bytes 3.0 MiB  count 7  "
            "ratio 0.1  none -  name x\n");
}

TEST(TableReporter, draws_a_histogram_one_bar_per_bin_scaled_to_the_fullest) {
  Record r = {{"kernel", "k"}, {"ranks", 1}, {"threads_per_rank", 1}};
  r["result"] = {{"histogram", {{"edges", {0.0, 1.0, 2.0}}, {"counts", {4, 2}}}}};
  std::ostringstream out;
  TableReporter{}.write(r, out);
  const std::string text = out.str();
  // 4 of 4 fills 40 columns, 2 of 4 fills 20; the last bin is closed.
  EXPECT_NE(
      text.find("histogram\n  [           0,            1)             4  " + std::string(40, '#') + "\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("  [           1,            2]             2  " + std::string(20, '#') + "\n"),
            std::string::npos)
      << text;
}

TEST(TableReporter, shows_a_study_with_its_setup_columns_flags_and_baseline) {
  Record r = {{"study", "scale"},     {"scaling", "strong"},  {"kernel", "pi"},
              {"kernel_options", ""}, {"cores", 4},           {"repeat", 3},
              {"warmup", 1},          {"launcher", "mpirun"}, {"baseline_cores", 2}};
  r["rows"] = Record::array({{{"layout", "2x1"}, {"cores", 2}, {"median_s", 0.5}, {"speedup", 1.0}},
                             {{"layout", "4x1"},
                              {"cores", 4},
                              {"median_s", 0.25},
                              {"speedup", 2.0},
                              {"noisy", true},
                              {"wall_check_failed", true}}});
  std::ostringstream out;
  TableReporter{}.write(r, out);
  // Columns right-aligned to their widest cell; `flags` last, empty where a row has none.
  EXPECT_EQ(out.str(),
            "parakit scale strong pi on 4 cores\n"
            "  3 repeats after 1 warm-up run(s) per point; mpirun\n"
            "  layout  cores    median_s  speedup             flags\n"
            "     2x1      2  500.000 ms    1.000\n"
            "     4x1      4  250.000 ms    2.000  noisy,wall-clock\n"
            "  speedup and efficiency are relative to the first point (2 cores), whose efficiency is assumed "
            "to be 1\n");
}
