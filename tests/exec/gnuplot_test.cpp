#include "parakit/exec/gnuplot.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>
#include <unistd.h>

#include "report/trace_boxes.hpp"

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
