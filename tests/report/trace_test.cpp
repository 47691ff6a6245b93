#include "parakit/report/trace.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "trace_boxes.hpp"

using namespace parakit::report;
using parakit::test::two_boxes;

TEST(ChromeTrace, one_complete_event_per_box_in_microseconds_with_named_lanes) {
  const auto trace = nlohmann::json::parse(chrome_trace(two_boxes(), {"a", "b"}, 2));
  int boxes = 0, thread_names = 0;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] == "X") {
      ++boxes;
      if (e["name"] == "task 0") {
        EXPECT_EQ(e["pid"], 0);
        EXPECT_EQ(e["tid"], 1);
        EXPECT_DOUBLE_EQ(e["ts"].get<double>(), 0.5e6);
        EXPECT_DOUBLE_EQ(e["dur"].get<double>(), 0.75e6);
        EXPECT_EQ(e["args"]["task"], 0);
      } else {
        EXPECT_EQ(e["cat"], "failed");
      }
    } else if (e["name"] == "thread_name") {
      ++thread_names;
    } else if (e["name"] == "process_name" && e["pid"] == 1) {
      EXPECT_EQ(e["args"]["name"], "rank 1 (b)");
    }
  }
  EXPECT_EQ(boxes, 2);
  EXPECT_EQ(thread_names, 4) << "2 ranks x 2 threads";
}
