#include "parakit/topology.hpp"

#include <hwloc.h>

#include "parakit/error.hpp"

namespace parakit::sys {

Topology read_topology() {
  hwloc_topology_t topology = nullptr;
  if (hwloc_topology_init(&topology) != 0) throw Error("hwloc: cannot initialise a topology");
  if (hwloc_topology_load(topology) != 0) {
    hwloc_topology_destroy(topology);
    throw Error("hwloc: cannot load this machine's topology");
  }
  const auto count = [&](hwloc_obj_type_t type) { return hwloc_get_nbobjs_by_type(topology, type); };
  Topology t;
  t.packages = count(HWLOC_OBJ_PACKAGE);
  t.numa_nodes = count(HWLOC_OBJ_NUMANODE);
  t.cores = count(HWLOC_OBJ_CORE);
  t.hardware_threads = count(HWLOC_OBJ_PU);
  t.allowed_cores = t.cores;
  if (hwloc_bitmap_t bound = hwloc_bitmap_alloc()) {
    if (hwloc_get_cpubind(topology, bound, HWLOC_CPUBIND_PROCESS) == 0 ||
        hwloc_get_cpubind(topology, bound, HWLOC_CPUBIND_THREAD) == 0) {
      t.allowed_cores = 0;
      for (int i = 0; i < t.cores; ++i) {
        const hwloc_obj_t core = hwloc_get_obj_by_type(topology, HWLOC_OBJ_CORE, static_cast<unsigned>(i));
        if (core != nullptr && hwloc_bitmap_intersects(core->cpuset, bound)) ++t.allowed_cores;
      }
    }
    hwloc_bitmap_free(bound);
  }
  int level = 1;
  for (const hwloc_obj_type_t type :
       {HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L4CACHE}) {
    const int n = count(type);
    if (n > 0) {
      const hwloc_obj_t first = hwloc_get_obj_by_type(topology, type, 0);
      t.caches.push_back({level, first->attr->cache.size, n});
    }
    ++level;
  }
  for (hwloc_obj_t obj :
       {hwloc_get_obj_by_type(topology, HWLOC_OBJ_PACKAGE, 0), hwloc_get_root_obj(topology)}) {
    const char* model = obj != nullptr ? hwloc_obj_get_info_by_name(obj, "CPUModel") : nullptr;
    if (model != nullptr) {
      t.cpu_model = model;
      break;
    }
  }
  const unsigned version = hwloc_get_api_version();
  t.hwloc_api_version = std::to_string(version >> 16) + "." + std::to_string((version >> 8) & 0xff) + "." +
                        std::to_string(version & 0xff);
  hwloc_topology_destroy(topology);
  return t;
}

}  // namespace parakit::sys
