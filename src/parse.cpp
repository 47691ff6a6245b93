#include "parakit/parse.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include <sys/stat.h>

#include "parakit/error.hpp"
#include "parakit/quote.hpp"

namespace parakit {
namespace {

[[noreturn]] void reject(std::string_view text, std::string_view option, std::uint64_t max,
                         std::string_view why) {
  throw UsageError(std::string(option) + ": " + parakit::quoted(text) + " " + std::string(why) +
                   " (accepted: a whole number from 1 to " + std::to_string(max) +
                   ", as digits or like 2e10 or 3.2e6; a list separated by commas)");
}

}  // namespace

std::uint64_t parse_count(std::string_view text, std::string_view option, std::uint64_t max) {
  // mantissa digits (with at most one '.') then an optional exponent; the value is built exactly.
  std::string digits;
  std::int64_t point_shift = 0;  // digits after the '.'
  std::size_t i = 0;
  bool seen_point = false;
  if (i < text.size() && text[i] == '+') ++i;
  if (i < text.size() && text[i] == '-') reject(text, option, max, "is negative");
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits += c;
      if (seen_point) ++point_shift;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (digits.empty()) reject(text, option, max, "is not a number");
  std::int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
    const std::size_t start = i;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (exponent > 1000) reject(text, option, max, "is too large");
      exponent = exponent * 10 + (text[i] - '0');
    }
    if (i == start) reject(text, option, max, "is not a number");
    if (negative) exponent = -exponent;
  }
  if (i != text.size()) reject(text, option, max, "is not a number");

  // Drop leading zeros, then move the decimal point into the exponent.
  const auto nonzero = digits.find_first_not_of('0');
  if (nonzero == std::string::npos) reject(text, option, max, "is zero");
  exponent -= point_shift;
  // Trailing zeros of the mantissa can absorb a negative exponent ("3.20e1" = 32).
  while (exponent < 0 && digits.size() > nonzero + 1 && digits.back() == '0') {
    digits.pop_back();
    ++exponent;
  }
  if (exponent < 0) reject(text, option, max, "is not a whole number");
  if (static_cast<std::int64_t>(digits.size() - nonzero) + exponent > 20)
    reject(text, option, max, "is too large");

  std::uint64_t value = 0;
  const auto push_digit = [&](unsigned d) {
    // d > max first: max - d would wrap around and let values above max through (found by tests/fuzz).
    if (d > max || value > (max - d) / 10) reject(text, option, max, "is too large");
    value = value * 10 + d;
  };
  for (std::size_t k = nonzero; k < digits.size(); ++k)
    push_digit(static_cast<unsigned>(digits[k] - '0'));
  for (std::int64_t k = 0; k < exponent; ++k)
    push_digit(0);
  return value;
}

std::vector<std::uint64_t> parse_count_list(std::string_view text, std::string_view option,
                                            std::uint64_t max) {
  std::vector<std::uint64_t> values;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    const auto entry =
        text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (entry.empty()) {
      throw UsageError(std::string(option) + ": " + parakit::quoted(text) +
                       " has an empty entry (accepted: whole numbers separated by commas, like 1e5,3.2e6)");
    }
    values.push_back(parse_count(entry, option, max));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return values;
}

namespace {

[[noreturn]] void reject_grid(std::string_view text, std::string_view option, std::string_view why) {
  throw UsageError(std::string(option) + ": " + parakit::quoted(text) + " " + std::string(why) +
                   " (accepted: ROWSxCOLS, each a whole number from 1 to " +
                   std::to_string(kernels::heat::kMaxSide) +
                   ", at most 2^40 cells, e.g. 8192x8192 or 1e3x500)");
}

}  // namespace

kernels::heat::GridSize parse_grid(std::string_view text, std::string_view option) {
  const auto x = text.find_first_of("xX");
  if (x == std::string_view::npos || text.find_first_of("xX", x + 1) != std::string_view::npos) {
    reject_grid(text, option, "is not two sides");
  }
  kernels::heat::GridSize grid;
  try {
    const auto max = static_cast<std::uint64_t>(kernels::heat::kMaxSide);
    grid.rows = static_cast<std::int64_t>(parse_count(text.substr(0, x), option, max));
    grid.cols = static_cast<std::int64_t>(parse_count(text.substr(x + 1), option, max));
  } catch (const UsageError&) {
    reject_grid(text, option, "is not two whole numbers in range");
  }
  if (grid.rows > kernels::heat::kMaxCells / grid.cols) reject_grid(text, option, "has too many cells");
  return grid;
}

kernels::heat::Boundary parse_boundary(std::string_view name, std::string_view option) {
  using kernels::heat::Boundary;
  for (const Boundary bc : {Boundary::kFixed, Boundary::kInsulated, Boundary::kPeriodic}) {
    if (name == kernels::heat::boundary_name(bc)) return bc;
  }
  throw UsageError(std::string(option) + ": " + parakit::quoted(name) +
                   " is not a boundary (accepted: fixed, insulated, periodic)");
}

kernels::heat::Init parse_init(std::string_view name, std::string_view option) {
  using kernels::heat::Init;
  for (const Init init : {Init::kHotspot, Init::kRandom, Init::kSine}) {
    if (name == kernels::heat::init_name(init)) return init;
  }
  throw UsageError(std::string(option) + ": " + parakit::quoted(name) +
                   " is not an initial field (accepted: hotspot, random, sine)");
}

}  // namespace parakit

namespace parakit {

std::vector<TaskLine> read_task_file(const std::string& path, std::string_view option, bool empty_ok) {
  const std::string where = std::string(option) + " @" + escaped(path);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw UsageError(where + ": " + std::strerror(errno) + " (accepted: a readable file, one task per line)");
  }
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
    throw UsageError(where + ": not a regular file (accepted: a readable file, one task per line)");
  }
  std::ifstream in(path);
  if (!in) throw UsageError(where + ": cannot be read (accepted: a readable file, one task per line)");
  std::vector<TaskLine> tasks;
  std::string line;
  // A task is text: a NUL byte (a binary file, /dev/zero) or a line past 1 MiB is refused at once
  // instead of read without end.
  constexpr std::size_t kMaxLine = std::size_t{1} << 20;
  // Reads one line, stopping early at a NUL or past kMaxLine bytes; false at the end of the file.
  const auto next_line = [&in, &line] {
    line.clear();
    std::streambuf* buffer = in.rdbuf();
    for (;;) {
      const int c = buffer->sbumpc();
      if (c == std::char_traits<char>::eof()) return !line.empty();
      if (c == '\n') return true;
      line.push_back(static_cast<char>(c));
      if (c == 0 || line.size() > kMaxLine) return true;
    }
  };
  for (std::size_t n = 1; next_line(); ++n) {
    if (line.find('\0') != std::string::npos || line.size() > kMaxLine) {
      throw UsageError(where + ":" + std::to_string(n) + ": " +
                       (line.size() > kMaxLine ? "a line longer than 1 MiB" : "a NUL byte") +
                       " (accepted: text, one task per line)");
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    tasks.push_back({n, line});
  }
  if (in.bad()) throw UsageError(where + ": read error");
  if (tasks.empty() && !empty_ok)
    throw UsageError(where + ": no tasks in the file (accepted: one task per line)");
  return tasks;
}

}  // namespace parakit
