#include "parakit/report/trace.hpp"

#include <algorithm>

#include <fmt/format.h>

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
  nlohmann::ordered_json trace = {{"traceEvents", events}, {"displayTimeUnit", "ms"}};
  return trace.dump() + "\n";
}

}  // namespace parakit::report
