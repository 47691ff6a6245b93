#pragma once
/// @file
/// @brief The `machine` part of a record: what hwloc reports for a host. No MPI.

#include <string>

#include "parakit/report/record.hpp"
#include "parakit/topology.hpp"

namespace parakit::report {

/// @brief @p machine as the record's `machine` object: host, cpu_model, packages, numa_nodes, cores,
/// hardware_threads, cache_summary (one line: "L1 48 KiB x 8, L2 ..."), caches (level, size_bytes,
/// count) and hwloc_api_version.
Record machine_record(const std::string& host, const sys::Topology& machine);

}  // namespace parakit::report
