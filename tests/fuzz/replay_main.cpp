// The fuzz targets without libFuzzer: `parakit_fuzz_replay TARGET PATH...` feeds every file under each
// PATH (a file or a directory; names starting with '.' skipped) to the target, in name order. This is how
// the committed corpus and every crash the fuzzers found stay unit tests where clang is absent. A failed
// check aborts; the handler below names the file that did it first.
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

#include "fuzz_target.hpp"

namespace {

std::map<std::string, parakit::fuzz::Target>& targets() {
  static std::map<std::string, parakit::fuzz::Target> table;
  return table;
}

// The file being replayed, for the signal handler (which may only call async-signal-safe functions).
char current_file[4096];

void name_the_file(int signal) {
  const char prefix[] = "fuzz replay: crashed on ";
  [[maybe_unused]] auto n = write(STDERR_FILENO, prefix, sizeof prefix - 1);
  n = write(STDERR_FILENO, current_file, std::strlen(current_file));
  n = write(STDERR_FILENO, "\n", 1);
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

std::vector<std::filesystem::path> inputs_under(const std::filesystem::path& path) {
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(path)) {
    for (const auto& entry : std::filesystem::directory_iterator(path)) {
      if (entry.is_regular_file() && !entry.path().filename().string().starts_with(".")) {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  return files;
}

}  // namespace

bool parakit::fuzz::register_target(const char* name, Target target) {
  targets()[name] = target;
  return true;
}

int main(int argc, char** argv) {
  if (argc < 3 || targets().count(argv[1]) == 0) {
    std::fprintf(stderr, "usage: %s TARGET PATH... (targets:", argv[0]);
    for (const auto& [name, target] : targets())
      std::fprintf(stderr, " %s", name.c_str());
    std::fprintf(stderr, ")\n");
    return 2;
  }
  const parakit::fuzz::Target target = targets().at(argv[1]);
  for (const int signal : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL})
    std::signal(signal, name_the_file);
  std::size_t replayed = 0;
  for (int a = 2; a < argc; ++a) {
    if (!std::filesystem::exists(argv[a])) {
      std::fprintf(stderr, "fuzz replay: no such file or directory: %s\n", argv[a]);
      return 2;
    }
    for (const auto& file : inputs_under(argv[a])) {
      std::snprintf(current_file, sizeof current_file, "%s", file.c_str());
      std::ifstream in(file, std::ios::binary);
      const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      target(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++replayed;
    }
  }
  std::printf("fuzz replay: %s: %zu inputs, no crash\n", argv[1], replayed);
  return 0;
}
