#pragma once
/// @file
/// @brief Text that comes from data or from the user (a field or a header of a file, a value typed, a
/// path, a program's output) made safe to put in a one-line message: printable text stays as it is,
/// anything else is escaped, and the excerpt is bounded. Every layer may use it (it lives in
/// parakit::kernels, the lowest one): messages are composed with it, so that a NUL byte never cuts one
/// short (`what()` is a C string) and no byte of the data reaches the terminal as a control.
///
/// Call it qualified, `parakit::quoted(text)`: for a std::string argument an unqualified call also finds
/// std::quoted (<iomanip>) by argument-dependent lookup, and that one wins.

#include <cstddef>
#include <string>
#include <string_view>

namespace parakit {

/// @brief How many bytes of text quoted() shows by default: a 1 MB field must not become a 1 MB line.
inline constexpr std::size_t kQuotedBytes = 200;

/// @brief How many bytes of text escaped() shows by default: more than any real path (PATH_MAX is 4096).
inline constexpr std::size_t kEscapedBytes = 4096;

/// @brief @p text in single quotes, safe for a terminal and one line of text.
///
/// A quote or backslash gets a backslash; `\n`, `\t` and `\r` are written as such; any other byte below
/// 0x20, 0x7f (DEL), the bytes of a C1 control (U+0080 to U+009F) and bytes that are not valid UTF-8
/// become `\xNN` (NUL is `\x00`). Other text, UTF-8 included, is kept. Text longer than @p max_bytes is
/// cut there (never inside a UTF-8 character) and `...` follows the closing quote: `'abc'...`.
std::string quoted(std::string_view text, std::size_t max_bytes = kQuotedBytes);

/// @brief @p text with the bytes escaped that quoted() writes as `\xNN`, `\n`, `\t` or `\r`, without quotes
/// around it (a quote or a backslash is kept as it is): for a path that leads a message (`PATH:LINE: ...`)
/// and for text shown as a value, which read as typed when they are printable. Text longer than
/// @p max_bytes is cut there with `...` after it.
std::string escaped(std::string_view text, std::size_t max_bytes = kEscapedBytes);

}  // namespace parakit
