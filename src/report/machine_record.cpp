#include "parakit/report/machine_record.hpp"

#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace parakit::report {
namespace {

// A cache size in whole MiB when it is one, else KiB (rounded down), else bytes.
std::string size_text(std::uint64_t bytes) {
  if (bytes >= (1ULL << 20) && bytes % (1ULL << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  if (bytes >= (1ULL << 10)) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} B", bytes);
}

}  // namespace

Record machine_record(const std::string& host, const sys::Topology& machine) {
  Record caches = Record::array();
  std::string cache_summary;
  for (const auto& c : machine.caches) {
    caches.push_back({{"level", c.level}, {"size_bytes", c.size_bytes}, {"count", c.count}});
    cache_summary += fmt::format("{}L{} {} x {}", cache_summary.empty() ? "" : ", ", c.level,
                                 size_text(c.size_bytes), c.count);
  }
  return {{"host", host},
          {"cpu_model", machine.cpu_model},
          {"packages", machine.packages},
          {"numa_nodes", machine.numa_nodes},
          {"cores", machine.cores},
          {"hardware_threads", machine.hardware_threads},
          {"cache_summary", cache_summary},
          {"caches", caches},
          {"hwloc_api_version", machine.hwloc_api_version}};
}

}  // namespace parakit::report
