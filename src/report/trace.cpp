#include "parakit/report/trace.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "parakit/error.hpp"

namespace parakit::report {

std::string chrome_trace(const std::vector<TraceBox>& boxes, const std::vector<std::string>& hosts,
                         int threads) {
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  for (std::size_t r = 0; r < hosts.size(); ++r) {
    events.push_back({{"name", "process_name"},
                      {"ph", "M"},
                      {"pid", r},
                      {"args", {{"name", fmt::format("rank {} ({})", r, hosts[r])}}}});
    events.push_back(
        {{"name", "process_sort_index"}, {"ph", "M"}, {"pid", r}, {"args", {{"sort_index", r}}}});
    for (int t = 0; t < threads; ++t) {
      events.push_back({{"name", "thread_name"},
                        {"ph", "M"},
                        {"pid", r},
                        {"tid", t},
                        {"args", {{"name", fmt::format("thread {}", t)}}}});
    }
  }
  for (const TraceBox& b : boxes) {
    nlohmann::ordered_json e = {{"name", b.name},
                                {"cat", b.failed ? "failed" : "task"},
                                {"ph", "X"},
                                {"ts", b.start_s * 1e6},
                                {"dur", std::max(0.0, b.end_s - b.start_s) * 1e6},
                                {"pid", b.rank},
                                {"tid", b.thread}};
    if (!b.args.is_null()) e["args"] = b.args;
    events.push_back(std::move(e));
  }
  // One flow (an arrow) per dependency: "s" at the predecessor's end, "f" at the dependent's start, with
  // a shared id. An "s" binds to the slice enclosing its timestamp on its thread (the viewer's slices
  // are closed intervals, so the end is inside); an "f" binds by default to the next slice to begin
  // after it, which would be the dependent's successor: "bp":"e" binds it to the enclosing one instead.
  std::size_t flow = 0;
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    const TraceBox& b = boxes[i];
    for (const std::size_t p : b.after) {
      PARAKIT_REQUIRE(p < boxes.size(), fmt::format("box {} waits for box {} of {}", i, p, boxes.size()));
      const TraceBox& from = boxes[p];
      const nlohmann::ordered_json common = {{"name", "waited for"}, {"cat", "dependency"}, {"id", flow}};
      nlohmann::ordered_json start = common, finish = common;
      start.update(nlohmann::ordered_json{
          {"ph", "s"}, {"ts", from.end_s * 1e6}, {"pid", from.rank}, {"tid", from.thread}});
      finish.update(nlohmann::ordered_json{
          {"ph", "f"}, {"bp", "e"}, {"ts", b.start_s * 1e6}, {"pid", b.rank}, {"tid", b.thread}});
      events.push_back(std::move(start));
      events.push_back(std::move(finish));
      ++flow;
    }
  }
  nlohmann::ordered_json trace = {{"traceEvents", events}, {"displayTimeUnit", "ms"}};
  return trace.dump() + "\n";
}

}  // namespace parakit::report
