#include "parakit/topology.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "parakit/dist/ceilings.hpp"
#include "parakit/sys.hpp"

TEST(Topology, hwloc_sees_this_machine) {
  const auto t = parakit::sys::read_topology();
  EXPECT_GE(t.packages, 1);
  EXPECT_GE(t.cores, t.packages);
  EXPECT_GE(t.hardware_threads, t.cores);
  EXPECT_GE(t.allowed_cores, 1);
  EXPECT_LE(t.allowed_cores, t.cores);
  EXPECT_LE(static_cast<std::size_t>(t.allowed_cores), parakit::sys::allowed_cpus().size())
      << "a core per allowed CPU at most";
  EXPECT_GE(t.hardware_threads, static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)));
  EXPECT_GE(t.numa_nodes, 1);
  ASSERT_FALSE(t.caches.empty());
  for (const auto& c : t.caches) {
    EXPECT_GE(c.level, 1);
    EXPECT_GT(c.size_bytes, 0U);
    EXPECT_GE(c.count, 1);
  }
  EXPECT_EQ(t.hwloc_api_version.front(), '2');
}

TEST(BenchSize, arrays_outgrow_the_last_level_cache_within_bounds) {
  constexpr std::size_t kMiB = std::size_t{1} << 20;
  EXPECT_EQ(parakit::dist::bench_bytes_per_thread(32 * kMiB, 2), 64 * kMiB)
      << "small caches: the 64 MiB floor";
  // 1 GiB of L3 (e.g. 8 x 128 MiB) over 16 threads: 4 x 1 GiB / 16 = 256 MiB each.
  EXPECT_EQ(parakit::dist::bench_bytes_per_thread(1024 * kMiB, 16), 256 * kMiB);
  EXPECT_EQ(parakit::dist::bench_bytes_per_thread(1024 * kMiB, 1), 1024 * kMiB) << "the 1 GiB ceiling";
  EXPECT_EQ(parakit::dist::bench_bytes_per_thread(0, 0), 64 * kMiB);
  EXPECT_EQ(parakit::dist::bench_bytes_per_thread(300 * kMiB + 7, 3) % 4096, 0U) << "whole pages";
}
