#include "parakit/study/checks.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/exec/process.hpp"
#include "parakit/study/launch.hpp"

namespace parakit::study {

void check_plot_tools() {
  if (!exec::find_executable("gnuplot"))
    throw UsageError("--plot needs gnuplot, which is not on PATH (Debian: apt-get install gnuplot-nox)");
  data_dir();
}

void check_same_result(const std::vector<nlohmann::json>& records, const std::vector<Point>& points) {
  for (std::size_t i = 1; i < records.size(); ++i) {
    if (records[i]["result"] != records[0]["result"]) {
      throw WrongAnswer(fmt::format("{} and {} computed different results for the same work: {} vs {}",
                                    points[0].label, points[i].label,
                                    records[0]["result"].dump().substr(0, 200),
                                    records[i]["result"].dump().substr(0, 200)));
    }
  }
}

void check_same_work_per_core(const std::vector<Point>& points) {
  for (std::size_t i = 1; i < points.size(); ++i) {
    const double a = points[0].work / points[0].layout.cores(), b = points[i].work / points[i].layout.cores();
    if (!(std::abs(a - b) <= 1e-9 * std::max(a, b))) {
      throw UsageError(
          fmt::format("--records: weak scaling needs the same work per core, and {} has {} per "
                      "core while {} has {}",
                      points[0].label, a, points[i].label, b));
    }
  }
}

}  // namespace parakit::study
