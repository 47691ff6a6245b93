#include "parakit/report/machine_record.hpp"

#include <gtest/gtest.h>

using namespace parakit::report;

TEST(MachineRecord, summarises_the_caches_in_one_line_with_binary_units) {
  parakit::sys::Topology t;
  t.cpu_model = "Test CPU";
  t.packages = 1;
  t.numa_nodes = 2;
  t.cores = 8;
  t.hardware_threads = 16;
  // 48 KiB, 1.5 MiB (not whole MiB: KiB), 32 MiB, and a size under 1 KiB.
  t.caches = {{1, 48 << 10, 8}, {2, 1536 << 10, 8}, {3, 32 << 20, 1}, {4, 512, 2}};
  t.hwloc_api_version = "2.9.0";
  const Record m = machine_record("node1", t);
  EXPECT_EQ(m["cache_summary"], "L1 48 KiB x 8, L2 1536 KiB x 8, L3 32 MiB x 1, L4 512 B x 2");
  EXPECT_EQ(m["host"], "node1");
  EXPECT_EQ(m["cores"], 8);
  EXPECT_EQ(m["hardware_threads"], 16);
  EXPECT_EQ(m["numa_nodes"], 2);
  ASSERT_EQ(m["caches"].size(), 4U);
  EXPECT_EQ(m["caches"][2]["size_bytes"], 32 << 20);
  EXPECT_EQ(m["caches"][2]["count"], 1);
  EXPECT_EQ(m["hwloc_api_version"], "2.9.0");
}

TEST(MachineRecord, no_caches_give_an_empty_summary) {
  const Record m = machine_record("h", {});
  EXPECT_EQ(m["cache_summary"], "");
  EXPECT_TRUE(m["caches"].empty());
}
