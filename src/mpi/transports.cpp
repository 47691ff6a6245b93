#include "parakit/mpi/transports.hpp"

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

namespace parakit::mpi {
namespace {

TransportChoice g_chosen{
    .fast = false, .reason = "not chosen: parakit's MPI start was not used", .settings = {}};

// Whether @p text (an MCA parameter file) sets pml, btl or osc.
bool sets_a_transport(const std::string& text) {
  static const std::regex kSetting(R"(^[ \t]*(pml|btl|osc)[ \t]*=)");
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (std::regex_search(line, kSetting)) return true;
  }
  return false;
}

TransportChoice keep(std::string reason) {
  return {.fast = false, .reason = std::move(reason), .settings = {}};
}

}  // namespace

std::string TransportChoice::describe() const {
  if (!fast) return "default: " + reason;
  std::string what;
  for (const auto& [name, value] : settings) {
    std::string_view short_name = name;
    short_name.remove_prefix(std::string_view("OMPI_MCA_").size());
    what += (what.empty() ? "" : ", ") + std::string(short_name) + " " + value;
  }
  return "fast single-host (" + what + "): " + reason;
}

TransportChoice choose_transports(const EnvLookup& env, const FileReader& read) {
  const auto set = [&](const char* name) {
    const char* value = env(name);
    return value != nullptr && *value != '\0';
  };
  if (const char* off = env("PARAKIT_FAST_LAUNCH"); off != nullptr) {
    const std::string_view v = off;
    if (v == "off" || v == "0" || v == "no") return keep("PARAKIT_FAST_LAUNCH=" + std::string(v));
  }
  if (set("SLURM_JOB_ID")) return keep("under Slurm");
  const char* size = env("OMPI_COMM_WORLD_SIZE");
  const char* local = env("OMPI_COMM_WORLD_LOCAL_SIZE");
  if (size == nullptr || local == nullptr) {
    // No mpirun of Open MPI's: another launcher (its own transports), or one process started alone.
    if (set("PMI_RANK") || set("PMIX_RANK") || set("PMI_SIZE"))
      return keep("not started by Open MPI's mpirun");
  } else if (std::string_view(size) != std::string_view(local)) {
    return keep("ranks on several hosts");
  }
  const std::vector<std::pair<std::string, std::string>> fast = {
      {"OMPI_MCA_pml", "ob1"}, {"OMPI_MCA_btl", "self,vader"}, {"OMPI_MCA_osc", "^ucx"}};
  bool all_fast = true;
  for (const auto& [name, value] : fast) {
    const char* given = env(name.c_str());
    all_fast = all_fast && given != nullptr && value == given;
  }
  if (all_fast)
    return {
        .fast = true, .reason = "set before the launch (a study's profile, or the user's)", .settings = fast};
  for (const auto& [name, value] : fast) {
    if (set(name.c_str())) return keep("the user's " + name);
  }
  std::vector<std::string> files;
  if (const char* home = env("HOME"); home != nullptr && *home != '\0')
    files.push_back(std::string(home) + "/.openmpi/mca-params.conf");
  if (const char* listed = env("OMPI_MCA_mca_base_param_files"); listed != nullptr) {
    std::istringstream names(listed);
    std::string name;
    while (std::getline(names, name, ':'))
      if (!name.empty()) files.push_back(name);
  }
  for (const std::string& file : files) {
    if (sets_a_transport(read(file))) return keep("transports chosen in " + file);
  }
  return {
      .fast = true,
      .reason = "every rank on one host and no transport chosen (PARAKIT_FAST_LAUNCH=off keeps the defaults)",
      .settings = fast};
}

const TransportChoice& choose_transports_before_init() {
  g_chosen = choose_transports([](const char* name) { return std::getenv(name); },
                               [](const std::string& path) {
                                 std::ifstream in(path);
                                 std::ostringstream text;
                                 text << in.rdbuf();
                                 return in ? text.str() : std::string();
                               });
  for (const auto& [name, value] : g_chosen.settings)
    ::setenv(name.c_str(), value.c_str(), 0);
  return g_chosen;
}

const TransportChoice& chosen_transports() {
  return g_chosen;
}

}  // namespace parakit::mpi
