#include "parakit/study/warnings.hpp"

#include <fmt/format.h>
#include <stdlib.h>

namespace parakit::study {

std::vector<std::string> busy_warning(int available_cores) {
  double load = 0.0;
  if (::getloadavg(&load, 1) != 1 || load < 0.5 * available_cores + 0.25) return {};
  return {
      fmt::format("the machine was busy when the study started (load average {:.1f} over the last minute "
                  "on {} cores): other processes compete with the runs, so times may measure sharing",
                  load, available_cores)};
}

std::vector<std::string> run_warnings(const std::vector<nlohmann::json>& records,
                                      const std::vector<Point>& points) {
  std::vector<std::string> warnings;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!records[i].contains("warnings")) continue;
    for (const auto& w : records[i]["warnings"]) {
      const std::string text = w.get<std::string>();
      if (text.rfind("oversubscribed", 0) == 0) continue;
      warnings.push_back(points[i].label + ": " + text);
    }
  }
  return warnings;
}

}  // namespace parakit::study
