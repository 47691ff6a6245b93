// Fuzz target "options": the parsers of option values and file names that the commands share
// (format/file_format.hpp: --sep, --type, --dtype, a file's suffix; --schedule, --dist, --boundary, --init).
//
// Input: the whole input is the value, as a user would type it.
//
// A bug is: an exception other than parakit::UsageError, a sanitizer report, or a broken invariant:
// - every name parser accepts exactly the names its name function gives, and maps each back to its value;
// - --sep for reading is one character but a quote or a line break (or "tab", "\t"); for writing also not a
//   character of a number, and then what format_rows writes with it, parse_column reads back to the bit;
// - a file name's type is the one its last suffix (any case) names, and none without a known suffix;
// - every message is one clean line (no raw control byte from the value).
#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parakit/error.hpp"
#include "parakit/format/file_format.hpp"
#include "parakit/kernels/csv.hpp"
#include "parakit/kernels/csv_format.hpp"
#include "parakit/kernels/generate.hpp"
#include "parakit/kernels/heat.hpp"
#include "parakit/kernels/schedule.hpp"
#include "parakit/parse.hpp"

#include "fuzz_target.hpp"

namespace {

namespace format = parakit::format;
namespace kernels = parakit::kernels;

// Runs parse(text); checks that it accepts exactly the names name(v) of @p values, each mapped to its v.
template <class Value, class Parse, class Name>
void check_names(const std::string& text, std::initializer_list<Value> values, Parse parse, Name name,
                 const char* what) {
  std::optional<Value> parsed;
  try {
    parsed = parse(text);
  } catch (const parakit::UsageError& e) {
    PARAKIT_FUZZ_CHECK_MESSAGE(e.what());
  }
  std::optional<Value> expected;
  for (const Value v : values)
    if (text == std::string_view(name(v))) expected = v;
  PARAKIT_FUZZ_CHECK(parsed == expected,
                     std::string(what) + ": '" + text + "' read otherwise than its name says");
}

std::optional<char> separator_or_none(const std::string& text, format::SeparatorUse use) {
  try {
    return format::parse_separator(text, use);
  } catch (const parakit::UsageError& e) {
    PARAKIT_FUZZ_CHECK_MESSAGE(e.what());
    return std::nullopt;
  }
}

// Values that exercise every kind of field format_rows writes: signs, exponents, infinities, missing.
const std::vector<double>& sample_values() {
  static const std::vector<double> values = {0.0,
                                             -0.0,
                                             1.0,
                                             -1.5e300,
                                             2.5e-308,
                                             5e-324,
                                             123456789.0,
                                             std::numeric_limits<double>::infinity(),
                                             -std::numeric_limits<double>::infinity(),
                                             std::numeric_limits<double>::quiet_NaN(),
                                             0.1};
  return values;
}

// A separator accepted for writing must keep every field of format_rows apart for parse_column.
void check_written_with(char sep) {
  const std::vector<double>& values = sample_values();
  std::vector<char> text;
  kernels::csv::format_rows({values, values, values}, values.size(), sep, text);
  for (std::size_t column = 0; column < 3; ++column) {
    const auto back = kernels::csv::parse_column(std::string_view(text.data(), text.size()),
                                                 kernels::csv::Dialect{.sep = sep},
                                                 kernels::csv::ColumnSpec{.column = column, .fields = 3});
    const std::string shown = "separator " + parakit::fuzz::in_quotes(std::string_view(&sep, 1));
    PARAKIT_FUZZ_CHECK(!back.error, shown + ": " + back.error->message);
    PARAKIT_FUZZ_CHECK(back.values.size() == values.size(), shown + ": values lost");
    for (std::size_t i = 0; i < values.size(); ++i) {
      const bool same = std::isnan(values[i]) ? std::isnan(back.values[i])
                                              : std::bit_cast<std::uint64_t>(values[i]) ==
                                                    std::bit_cast<std::uint64_t>(back.values[i]);
      PARAKIT_FUZZ_CHECK(same, shown + ": value " + std::to_string(i) + " does not read back");
    }
  }
}

void check_separator(const std::string& text) {
  const std::optional<char> read = separator_or_none(text, format::SeparatorUse::kRead);
  const std::optional<char> write = separator_or_none(text, format::SeparatorUse::kWrite);
  const bool tab = text == "tab" || text == "\\t" || text == "\t";
  const bool one = text.size() == 1 && text[0] != '"' && text[0] != '\n' && text[0] != '\r';
  PARAKIT_FUZZ_CHECK(read.has_value() == (tab || one), "--sep '" + text + "' read otherwise than documented");
  if (read)
    PARAKIT_FUZZ_CHECK(*read == (tab ? '\t' : text[0]), "--sep '" + text + "' gave another character");
  if (!write) return;
  PARAKIT_FUZZ_CHECK(read == write, "--sep '" + text + "' written but not read");
  const unsigned char c = static_cast<unsigned char>(*write);
  PARAKIT_FUZZ_CHECK(std::isalnum(c) == 0 && *write != '.' && *write != '+' && *write != '-',
                     "--sep '" + text + "' accepted for writing, yet part of numbers");
  check_written_with(*write);
}

// The suffix of the last path component, lower case, from its last '.'; what file_format.hpp documents.
std::string documented_suffix(std::string_view path) {
  const std::string_view last = path.substr(path.find_last_of('/') + 1);
  const std::size_t dot = last.find_last_of('.');
  if (dot == std::string_view::npos) return {};
  std::string suffix(last.substr(dot));
  for (char& c : suffix)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return suffix;
}

void check_file_names(const std::string& text) {
  const std::string suffix = documented_suffix(text);
  std::optional<format::FileType> type;
  for (const auto t : {format::FileType::kCsv, format::FileType::kBinary, format::FileType::kHdf5}) {
    const auto suffixes = format::file_suffixes(t);
    if (std::find(suffixes.begin(), suffixes.end(), suffix) != suffixes.end()) type = t;
  }
  PARAKIT_FUZZ_CHECK(format::file_type_from_name(text) == type, "'" + text + "': another file type");
  std::optional<format::Dtype> dtype;
  for (const auto d : {format::Dtype::kF64, format::Dtype::kF32, format::Dtype::kI64, format::Dtype::kI32})
    if (suffix == std::string(".") + format::dtype_name(d)) dtype = d;
  PARAKIT_FUZZ_CHECK(format::dtype_from_name(text) == dtype, "'" + text + "': another dtype");
  // A suffix that names a dtype names a binary file.
  if (dtype) PARAKIT_FUZZ_CHECK(type == format::FileType::kBinary, "'" + text + "': a dtype but not binary");
}

void fuzz_options(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  check_separator(text);
  check_file_names(text);
  using format::Dtype;
  using format::FileType;
  check_names(text, {FileType::kCsv, FileType::kBinary, FileType::kHdf5}, format::parse_file_type,
              format::file_type_name, "--type");
  check_names(
      text, {Dtype::kF64, Dtype::kF32, Dtype::kI64, Dtype::kI32},
      [](const std::string& s) { return format::parse_dtype(s, "--dtype"); }, format::dtype_name, "--dtype");
  using kernels::Schedule;
  check_names(text, {Schedule::kStatic, Schedule::kCyclic, Schedule::kDynamic, Schedule::kSplit},
              kernels::parse_schedule, kernels::schedule_name, "--schedule");
  using kernels::generate::Distribution;
  check_names(text,
              {Distribution::kUniform, Distribution::kNormal, Distribution::kLognormal,
               Distribution::kExponential, Distribution::kSequence},
              kernels::generate::parse_distribution, kernels::generate::distribution_name, "--dist");
  using kernels::heat::Boundary;
  check_names(
      text, {Boundary::kFixed, Boundary::kInsulated, Boundary::kPeriodic},
      [](const std::string& s) { return parakit::parse_boundary(s, "--boundary"); },
      kernels::heat::boundary_name, "--boundary");
  using kernels::heat::Init;
  check_names(
      text, {Init::kHotspot, Init::kRandom, Init::kSine},
      [](const std::string& s) { return parakit::parse_init(s, "--init"); }, kernels::heat::init_name,
      "--init");
}

}  // namespace

PARAKIT_FUZZ_TARGET("options", fuzz_options)
