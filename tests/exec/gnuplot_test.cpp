#include "parakit/exec/gnuplot.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>
#include <unistd.h>

#include "report/trace_boxes.hpp"

using parakit::test::three_boxes_with_dependencies;
using parakit::test::two_boxes;
namespace fs = std::filesystem;

TEST(GanttChart, gnuplot_draws_a_png) {
  const auto path = fs::temp_directory_path() / ("parakit_gantt_" + std::to_string(::getpid()) + ".png");
  parakit::exec::write_gantt_png(path.string(), two_boxes(), 2, 2, "test's title");
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000U);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  fs::remove(path);
}

TEST(GanttChart, a_farm_has_no_arrows) {
  const std::string script = parakit::exec::gantt_script(two_boxes(), 2, 2, "farm", "boxes.dat", "out.png");
  EXPECT_EQ(script.find("$arrows"), std::string::npos) << script;
  EXPECT_EQ(script.find("vectors"), std::string::npos) << script;
}

TEST(GanttChart, an_arrow_from_each_predecessors_end_to_the_dependents_start) {
  const std::string script =
      parakit::exec::gantt_script(three_boxes_with_dependencies(), 2, 2, "graph", "boxes.dat", "out.png");
  // x y dx dy: lanes are rank x 2 + thread. a (lane 0) ends at 1 s, b (lane 2) at 0.5 s; c (lane 1)
  // starts at 1.25 s.
  EXPECT_NE(script.find("$arrows << EOD\n1 0 0.25 1\n0.5 2 0.75 -1\nEOD\n"), std::string::npos) << script;
  EXPECT_NE(script.find("$arrows using 1:2:3:4 with vectors"), std::string::npos) << script;
}

TEST(GanttChart, gnuplot_draws_the_arrows_of_a_graph) {
  const auto path =
      fs::temp_directory_path() / ("parakit_gantt_graph_" + std::to_string(::getpid()) + ".png");
  parakit::exec::write_gantt_png(path.string(), three_boxes_with_dependencies(), 2, 2, "graph");
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  fs::remove(path);
}
