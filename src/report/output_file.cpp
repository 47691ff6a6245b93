#include "parakit/report/output_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/quote.hpp"
#include "parakit/report/quote.hpp"
#include "parakit/sys.hpp"

namespace parakit::report {
namespace {

constexpr const char* kAcceptedOutput = " (accepted: a file path in a writable directory)";

// An existing output that is neither a regular file nor a directory (/dev/null, /dev/stdout, a FIFO)
// is written in place: there is nothing to replace atomically, and renaming onto it would replace the
// device node itself.
bool is_special(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

}  // namespace

void check_writable(const std::string& given, std::string_view option) {
  const std::string o(option);
  if (given.empty()) throw UsageError(o + ": an empty path" + kAcceptedOutput);
  const std::string path = sys::follow_file_link(given);
  if (std::filesystem::is_directory(path)) {
    throw UsageError(o + ": " + parakit::quoted(given) + " is a directory" + kAcceptedOutput);
  }
  if (is_special(path)) {
    if (::access(path.c_str(), W_OK) != 0) {
      const int error = errno;
      throw UsageError(o + ": cannot write " + parakit::quoted(given) + ": " + std::strerror(error) +
                       kAcceptedOutput);
    }
    return;
  }
  // The file is replaced by a rename, which the directory's permissions allow even for a read-only
  // file (and root may write anything): refuse a file without write permission bits, as a user who
  // protected it expects.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 0222) == 0) {
    throw UsageError(o + ": " + parakit::quoted(given) + " is read-only" + kAcceptedOutput);
  }
  std::string name = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(name.data());
  if (fd < 0) {
    const int error = errno;
    throw UsageError(o + ": cannot write " + parakit::quoted(given) + ": " + std::strerror(error) +
                     kAcceptedOutput);
  }
  ::close(fd);
  std::remove(name.c_str());
}

void write_file_atomically(const std::string& given, std::string_view content, std::string_view option) {
  const std::string path = sys::follow_file_link(given);
  const auto fail = [&given, option](int error) {
    throw Error(std::string(option) + ": cannot write " + parakit::quoted(given) + ": " +
                std::strerror(error));
  };
  if (is_special(path)) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail(errno);
    const int error = sys::write_all(fd, content);
    ::close(fd);
    if (error != 0) fail(error);
    return;
  }
  const mode_t mode = sys::new_file_mode(path);
  std::string name = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(name.data());
  if (fd < 0) fail(errno);
  int error = sys::write_all(fd, content);
  if (error == 0 && ::fchmod(fd, mode) != 0) error = errno;
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && std::rename(name.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    std::remove(name.c_str());
    fail(error);
  }
}

}  // namespace parakit::report

namespace parakit::report {

void check_distinct_files(const std::vector<std::pair<std::string, std::string>>& files) {
  for (std::size_t i = 0; i < files.size(); ++i) {
    for (std::size_t j = i + 1; j < files.size(); ++j) {
      if (files[i].second.empty() || files[j].second.empty()) continue;
      if (sys::same_file(files[i].second, files[j].second)) {
        throw UsageError(fmt::format("{} {} is the same file as {} {} (accepted: a different file for each)",
                                     files[j].first, report::quoted(files[j].second), files[i].first,
                                     report::quoted(files[i].second)));
      }
    }
  }
}

}  // namespace parakit::report
