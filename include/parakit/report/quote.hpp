#pragma once
/// @file
/// @brief Text that comes from data (a program's output, a file's bytes) made safe to print in one line.

#include <cstddef>
#include <string>
#include <string_view>

namespace parakit::report {

/// @brief @p text in single quotes, safe for a terminal: a quote or backslash gets a backslash, a byte
/// below 0x20 or 0x7f (NUL, ESC, BEL, a newline) becomes `\xNN` (`\n`, `\t`, `\r` as such), and text longer
/// than @p max_bytes is cut there with `...` after the closing quote. Bytes of 0x80 and up pass as they
/// are (UTF-8).
std::string quoted(std::string_view text, std::size_t max_bytes = 200);

}  // namespace parakit::report
