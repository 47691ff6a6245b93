// The study's kernels and the work of each run: the work option's value, and weak scaling's multiplied work.

#include "parakit/study/work.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"
#include "parakit/study/kernel.hpp"

#include "study/run_record.hpp"

namespace parakit::study {
namespace {

using Words = std::vector<std::string>;

const StudyKernel& pi() {
  return *find_kernel("pi");
}

const StudyKernel& heat() {
  return *find_kernel("heat");
}

TEST(StudyKernels, pi_stats_and_heat_with_their_work_options) {
  EXPECT_EQ(kernel_names(), "pi, stats, heat");
  ASSERT_EQ(study_kernels().size(), 3U);
  ASSERT_NE(find_kernel("pi"), nullptr);
  EXPECT_EQ(pi().work_option, "--samples");
  EXPECT_EQ(pi().unit, "samples");
  ASSERT_NE(find_kernel("stats"), nullptr);
  EXPECT_TRUE(find_kernel("stats")->work_option.empty()) << "a file fixes the work of stats";
  EXPECT_EQ(pi().scaling, WorkScaling::kCounts);
  ASSERT_NE(find_kernel("heat"), nullptr);
  EXPECT_EQ(heat().work_option, "--grid");
  EXPECT_EQ(heat().default_work, "1024x1024");
  EXPECT_EQ(heat().unit, "cell_updates") << "the run record's field studies read";
  EXPECT_EQ(heat().scaling, WorkScaling::kGrid);
  EXPECT_EQ(find_kernel("sort"), nullptr);
  EXPECT_EQ(find_kernel("Pi"), nullptr);
}

TEST(WorkValue, the_last_work_option_given_else_the_default) {
  EXPECT_EQ(work_value(pi(), {}), "100000,3200000");
  EXPECT_EQ(work_value(pi(), {"--seed", "3"}), "100000,3200000");
  EXPECT_EQ(work_value(pi(), {"--samples", "5"}), "5");
  EXPECT_EQ(work_value(pi(), {"--samples=7", "--seed", "1"}), "7");
  EXPECT_EQ(work_value(pi(), {"--samples", "5", "--samples=9,10"}), "9,10");
  EXPECT_EQ(work_value(pi(), {"--samples"}), "100000,3200000") << "an option without its value";
}

TEST(ScaledWork, multiplies_every_entry_and_puts_the_option_last) {
  EXPECT_EQ(scaled_work(pi(), {"--seed", "3", "--samples", "10,20"}, 4),
            (Words{"--seed", "3", "--samples", "40,80"}));
  EXPECT_EQ(scaled_work(pi(), {"--samples=10", "--seed=2"}, 2), (Words{"--seed=2", "--samples", "20"}));
  EXPECT_EQ(scaled_work(pi(), {}, 3), (Words{"--samples", "300000,9600000"})) << "the default work, scaled";
  EXPECT_EQ(scaled_work(pi(), {"--samples", "1e3"}, 1), (Words{"--samples", "1000"}));
  EXPECT_EQ(scaled_work(pi(), {"--samples", "5", "--samples", "6"}, 2), (Words{"--samples", "12"}))
      << "the last value wins and every occurrence is replaced";
}

TEST(ScaledWork, stops_at_two_to_the_63_minus_1) {
  const std::uint64_t half = kMaxWork / 2;  // 2 x half = 2^63 - 2: still fits
  EXPECT_EQ(scaled_work(pi(), {"--samples", std::to_string(half)}, 2),
            (Words{"--samples", std::to_string(half * 2)}));
  EXPECT_EQ(test::message_of<UsageError>([&] {
              scaled_work(pi(), {"--samples", std::to_string(half + 1)}, 2);
            }),
            "--samples: 4611686018427387904 x 2 cores is more than 2^63-1 (accepted: less work per core)");
  EXPECT_EQ(test::message_of<UsageError>([&] {
              scaled_work(pi(), {"--samples", "9e18"}, 2);
            }),
            "--samples: 9000000000000000000 x 2 cores is more than 2^63-1 (accepted: less work per core)");
  EXPECT_NE(test::message_of<UsageError>([&] {
              scaled_work(pi(), {"--samples", "many"}, 2);
            }).find("--samples: 'many'"),
            std::string::npos);
}

TEST(ScaledWork, needs_a_work_option) {
  EXPECT_THROW(scaled_work(*find_kernel("stats"), {}, 2), Error);
}

// Weak scaling of a grid: MPI_Dims_create's process grid of the cores (larger side first, along the
// rows) multiplies rows and columns, so that each rank's block keeps the one-core grid's shape.
TEST(ScaledWork, grows_a_grid_along_the_process_grid_of_the_cores) {
  EXPECT_EQ(scaled_work(heat(), {"--grid", "37x53"}, 1), (Words{"--grid", "37x53"}));
  EXPECT_EQ(scaled_work(heat(), {"--grid", "37x53", "--steps", "5"}, 2),
            (Words{"--steps", "5", "--grid", "74x53"}));
  EXPECT_EQ(scaled_work(heat(), {"--grid=10x7"}, 3), (Words{"--grid", "30x7"}));
  EXPECT_EQ(scaled_work(heat(), {"--grid", "10x7"}, 4), (Words{"--grid", "20x14"}));
  EXPECT_EQ(scaled_work(heat(), {"--grid", "10x7"}, 6), (Words{"--grid", "30x14"}));
  EXPECT_EQ(scaled_work(heat(), {"--grid", "10x7"}, 16), (Words{"--grid", "40x28"}));
  EXPECT_EQ(scaled_work(heat(), {}, 4), (Words{"--grid", "2048x2048"})) << "the default grid, grown";
  EXPECT_EQ(scaled_work(heat(), {"--grid", "1e3x5"}, 2), (Words{"--grid", "2000x5"}));
  EXPECT_EQ(scaled_work(heat(), {"--grid", "4x4", "--grid", "5x5"}, 2), (Words{"--grid", "10x5"}))
      << "the last value wins and every occurrence is replaced";
}

TEST(ScaledWork, a_grid_grows_no_further_than_a_grid_may_be) {
  EXPECT_EQ(scaled_work(heat(), {"--grid", "1073741823x1"}, 2), (Words{"--grid", "2147483646x1"}));
  EXPECT_EQ(test::message_of<UsageError>([&] {
              scaled_work(heat(), {"--grid", "1073741824x1"}, 2);
            }),
            "--grid: 1073741824x1 on 2 cores (2x1 ranks) is 2147483648x1, more than a grid may be (accepted: "
            "sides up to 2147483647 and at most 2^40 cells; a smaller grid per core)");
  // 2^20 x 2^20 is 2^40 cells, the most: twice that is too many.
  EXPECT_NE(test::message_of<UsageError>([&] {
              scaled_work(heat(), {"--grid", "1048576x1048576"}, 2);
            }).find("is 2097152x1048576, more than a grid may be"),
            std::string::npos);
  EXPECT_NE(test::message_of<UsageError>([&] {
              scaled_work(heat(), {"--grid", "12"}, 2);
            }).find("--grid"),
            std::string::npos)
      << "parse_grid's message";
}

}  // namespace
}  // namespace parakit::study
