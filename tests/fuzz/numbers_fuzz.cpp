// Fuzz target "numbers": the counts users type (parse.hpp: parse_count, parse_count_list, parse_grid).
//
// Input: byte 0 picks the largest value accepted (kMaxima[byte % 16]); the rest is the text.
//
// A bug is: an exception other than parakit::UsageError, a sanitizer report, or a broken invariant:
// - a count is in [1, max], and reads back the same from its digits and from its shortest `MeK` form;
// - it is exactly what strtold reads (a long double holds every 64-bit integer exactly), and a text
//   strtold reads as a whole number in range, with few enough digits to be exact, is accepted;
// - a list is its entries, each what parse_count gives; a grid is its two sides, within the cell limit;
// - every message names the option and is one clean line (no raw control byte from the text).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parakit/error.hpp"
#include "parakit/kernels/heat.hpp"
#include "parakit/parse.hpp"

#include "fuzz_target.hpp"

namespace {

constexpr std::uint64_t kMaxima[16] = {1,
                                       2,
                                       9,
                                       10,
                                       99,
                                       1000,
                                       65536,
                                       2147483647,
                                       std::uint64_t{1} << 32,
                                       std::uint64_t{1} << 40,
                                       999999999999999,
                                       std::uint64_t{1} << 53,
                                       10000000000000000000u,
                                       std::uint64_t{1} << 63,
                                       std::numeric_limits<std::uint64_t>::max() - 1,
                                       std::numeric_limits<std::uint64_t>::max()};

constexpr std::string_view kOption = "--fuzz";

std::optional<std::uint64_t> count_or_none(std::string_view text, std::uint64_t max) {
  try {
    return parakit::parse_count(text, kOption, max);
  } catch (const parakit::UsageError& e) {
    const std::string_view what = e.what();
    PARAKIT_FUZZ_CHECK_MESSAGE(what);
    PARAKIT_FUZZ_CHECK(what.starts_with(std::string(kOption) + ": '"),
                       "a message that does not name the option");
    return std::nullopt;
  }
}

// The decimal digits of @p v without its trailing zeros, and how many there were: v = mantissa * 10^zeros.
std::string scientific(std::uint64_t v) {
  std::string digits = std::to_string(v);
  std::size_t zeros = 0;
  while (digits.size() > 1 && digits.back() == '0') {
    digits.pop_back();
    ++zeros;
  }
  return digits + "e" + std::to_string(zeros);
}

// The significant digits of a text of digits, '.', an exponent: leading and trailing zeros dropped.
std::size_t significant_digits(std::string_view text) {
  std::string mantissa;
  for (const char c : text.substr(0, text.find_first_of("eE"))) {
    if (c >= '0' && c <= '9') mantissa += c;
  }
  const auto first = mantissa.find_first_not_of('0');
  if (first == std::string::npos) return 0;
  return mantissa.find_last_not_of('0') + 1 - first;
}

void check_count(std::string_view text, std::uint64_t max) {
  const std::optional<std::uint64_t> value = count_or_none(text, max);
  const std::string shown = parakit::fuzz::in_quotes(text) + " (max " + std::to_string(max) + ")";
  // strtold, an independent reader: exact for every integer below 2^64 (64-bit mantissa on x86).
  const std::string terminated(text);
  char* end = nullptr;
  const long double reference = std::strtold(terminated.c_str(), &end);
  const bool whole = !terminated.empty() && end == terminated.c_str() + terminated.size();
  if (value) {
    PARAKIT_FUZZ_CHECK(*value >= 1 && *value <= max,
                       shown + " gave " + std::to_string(*value) + ", out of range");
    PARAKIT_FUZZ_CHECK(count_or_none(std::to_string(*value), max) == value,
                       shown + ": its digits read back wrong");
    PARAKIT_FUZZ_CHECK(count_or_none(scientific(*value), max) == value,
                       shown + ": its MeK form reads back wrong");
    PARAKIT_FUZZ_CHECK(whole && reference == static_cast<long double>(*value),
                       shown + " gave " + std::to_string(*value) + ", strtold reads otherwise");
    return;
  }
  // Refused. The texts parse_count documents: [+] digits [. digits] [e|E [+|-] digits]. With at most 18
  // significant digits, a value strtold rounds to a whole number is one (a fraction would be > 1 ulp off).
  const bool grammar = !text.empty() && text.find_first_not_of("+-.0123456789eE") == std::string_view::npos &&
                       text.front() != '-' && text.front() != 'e' && text.front() != 'E';
  const bool exact = significant_digits(text) <= 18 && text.size() <= 40;
  const bool whole_number = std::isfinite(reference) && reference == std::floor(reference) &&
                            reference >= 1.0L && reference <= static_cast<long double>(max);
  PARAKIT_FUZZ_CHECK(!(whole && grammar && exact && whole_number), shown + " refused, strtold reads a count");
}

void check_list(std::string_view text, std::uint64_t max) {
  std::optional<std::vector<std::uint64_t>> values;
  try {
    values = parakit::parse_count_list(text, kOption, max);
  } catch (const parakit::UsageError& e) {
    PARAKIT_FUZZ_CHECK_MESSAGE(e.what());
  }
  // What the list must be: its comma-separated entries, each a count.
  std::vector<std::uint64_t> expected;
  bool good = true;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::optional<std::uint64_t> entry =
        comma == start ? std::nullopt : count_or_none(text.substr(start, comma - start), max);
    if (!entry) {
      good = false;
      break;
    }
    expected.push_back(*entry);
    if (comma == text.size()) break;
    start = comma + 1;
  }
  PARAKIT_FUZZ_CHECK(values.has_value() == good,
                     std::string("the list is ") + (good ? "refused" : "accepted") +
                         ", its entries say otherwise: " + parakit::fuzz::in_quotes(text));
  if (values) PARAKIT_FUZZ_CHECK(*values == expected, "the list is not its entries");
}

void check_grid(std::string_view text) {
  namespace heat = parakit::kernels::heat;
  std::optional<heat::GridSize> grid;
  try {
    grid = parakit::parse_grid(text, kOption);
  } catch (const parakit::UsageError& e) {
    PARAKIT_FUZZ_CHECK_MESSAGE(e.what());
  }
  const std::size_t x = text.find_first_of("xX");
  std::optional<std::uint64_t> rows, cols;
  if (x != std::string_view::npos && text.find_first_of("xX", x + 1) == std::string_view::npos) {
    const auto side = static_cast<std::uint64_t>(heat::kMaxSide);
    rows = count_or_none(text.substr(0, x), side);
    cols = count_or_none(text.substr(x + 1), side);
  }
  const bool good = rows && cols && *rows <= static_cast<std::uint64_t>(heat::kMaxCells) / *cols;
  PARAKIT_FUZZ_CHECK(grid.has_value() == good,
                     std::string("the grid is ") + (good ? "refused" : "accepted") +
                         ", its sides say otherwise: " + parakit::fuzz::in_quotes(text));
  if (grid) {
    PARAKIT_FUZZ_CHECK(
        static_cast<std::uint64_t>(grid->rows) == *rows && static_cast<std::uint64_t>(grid->cols) == *cols,
        "the grid is not its sides");
  }
}

void fuzz_numbers(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return;
  const std::uint64_t max = kMaxima[data[0] % 16];
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  check_count(text, max);
  check_list(text, max);
  check_grid(text);
}

}  // namespace

PARAKIT_FUZZ_TARGET("numbers", fuzz_numbers)
