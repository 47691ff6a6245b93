#pragma once
// A temporary directory for the MPI tests that write files: one path every rank sees (one host).

#include <filesystem>
#include <set>
#include <string>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/serialization/string.hpp>
#include <stdlib.h>

namespace parakit::test {

// A directory every rank sees (one host), made by rank 0 and removed by it at the end.
class SharedDir {
 public:
  /// @p prefix names the directory under the temporary directory, e.g. "parakit_write".
  SharedDir(const boost::mpi::communicator& comm, const std::string& prefix) : comm_(comm) {
    if (comm.rank() == 0) {
      std::string name = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
      if (::mkdtemp(name.data()) != nullptr) path_ = name;
    }
    boost::mpi::broadcast(comm, path_, 0);
  }
  SharedDir(const SharedDir&) = delete;
  SharedDir& operator=(const SharedDir&) = delete;
  ~SharedDir() {
    comm_.barrier();
    if (comm_.rank() == 0 && !path_.empty()) std::filesystem::remove_all(path_);
  }
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }
  [[nodiscard]] std::set<std::string> listing() const {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(path_))
      names.insert(entry.path().filename().string());
    return names;
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  boost::mpi::communicator comm_;
  std::string path_;
};

}  // namespace parakit::test
