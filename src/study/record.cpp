#include "parakit/study/record.hpp"

#include <algorithm>
#include <sstream>

#include "parakit/report/csv_reporter.hpp"
#include "parakit/report/run_report.hpp"

namespace parakit::study {

report::Record bindings(const std::vector<nlohmann::json>& records, const std::vector<Point>& points) {
  report::Record all = report::Record::array();
  for (std::size_t i = 0; i < records.size() && i < points.size(); ++i) {
    report::Record ranks = report::Record::array();
    for (const auto& rank : records[i].value("per_rank", nlohmann::json::array())) {
      // A program timed from outside reports processes (pid), not ranks: its OpenMP runtime told them.
      report::Record entry = rank.contains("rank") ? report::Record{{"rank", rank.value("rank", 0)}}
                                                   : report::Record{{"pid", rank.value("pid", 0L)}};
      entry["host"] = rank.value("host", "");
      entry["thread_cpus"] = rank.value("thread_cpus", nlohmann::json::array());
      ranks.push_back(std::move(entry));
    }
    report::Record layout = {{"layout", points[i].label}, {"per_rank", ranks}};
    if (records[i].contains("launch")) layout["launch"] = records[i]["launch"];
    all.push_back(std::move(layout));
  }
  return all;
}

report::Record study_context(const std::vector<std::string>& argv,
                             const std::vector<nlohmann::json>& records) {
  report::Context context{argv, "", "", "", ""};
  std::vector<std::string> hosts;
  for (const auto& r : records) {
    const nlohmann::json c = r.value("context", nlohmann::json::object());
    context.mpi_library = c.value("mpi_library", "");
    context.mpi_version = c.value("mpi_version", "");
    context.mpi_thread_level = c.value("mpi_thread_level", "");
    for (const auto& h : c.value("hosts", nlohmann::json::array()))
      if (h.is_string() && std::find(hosts.begin(), hosts.end(), h.get<std::string>()) == hosts.end())
        hosts.push_back(h.get<std::string>());
  }
  return report::context_record(context, hosts);
}

std::string rows_csv(const report::Record& record) {
  std::ostringstream csv;
  report::CsvReporter().write(record, csv);
  return csv.str();
}

}  // namespace parakit::study
