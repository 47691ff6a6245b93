#pragma once
// Hand-written run records (schema parakit.run/1) and a scratch directory for the study tests.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <unistd.h>

namespace parakit::study::test {

/// A pi run record as `parakit pi --format json` writes it, with only the fields the studies read.
inline nlohmann::json run_record(int ranks, int threads, double samples, std::vector<double> times_s,
                                 double estimate = 3.0, const std::string& kernel = "pi") {
  return {{"schema", "parakit.run/1"},
          {"kernel", kernel},
          {"ranks", ranks},
          {"threads_per_rank", threads},
          {"samples", samples},
          {"result", {{"estimate", estimate}}},
          {"timing", {{"times_s", times_s}, {"repeat", times_s.size()}, {"warmup", 1}}},
          {"phases", {{"partition_s", 0.0}, {"scatter_s", 0.0}, {"compute_s", 0.1}, {"reduce_s", 0.0}}},
          {"per_rank", nlohmann::json::array()},
          {"warnings", nlohmann::json::array()},
          {"context", {{"mpi_library", "Open MPI"}, {"hosts", {"node1"}}}}};
}

/// A fresh directory under the system's temporary directory, removed with everything in it at the end.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

  /// Writes @p text into the file @p name of this directory.
  void write(const std::string& name, const std::string& text) const { std::ofstream(path_ / name) << text; }

 private:
  std::filesystem::path path_;
};

/// The what() of the exception @p E that @p f throws, or "" when it throws none.
template <typename E, typename F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

}  // namespace parakit::study::test
