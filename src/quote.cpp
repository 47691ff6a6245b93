#include "parakit/quote.hpp"

namespace parakit {
namespace {

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

// The length of the valid UTF-8 character at the start of @p text that is not a C1 control, or 0 when
// its first byte is to be escaped (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t printable_utf8_length(std::string_view text) {
  const auto b0 = static_cast<unsigned char>(text[0]);
  const auto byte = [&](std::size_t i) -> unsigned char {
    return i < text.size() ? static_cast<unsigned char>(text[i]) : 0;
  };
  const auto continued = [&](std::size_t n) {
    for (std::size_t i = 1; i < n; ++i)
      if (!is_continuation(byte(i))) return false;
    return true;
  };
  const unsigned char b1 = byte(1);
  if (b0 == 0xC2) return b1 >= 0xA0 && b1 <= 0xBF ? 2 : 0;  // U+0080 to U+009F are the C1 controls
  if (b0 >= 0xC3 && b0 <= 0xDF) return continued(2) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const bool second = b0 == 0xE0 ? b1 >= 0xA0 : b0 == 0xED ? b1 <= 0x9F : true;
    return second && continued(3) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const bool second = b0 == 0xF0 ? b1 >= 0x90 : b0 == 0xF4 ? b1 <= 0x8F : true;
    return second && continued(4) ? 4 : 0;
  }
  return 0;
}

void append_hex(std::string& out, unsigned char byte) {
  constexpr char kDigits[] = "0123456789abcdef";
  out += "\\x";
  out += kDigits[byte >> 4];
  out += kDigits[byte & 0xF];
}

// The escapes of quoted() and escaped(); @p in_quotes says whether a quote and a backslash get a backslash.
std::string escape(std::string_view text, std::size_t max_bytes, bool in_quotes, bool& cut) {
  cut = text.size() > max_bytes;
  if (cut) {
    std::size_t end = max_bytes;
    // Not inside a UTF-8 character: back off over its continuation bytes (at most three).
    for (std::size_t k = 0; k < 3 && end > 0 && is_continuation(static_cast<unsigned char>(text[end])); ++k)
      --end;
    text = text.substr(0, end);
  }
  std::string out;
  out.reserve(text.size() + 2);
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80) {
      const std::size_t n = printable_utf8_length(text.substr(i));
      if (n == 0) {
        append_hex(out, byte);
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    if (in_quotes && (c == '\'' || c == '\\')) {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20 || byte == 0x7f) {
      append_hex(out, byte);
    } else {
      out += c;
    }
    ++i;
  }
  return out;
}

}  // namespace

std::string quoted(std::string_view text, std::size_t max_bytes) {
  bool cut = false;
  const std::string inside = escape(text, max_bytes, true, cut);
  std::string out;
  out.reserve(inside.size() + 5);
  out += '\'';
  out += inside;
  out += '\'';
  if (cut) out += "...";
  return out;
}

std::string escaped(std::string_view text, std::size_t max_bytes) {
  bool cut = false;
  std::string out = escape(text, max_bytes, false, cut);
  if (cut) out += "...";
  return out;
}

}  // namespace parakit
