#include "parakit/report/trace.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <utility>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "parakit/error.hpp"

#include "trace_boxes.hpp"

using namespace parakit::report;
using parakit::test::three_boxes_with_dependencies;
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

TEST(ChromeTrace, a_farm_has_no_flow_events) {
  const auto trace = nlohmann::json::parse(chrome_trace(two_boxes(), {"a", "b"}, 2));
  for (const auto& e : trace["traceEvents"])
    EXPECT_TRUE(e["ph"] != "s" && e["ph"] != "f") << e.dump();
}

TEST(ChromeTrace, each_dependency_is_a_flow_from_the_predecessors_end_to_the_dependents_start) {
  const auto trace = nlohmann::json::parse(chrome_trace(three_boxes_with_dependencies(), {"a", "b"}, 2));
  std::map<std::int64_t, nlohmann::json> starts, finishes;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] == "s") starts[e["id"].get<std::int64_t>()] = e;
    if (e["ph"] == "f") finishes[e["id"].get<std::int64_t>()] = e;
  }
  ASSERT_EQ(starts.size(), 2U) << "box c waited for a and b";
  ASSERT_EQ(finishes.size(), 2U);
  std::set<std::pair<double, std::int64_t>> from;  // (end in us, rank) of each arrow's tail
  for (const auto& [id, s] : starts) {
    ASSERT_TRUE(finishes.contains(id)) << "flow " << id << " has no end";
    const auto& f = finishes[id];
    EXPECT_EQ(s["cat"], f["cat"]);
    EXPECT_EQ(f["bp"], "e") << "bound to the dependent's own slice, not the next one";
    EXPECT_DOUBLE_EQ(f["ts"].get<double>(), 1.25e6) << "c starts at 1.25 s";
    EXPECT_EQ(f["pid"], 0);
    EXPECT_EQ(f["tid"], 1);
    from.insert({s["ts"].get<double>(), s["pid"].get<std::int64_t>()});
    EXPECT_EQ(s["tid"], 0);
  }
  const std::set<std::pair<double, std::int64_t>> expected = {{1.0e6, 0}, {0.5e6, 1}};
  EXPECT_EQ(from, expected) << "a ends at 1 s on rank 0, b at 0.5 s on rank 1";
}

TEST(ChromeTrace, a_dependency_on_a_box_that_does_not_exist_throws) {
  auto boxes = three_boxes_with_dependencies();
  boxes[2].after = {3};
  EXPECT_THROW((void)chrome_trace(boxes, {"a", "b"}, 2), parakit::Error);
}
