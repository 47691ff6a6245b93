// The transports a plain `mpirun parakit` run starts with, end to end: the record's context says which
// profile ran and why, and the user's own choice or PARAKIT_FAST_LAUNCH=off keeps Open MPI's defaults.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "process.hpp"

using namespace parakit::test;

namespace {

// The record's context.mpi_transports of `mpiexec -n 2 parakit pi` run without the test environment's
// transports, with @p env set for the ranks.
std::string transports_with(const std::vector<std::string>& env) {
  std::vector<std::string> argv = {"env", "-u", "OMPI_MCA_pml", "-u", "OMPI_MCA_btl", "-u", "OMPI_MCA_osc"};
  argv.insert(argv.end(), env.begin(), env.end());
  for (const std::string& word : parakit_cmd({"pi", "--samples", "1e5", "--format", "json"}, 2))
    argv.push_back(word);
  const ProcessResult r = run_process(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return "";
  return nlohmann::json::parse(r.out)["context"].value("mpi_transports", "");
}

}  // namespace

TEST(Launch, one_host_and_no_transport_chosen_runs_the_fast_profile_and_says_so) {
  EXPECT_EQ(
      transports_with({}).rfind("fast single-host (pml ob1, btl self,vader, osc ^ucx): every rank on one "
                                "host and no transport chosen",
                                0),
      0U);
}

TEST(Launch, the_users_transport_or_the_switch_keeps_open_mpis_defaults) {
  EXPECT_EQ(transports_with({"OMPI_MCA_btl=self,vader,tcp"}), "default: the user's OMPI_MCA_btl");
  EXPECT_EQ(transports_with({"PARAKIT_FAST_LAUNCH=off"}), "default: PARAKIT_FAST_LAUNCH=off");
}
