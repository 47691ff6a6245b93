#include "parakit/report/output_file.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parakit/error.hpp"

using namespace parakit::report;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST(WriteFileAtomically, follows_links_keeps_modes_writes_fifos_in_place_and_refuses_read_only_files) {
  const fs::path dir = fs::temp_directory_path() / ("parakit_reporter_kinds_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // A link to a file: the target gets the content, the link stays a link.
  std::ofstream(dir / "target") << "old";
  fs::permissions(dir / "target", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  fs::create_symlink("target", dir / "link");
  write_file_atomically((dir / "link").string(), "new");
  EXPECT_TRUE(fs::is_symlink(dir / "link"));
  EXPECT_EQ(read_file(dir / "target"), "new");
  EXPECT_EQ(fs::status(dir / "target").permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read)
      << "an existing file keeps its permissions";
  // A FIFO is written in place, not replaced by a regular file.
  const fs::path fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = read_file(fifo); });
  write_file_atomically(fifo.string(), "through the pipe");
  reader.join();
  EXPECT_EQ(received, "through the pipe");
  EXPECT_TRUE(fs::is_fifo(fifo));
  // A file without write permission is refused up front, even for root.
  std::ofstream(dir / "protected") << "keep";
  fs::permissions(dir / "protected", fs::perms::owner_read);
  EXPECT_THROW(check_writable((dir / "protected").string()), parakit::UsageError);
  fs::remove_all(dir);
}

TEST(WriteFileAtomically, writes_whole_files_and_refuses_unwritable_places) {
  const fs::path dir = fs::temp_directory_path() / ("parakit_reporter_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path target = dir / "out.json";
  write_file_atomically(target.string(), "first");
  write_file_atomically(target.string(), "second");
  EXPECT_EQ(read_file(target), "second");
  EXPECT_THROW(check_writable((dir / "missing" / "x").string()), parakit::UsageError);
  EXPECT_THROW(check_writable(dir.string()), parakit::UsageError);
  EXPECT_NO_THROW(check_writable(target.string()));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1) << "no temporary left";
  fs::remove_all(dir);
}

TEST(WriteFileAtomically, a_failed_rename_leaves_the_target_as_it_was_and_no_temporary) {
  const fs::path dir = fs::temp_directory_path() / ("parakit_reporter_fail_" + std::to_string(::getpid()));
  const fs::path target = dir / "taken";  // a non-empty directory: rename(file, target) must fail
  fs::create_directories(target);
  std::ofstream(target / "keep") << "old";
  EXPECT_THROW(write_file_atomically(target.string(), "new"), parakit::Error);
  EXPECT_EQ(read_file(target / "keep"), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1) << "no temporary left";
  // After a run, an output that vanished is a runtime failure (exit 1), not a usage error.
  EXPECT_THROW(write_file_atomically((dir / "missing" / "x").string(), "new"), parakit::Error);
  fs::remove_all(dir);
}

TEST(WriteFileAtomically, a_new_file_gets_0666_less_the_umask_and_messages_name_the_option) {
  const fs::path dir = fs::temp_directory_path() / ("parakit_reporter_mode_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const mode_t old_mask = ::umask(022);
  write_file_atomically((dir / "new.csv").string(), "x");
  ::umask(old_mask);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "new.csv").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644U) << "not mkstemp's 0600";
  try {
    check_writable(dir.string(), "--json");
    FAIL() << "a directory accepted";
  } catch (const parakit::UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "--json: '" + dir.string() +
                                         "' is a directory (accepted: a file path in a writable directory)");
  }
  EXPECT_NO_THROW(check_writable("/dev/null")) << "a device is written in place";
  EXPECT_NO_THROW(write_file_atomically("/dev/null", "gone"));
  EXPECT_TRUE(fs::is_character_file("/dev/null")) << "the device node is still one";
  fs::remove_all(dir);
}
