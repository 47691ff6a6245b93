#pragma once
/// @file
/// @brief The machine as hwloc sees it: packages, cores, hardware threads, NUMA nodes, caches. No MPI.

#include <cstdint>
#include <string>
#include <vector>

namespace parakit::sys {

/// @brief One level of data (or unified) cache.
struct CacheLevel {
  int level = 0;                 ///< 1, 2, 3, ...
  std::uint64_t size_bytes = 0;  ///< of one cache of this level
  int count = 0;                 ///< how many the machine has
};

/// @brief What hwloc reports for this host.
struct Topology {
  std::string cpu_model;  ///< e.g. "AMD EPYC 9R14 96-Core Processor" ("" when unknown)
  int packages = 0;
  int numa_nodes = 0;
  int cores = 0;
  int hardware_threads = 0;  ///< processing units (PUs)
  int allowed_cores = 0;     ///< cores with a PU this process may run on (its CPU binding)
  std::vector<CacheLevel> caches;
  std::string hwloc_api_version;  ///< of the hwloc library in use, e.g. "2.8.0" (hwloc 2.9's API)
};

/// @brief Reads this host's topology with hwloc. @throws parakit::Error if hwloc cannot.
Topology read_topology();

}  // namespace parakit::sys
