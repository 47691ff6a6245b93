#include "parakit/study/point.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "parakit/report/statistics.hpp"

namespace parakit::study {
namespace {

double number_or_nan(const nlohmann::json& object, const char* key) {
  return object.contains(key) && object[key].is_number() ? object[key].get<double>() : kNaN;
}

}  // namespace

Point point_from_record(const StudyKernel& kernel, const nlohmann::json& record) {
  Point p;
  p.layout = {record.value("ranks", 0), record.value("threads_per_rank", 0)};
  p.label = layout_name(p.layout);
  p.work = number_or_nan(record, std::string(kernel.unit).c_str());
  p.times_s = record["timing"]["times_s"].get<std::vector<double>>();
  p.runs = record["timing"].value("warmup", 0) + static_cast<int>(p.times_s.size());
  const auto& phases = record["phases"];
  p.compute_s = number_or_nan(phases, "compute_s");
  p.communication_s = number_or_nan(phases, "partition_s") + number_or_nan(phases, "scatter_s") +
                      number_or_nan(phases, "reduce_s");
  // Unknown (NaN) unless the ranks say: a program timed from outside does not.
  for (const auto& rank : record["per_rank"]) {
    const double rss = number_or_nan(rank, "peak_rss_bytes");
    if (std::isnan(rss)) continue;
    p.peak_rss_rank_bytes = std::isnan(p.peak_rss_rank_bytes) ? rss : std::max(p.peak_rss_rank_bytes, rss);
    p.peak_rss_total_bytes = std::isnan(p.peak_rss_total_bytes) ? rss : p.peak_rss_total_bytes + rss;
  }
  for (const auto& w : record.value("warnings", nlohmann::json::array()))
    if (w.is_string() && w.get<std::string>().rfind("oversubscribed", 0) == 0) p.oversubscribed = true;
  return p;
}

void set_launch_cost(Point& point, const std::vector<double>& empty_s) {
  const report::Summary s = report::summarize(empty_s);
  point.launch_s = s.median;
  point.launch_spread_s = s.max - s.min;
}

}  // namespace parakit::study
