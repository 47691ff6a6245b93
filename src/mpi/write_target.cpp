// The target of a writer and its whole-or-nothing temporary file (write_detail.hpp).

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/serialization/string.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/sys.hpp"

#include "write_detail.hpp"

namespace parakit::mpi::detail {
namespace {

constexpr const char* kAccepted = " (accepted: a file path in a writable directory)";

// Rank 0's check before anything is generated.
void check_target(const Target& t) {
  const std::string what = t.option + " '" + t.given + "'";
  if (t.given.empty()) throw UsageError(t.option + ": the file name is empty" + kAccepted);
  const std::filesystem::path parent = std::filesystem::path(t.target).parent_path();
  const std::string directory = parent.empty() ? std::string(".") : parent.string();
  struct stat st {};
  if (::stat(directory.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      throw UsageError(what + ": directory '" + directory + "' does not exist" + kAccepted);
    throw UsageError(what + ": directory '" + directory + "': " + std::strerror(errno) + kAccepted);
  }
  if (!S_ISDIR(st.st_mode)) throw UsageError(what + ": '" + directory + "' is not a directory" + kAccepted);
  if (::access(directory.c_str(), W_OK | X_OK) != 0)
    throw UsageError(what + ": directory '" + directory + "' is not writable" + kAccepted);
  if (::stat(t.target.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw UsageError(what + " is a directory" + kAccepted);
    if (!S_ISREG(st.st_mode)) throw UsageError(what + " is not a regular file" + kAccepted);
    // The file is replaced by a rename, which the directory's permissions allow even for a read-only
    // file: refuse one without write permission bits, as a user who protected it expects.
    if ((st.st_mode & 0222) == 0) throw UsageError(what + " is read-only" + kAccepted);
  }
}

}  // namespace

Target prepare(const boost::mpi::communicator& comm, const std::string& path, const WriteOptions& options) {
  Target t{path, path, options.option};
  if (comm.rank() == 0) t.target = sys::follow_file_link(path);
  boost::mpi::broadcast(comm, t.target, 0);
  check_on_root(comm, [&] { check_target(t); });
  return t;
}

std::optional<Failure> current_failure(const Target& t) {
  try {
    throw;
  } catch (const UsageError& e) {
    return Failure{true, e.what()};
  } catch (const std::exception& e) {
    return Failure{false, t.cannot_write(e.what())};
  } catch (...) {
    return Failure{false, t.cannot_write("unknown exception")};
  }
}

TempFile::TempFile(const boost::mpi::communicator& comm, const Target& t) : is_root_(comm.rank() == 0) {
  std::optional<Failure> failure;
  if (is_root_) {
    std::string name = t.target + ".tmp.XXXXXX";
    const int fd = ::mkstemp(name.data());
    if (fd < 0) {
      failure = Failure{false, t.cannot_write(std::strerror(errno))};
    } else {
      name_ = name;
      int error = ::fchmod(fd, static_cast<mode_t>(sys::new_file_mode(t.target))) == 0 ? 0 : errno;
      if (::close(fd) != 0 && error == 0) error = errno;
      if (error != 0) failure = Failure{false, t.cannot_write(std::strerror(error))};
    }
  }
  if (failure && !name_.empty()) {
    std::remove(name_.c_str());  // a constructor that throws runs no destructor
    name_.clear();
  }
  raise_if_any(comm, failure);
  boost::mpi::broadcast(comm, name_, 0);
}

TempFile::~TempFile() {
  if (is_root_ && !committed_ && !name_.empty()) std::remove(name_.c_str());
}

void TempFile::commit(const boost::mpi::communicator& comm, const Target& t) {
  std::optional<Failure> failure;
  if (is_root_) {
    if (std::rename(name_.c_str(), t.target.c_str()) == 0) {
      committed_ = true;
    } else {
      failure = Failure{false, t.cannot_write(std::string("rename: ") + std::strerror(errno))};
    }
  }
  raise_if_any(comm, failure);
}

std::uint64_t TempFile::size(const boost::mpi::communicator& comm, const Target& t) const {
  std::optional<Failure> failure;
  std::uint64_t bytes = 0;
  struct stat st {};
  if (is_root_) {
    if (::stat(name_.c_str(), &st) == 0) {
      bytes = static_cast<std::uint64_t>(st.st_size);
    } else {
      failure = Failure{false, t.cannot_write(std::strerror(errno))};
    }
  }
  raise_if_any(comm, failure);
  boost::mpi::broadcast(comm, bytes, 0);
  return bytes;
}

}  // namespace parakit::mpi::detail
