// Which transports a run starts with (mpi::choose_transports): decided from the environment alone, before
// MPI_Init, so it is tested without MPI.
#include "parakit/mpi/transports.hpp"

#include <map>
#include <string>

#include <gtest/gtest.h>

using parakit::mpi::choose_transports;
using parakit::mpi::TransportChoice;

namespace {

TransportChoice choose(const std::map<std::string, std::string>& env,
                       const std::map<std::string, std::string>& files = {}) {
  return choose_transports(
      [&](const char* name) -> const char* {
        const auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
      },
      [&](const std::string& path) {
        const auto it = files.find(path);
        return it == files.end() ? std::string() : it->second;
      });
}

const std::map<std::string, std::string> kOneHost = {
    {"OMPI_COMM_WORLD_SIZE", "2"}, {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"}, {"HOME", "/home/u"}};

std::map<std::string, std::string> with(std::map<std::string, std::string> env, const std::string& name,
                                        const std::string& value) {
  env[name] = value;
  return env;
}

}  // namespace

TEST(Transports, one_host_and_no_choice_of_the_users_gets_shared_memory) {
  const TransportChoice c = choose(kOneHost);
  EXPECT_TRUE(c.fast);
  const std::map<std::string, std::string> settings(c.settings.begin(), c.settings.end());
  EXPECT_EQ(settings,
            (std::map<std::string, std::string>{
                {"OMPI_MCA_pml", "ob1"}, {"OMPI_MCA_btl", "self,vader"}, {"OMPI_MCA_osc", "^ucx"}}));
  EXPECT_EQ(c.describe().rfind("fast single-host (pml ob1, btl self,vader, osc ^ucx): ", 0), 0U)
      << c.describe();
  EXPECT_TRUE(choose({}).fast) << "one process started alone is on one host";
}

TEST(Transports, slurm_several_hosts_other_launchers_and_the_switch_keep_the_defaults) {
  EXPECT_FALSE(choose(with(kOneHost, "SLURM_JOB_ID", "42")).fast);
  EXPECT_EQ(choose(with(kOneHost, "SLURM_JOB_ID", "42")).describe(), "default: under Slurm");
  EXPECT_EQ(choose(with(kOneHost, "OMPI_COMM_WORLD_LOCAL_SIZE", "1")).describe(),
            "default: ranks on several hosts");
  EXPECT_FALSE(choose({{"PMI_RANK", "0"}}).fast) << "MPICH's or Intel's launcher";
  for (const char* off : {"off", "0", "no"})
    EXPECT_EQ(choose(with(kOneHost, "PARAKIT_FAST_LAUNCH", off)).describe(),
              std::string("default: PARAKIT_FAST_LAUNCH=") + off);
  EXPECT_TRUE(choose(with(kOneHost, "PARAKIT_FAST_LAUNCH", "on")).fast);
}

TEST(Transports, any_transport_the_user_chose_is_kept) {
  for (const char* name : {"OMPI_MCA_pml", "OMPI_MCA_btl", "OMPI_MCA_osc"}) {
    const TransportChoice c = choose(with(kOneHost, name, "tcp"));
    EXPECT_FALSE(c.fast) << name;
    EXPECT_EQ(c.describe(), std::string("default: the user's ") + name);
  }
  EXPECT_TRUE(choose(with(kOneHost, "OMPI_MCA_pml", "")).fast) << "set but empty is not a choice";
  const auto in_home = choose(kOneHost, {{"/home/u/.openmpi/mca-params.conf", "# mine\n  btl = tcp,self\n"}});
  EXPECT_EQ(in_home.describe(), "default: transports chosen in /home/u/.openmpi/mca-params.conf");
  EXPECT_TRUE(
      choose(kOneHost, {{"/home/u/.openmpi/mca-params.conf", "# btl = tcp\nbtl_tcp_if_include = lo\n"}}).fast)
      << "a comment or another parameter is no choice of transport";
  const auto listed = choose(with(kOneHost, "OMPI_MCA_mca_base_param_files", "/a.conf:/b.conf"),
                             {{"/b.conf", "osc=pt2pt\n"}});
  EXPECT_EQ(listed.describe(), "default: transports chosen in /b.conf");
  // A study's launch sets the very profile: that is the fast one, said as such.
  auto study =
      with(with(with(kOneHost, "OMPI_MCA_pml", "ob1"), "OMPI_MCA_btl", "self,vader"), "OMPI_MCA_osc", "^ucx");
  EXPECT_TRUE(choose(study).fast);
}
