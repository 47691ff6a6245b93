// The study protocol of programs built on parakit (study_record.hpp) under mpiexec at 1-4 ranks: the
// repeat counts come from PARAKIT_STUDY_REPEAT/WARMUP, and rank 0 leaves a parakit.run/1 record in
// PARAKIT_STUDY_RECORD that the study reads like its own kernels' records; without the variables nothing
// changes, and a record that cannot be written fails every rank together.

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/mpi/communicator.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "parakit/error.hpp"
#include "parakit/mpi/run.hpp"
#include "parakit/mpi/study_record.hpp"
#include "parakit/study/point.hpp"

#include "shared_dir.hpp"
#include "study/run_record.hpp"
#include "weighted_sum_kernel.hpp"

using namespace parakit;
using parakit::test::WeightedSum;

namespace {

// Sets (or, with nullopt, unsets) one variable of this process for the life of the guard, then restores it.
class EnvGuard {
 public:
  EnvGuard(std::string_view name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    set(value);
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;
  ~EnvGuard() { set(old_); }

 private:
  void set(const std::optional<std::string>& value) const {
    if (value)
      ::setenv(name_.c_str(), value->c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  std::string name_;
  std::optional<std::string> old_;
};

const std::vector<std::string> kArgv = {"study_record_mpi_test", "1e6", "two words"};

// A small run of the closed-form kernel: 1000 indices, sum 1000 * 1001 / 2 on rank 0.
mpi::RunResult<std::uint64_t> small_run(const boost::mpi::communicator& comm,
                                        const mpi::RunOptions& options) {
  return mpi::run(comm, WeightedSum{{1000}}, options);
}

void write_record(const boost::mpi::communicator& comm, const mpi::RunResult<std::uint64_t>& run,
                  std::string_view unit = "indices") {
  const std::uint64_t sum = comm.rank() == 0 ? run.partials[0] : 0;
  mpi::write_study_record(comm, "weighted_sum", run.stats, 1000.0, unit, {{"sum", sum}}, kArgv);
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

TEST(StudyRunOptions, unset_variables_leave_the_options_alone) {
  const EnvGuard repeat(mpi::kRepeatVariable, std::nullopt);
  const EnvGuard warmup(mpi::kWarmupVariable, "");  // empty counts as unset
  const mpi::RunOptions options =
      mpi::study_run_options({.threads = 3, .repeat = 7, .warmup = 2, .progress = {}});
  EXPECT_EQ(options.threads, 3);
  EXPECT_EQ(options.repeat, 7);
  EXPECT_EQ(options.warmup, 2);
}

TEST(StudyRunOptions, set_variables_replace_repeat_and_warmup_only) {
  const EnvGuard repeat(mpi::kRepeatVariable, "1e3");
  const EnvGuard warmup(mpi::kWarmupVariable, "0");
  const mpi::RunOptions options =
      mpi::study_run_options({.threads = 3, .repeat = 7, .warmup = 2, .progress = {}});
  EXPECT_EQ(options.threads, 3);
  EXPECT_EQ(options.repeat, 1000);
  EXPECT_EQ(options.warmup, 0);
  const EnvGuard largest(mpi::kWarmupVariable, std::to_string(mpi::kMaxRuns));
  EXPECT_EQ(mpi::study_run_options({}).warmup, mpi::kMaxRuns);
}

TEST(StudyRunOptions, a_value_that_is_set_but_not_accepted_is_one_clear_usage_line) {
  EXPECT_EQ(study::test::message_of<UsageError>([] {
              const EnvGuard repeat(mpi::kRepeatVariable, "x");
              mpi::study_run_options({});
            }),
            "PARAKIT_STUDY_REPEAT in the environment: 'x' is not a whole number from 1 to 1000000");
  EXPECT_EQ(study::test::message_of<UsageError>([] {
              const EnvGuard warmup(mpi::kWarmupVariable, "-1");
              mpi::study_run_options({});
            }),
            "PARAKIT_STUDY_WARMUP in the environment: '-1' is not a whole number from 0 to 1000000");
  for (const char* bad : {"0", "-3", "2.5", "1000001", "1e7", "3 ", "five"}) {
    const EnvGuard repeat(mpi::kRepeatVariable, bad);
    EXPECT_THROW(mpi::study_run_options({}), UsageError) << "PARAKIT_STUDY_REPEAT=" << bad;
  }
  for (const char* bad : {"1000001", "x", "0.5"}) {
    const EnvGuard warmup(mpi::kWarmupVariable, bad);
    EXPECT_THROW(mpi::study_run_options({}), UsageError) << "PARAKIT_STUDY_WARMUP=" << bad;
  }
}

TEST(StudyRecord, a_run_under_a_study_leaves_a_record_the_study_reads_like_its_own_kernels) {
  const boost::mpi::communicator world;
  const test::SharedDir dir(world, "parakit_study_record");
  ASSERT_FALSE(dir.path().empty());
  const EnvGuard record_file(mpi::kRecordVariable, dir.file("record.json"));
  const EnvGuard repeat(mpi::kRepeatVariable, "3");
  const EnvGuard warmup(mpi::kWarmupVariable, "2");

  const mpi::RunOptions options =
      mpi::study_run_options({.threads = 2, .repeat = 1, .warmup = 0, .progress = {}});
  ASSERT_EQ(options.repeat, 3);
  ASSERT_EQ(options.warmup, 2);
  write_record(world, small_run(world, options));

  // Rank 0 wrote before the agreement every rank waits for, so every rank may read the file now.
  EXPECT_EQ(dir.listing(), std::set<std::string>{"record.json"});  // no temporary file left beside it
  const nlohmann::json record = read_json(dir.file("record.json"));
  ASSERT_TRUE(record.is_object()) << "not JSON";
  EXPECT_EQ(record["schema"], "parakit.run/1");
  EXPECT_EQ(record["kernel"], "weighted_sum");
  EXPECT_EQ(record["ranks"], world.size());
  EXPECT_EQ(record["threads_per_rank"], 2);
  EXPECT_EQ(record["indices"], 1000.0);
  EXPECT_EQ(record["result"]["sum"], 1000 * 1001 / 2);
  EXPECT_EQ(record["throughput_unit"], "indices");
  EXPECT_EQ(record["timing"]["times_s"].size(), 3U);
  EXPECT_EQ(record["timing"]["repeat"], 3);
  EXPECT_EQ(record["timing"]["warmup"], 2);
  for (const auto& t : record["timing"]["times_s"])
    EXPECT_GT(t.get<double>(), 0.0);
  EXPECT_GE(record["phases"]["compute_s"].get<double>(), 0.0);
  ASSERT_EQ(record["per_rank"].size(), static_cast<std::size_t>(world.size()));
  for (int r = 0; r < world.size(); ++r) {
    const auto& rank = record["per_rank"][static_cast<std::size_t>(r)];
    EXPECT_EQ(rank["rank"], r);
    EXPECT_FALSE(rank["host"].get<std::string>().empty());
    EXPECT_EQ(rank["thread_cpus"].size(), 2U);
    EXPECT_GT(rank["peak_rss_bytes"].get<double>(), 0.0);
  }
  EXPECT_EQ(record["context"]["command_line"], "study_record_mpi_test 1e6 'two words'");

  // The study's own reader finds what it needs: the layout, the work under the unit, every timed run.
  study::StudyKernel kernel;
  kernel.name = "weighted_sum";
  kernel.unit = "indices";
  const study::Point point = study::point_from_record(kernel, record);
  EXPECT_EQ(point.layout.ranks, world.size());
  EXPECT_EQ(point.layout.threads, 2);
  EXPECT_EQ(point.work, 1000.0);
  EXPECT_EQ(point.times_s.size(), 3U);
  EXPECT_EQ(point.runs, 5);
  EXPECT_GT(point.peak_rss_total_bytes, 0.0);
}

TEST(StudyRecord, without_the_variable_nothing_is_written) {
  const boost::mpi::communicator world;
  const test::SharedDir dir(world, "parakit_study_record");
  ASSERT_FALSE(dir.path().empty());
  const auto run = small_run(world, {.threads = 1, .repeat = 1, .warmup = 0, .progress = {}});
  {
    const EnvGuard unset(mpi::kRecordVariable, std::nullopt);
    write_record(world, run);
  }
  {
    const EnvGuard empty(mpi::kRecordVariable, "");
    write_record(world, run);
  }
  world.barrier();
  EXPECT_TRUE(dir.listing().empty());
}

TEST(StudyRecord, only_rank_zero_needs_to_see_the_variable) {
  const boost::mpi::communicator world;
  const test::SharedDir dir(world, "parakit_study_record");
  ASSERT_FALSE(dir.path().empty());
  const EnvGuard record_file(mpi::kRecordVariable, world.rank() == 0
                                                       ? std::optional<std::string>(dir.file("r.json"))
                                                       : std::nullopt);
  write_record(world, small_run(world, {.threads = 1, .repeat = 2, .warmup = 0, .progress = {}}));
  const nlohmann::json record = read_json(dir.file("r.json"));
  ASSERT_TRUE(record.is_object());
  EXPECT_EQ(record["timing"]["times_s"].size(), 2U);
  EXPECT_EQ(record["ranks"], world.size());
}

TEST(StudyRecord, a_record_rank_zero_cannot_write_fails_every_rank_together_and_leaves_no_file) {
  const boost::mpi::communicator world;
  const test::SharedDir dir(world, "parakit_study_record");
  ASSERT_FALSE(dir.path().empty());
  const auto run = small_run(world, {.threads = 1, .repeat = 1, .warmup = 0, .progress = {}});
  const std::string missing = dir.file("missing/record.json");
  {
    const EnvGuard record_file(mpi::kRecordVariable, missing);
    const std::string message = study::test::message_of<AgreedError>([&] { write_record(world, run); });
    EXPECT_EQ(message.rfind("PARAKIT_STUDY_RECORD: cannot write '" + missing + "': ", 0), 0U) << message;
  }
  {
    // A unit that would overwrite a field of the record is the program's mistake, found before writing.
    const EnvGuard record_file(mpi::kRecordVariable, dir.file("record.json"));
    const std::string message =
        study::test::message_of<AgreedError>([&] { write_record(world, run, "timing"); });
    EXPECT_NE(message.find("'timing'"), std::string::npos) << message;
  }
  world.barrier();
  EXPECT_TRUE(dir.listing().empty());
}
