#pragma once
/// @file
/// @brief What the fuzz targets of tests/fuzz share: the check that turns a broken invariant into a
/// crash, and the entry point. Built with PARAKIT_LIBFUZZER (scripts/fuzz.sh, clang), a target defines
/// libFuzzer's `LLVMFuzzerTestOneInput`; otherwise it registers itself with the replay program
/// (replay_main.cpp), which feeds it the committed corpus and crashes as an ordinary unit test.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace parakit::fuzz {

/// @brief One fuzz target: runs one input and returns, or crashes (abort, a sanitizer report) on a bug.
using Target = void (*)(const std::uint8_t* data, std::size_t size);

/// @brief Adds @p target to the replay program's table under @p name ("csv", "numbers", ...).
/// @return true (it initialises a static, so that registration happens before main).
bool register_target(const char* name, Target target);

/// @brief Prints the broken invariant and aborts: libFuzzer saves the input as a crash, the replay
/// program names the file.
[[noreturn]] inline void fail(const char* file, int line, const char* condition, const std::string& message) {
  std::fprintf(stderr, "fuzz check failed: %s:%d: %s: %s\n", file, line, condition, message.c_str());
  std::abort();
}

/// @brief @p text in single quotes, for the message of a failed check (bytes as they are).
inline std::string in_quotes(std::string_view text) {
  std::string quoted(1, '\'');
  quoted.append(text);
  quoted += '\'';
  return quoted;
}

/// @brief Whether @p message is one line that is safe on a terminal: no control byte (C0, DEL, C1) and
/// valid UTF-8, as parakit::quoted makes text that comes from data or from the user.
inline bool is_clean_line(std::string_view message) {
  for (std::size_t i = 0; i < message.size();) {
    const auto byte = static_cast<unsigned char>(message[i]);
    if (byte < 0x20 || byte == 0x7f) return false;
    const std::size_t length = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC2 ? 2 : 0;
    if (length == 0 || byte > 0xF4 || i + length > message.size()) return false;
    for (std::size_t k = 1; k < length; ++k)
      if ((static_cast<unsigned char>(message[i + k]) & 0xC0) != 0x80) return false;
    if (byte == 0xC2 && static_cast<unsigned char>(message[i + 1]) < 0xA0) return false;  // U+0080-U+009F
    i += length;
  }
  return true;
}

}  // namespace parakit::fuzz

/// @brief Aborts with the condition and @p msg unless @p cond holds.
#define PARAKIT_FUZZ_CHECK(cond, msg)                                                \
  do {                                                                               \
    if (!(cond)) ::parakit::fuzz::fail(__FILE__, __LINE__, #cond, std::string(msg)); \
  } while (false)

/// @brief Makes @p function the target called @p name: libFuzzer's entry point or a replay table entry.
#if defined(PARAKIT_LIBFUZZER)
#define PARAKIT_FUZZ_TARGET(name, function)                                           \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
    function(data, size);                                                             \
    return 0;                                                                         \
  }
#else
#define PARAKIT_FUZZ_TARGET(name, function)                    \
  [[maybe_unused]] static const bool parakit_fuzz_registered = \
      ::parakit::fuzz::register_target(name, function);
#endif

/// @brief Aborts unless the message @p what of an error is one clean line (is_clean_line).
#define PARAKIT_FUZZ_CHECK_MESSAGE(what)                   \
  PARAKIT_FUZZ_CHECK(::parakit::fuzz::is_clean_line(what), \
                     std::string("a message with raw bytes: ") + std::string(what))
