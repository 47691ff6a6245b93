// Fuzz target "csv": the CSV parser of `parakit stats` (kernels/csv.hpp), its writer (kernels/csv_format.hpp)
// and the header detection (format/csv_layout.hpp).
//
// Input: byte 0 is the separator (0 stands for ','; '\n', '\r' and '"' are tried too), byte 1 the spec
// (bits 0-2 the column; bits 3-5 the field count: 0 unchecked, 7 the column itself, else column + n;
// bit 6 a header for read_csv_layout; bit 7 skip_bad); the rest is the text.
//
// A bug is: an exception other than the documented ones (parakit::Error for a bad call, UsageError for a
// bad header), a sanitizer report, or a broken invariant:
// - counts agree with the text (lines, values, missing, skipped) and the error is on the last line read;
// - two chunks split at a line start give what the whole text gives (how ranks parse their pieces);
// - each line alone agrees with split_fields, and a field read as a number is what strtod reads (bitwise),
//   a field refused is one strtod does not read whole;
// - the values written by format_rows read back bitwise;
// - the layout read_csv_layout finds lies inside the file, on a line start;
// - every message is one clean line (no raw control byte from the data), a bad line's at most 400 bytes.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/format/csv_layout.hpp"
#include "parakit/kernels/csv.hpp"
#include "parakit/kernels/csv_format.hpp"

#include "fuzz_target.hpp"

namespace {

namespace csv = parakit::kernels::csv;

// Lines checked one by one against split_fields and strtod (each costs a parse).
constexpr std::size_t kLinesChecked = 32;

struct Input {
  csv::Dialect dialect;
  csv::ColumnSpec spec;
  bool header = false;
  std::string_view text;
};

Input decode(const std::uint8_t* data, std::size_t size) {
  Input in;
  const std::uint8_t sep = size > 0 ? data[0] : 0;
  const std::uint8_t bits = size > 1 ? data[1] : 0;
  in.dialect.sep = sep == 0 ? ',' : static_cast<char>(sep);
  in.spec.column = bits & 7u;
  const unsigned fields = (bits >> 3) & 7u;
  in.spec.fields = fields == 0 ? 0 : fields == 7 ? in.spec.column : in.spec.column + fields;
  in.header = (bits & 0x40u) != 0;
  in.spec.skip_bad = (bits & 0x80u) != 0;
  const std::size_t skip = std::min<std::size_t>(size, 2);
  in.text = std::string_view(reinterpret_cast<const char*>(data) + skip, size - skip);
  return in;
}

bool is_bad_separator(char sep) {
  return sep == '\n' || sep == '\r' || sep == '"';
}

bool is_bad_call(const Input& in) {
  return is_bad_separator(in.dialect.sep) || (in.spec.fields != 0 && in.spec.column >= in.spec.fields);
}

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

bool same_values(const std::vector<double>& a, std::size_t offset, const std::vector<double>& b) {
  if (offset + b.size() > a.size()) return false;
  for (std::size_t i = 0; i < b.size(); ++i)
    if (!same_bits(a[offset + i], b[i])) return false;
  return true;
}

bool same_error(const csv::BadLine& a, const csv::BadLine& b, std::uint64_t line_offset) {
  return a.line == b.line + line_offset && a.field == b.field && a.message == b.message;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

void check_counts(const Input& in, const csv::ParsedColumn& r) {
  const std::uint64_t lines = csv::count_lines(in.text);
  PARAKIT_FUZZ_CHECK(r.lines <= lines, std::to_string(r.lines) + " > " + std::to_string(lines));
  PARAKIT_FUZZ_CHECK(r.error.has_value() || r.lines == lines, "stopped early without an error");
  PARAKIT_FUZZ_CHECK(r.values.size() + r.skipped <= r.lines, "more values than lines");
  const auto nans = std::count_if(r.values.begin(), r.values.end(), [](double v) { return std::isnan(v); });
  PARAKIT_FUZZ_CHECK(static_cast<std::uint64_t>(nans) == r.missing, "missing count differs from the NaNs");
  if (r.error) {
    PARAKIT_FUZZ_CHECK(!in.spec.skip_bad, "an error under skip_bad");
    PARAKIT_FUZZ_CHECK(r.error->line + 1 == r.lines, "the error is not on the last line read");
    PARAKIT_FUZZ_CHECK(!r.error->message.empty(), "an error without a message");
    PARAKIT_FUZZ_CHECK_MESSAGE(r.error->message);
    // Text from the data is cut (kernels/csv.hpp): a long field must not make a long message.
    PARAKIT_FUZZ_CHECK(r.error->message.size() <= 400,
                       "a message of " + std::to_string(r.error->message.size()));
  } else {
    PARAKIT_FUZZ_CHECK(in.spec.skip_bad || r.skipped == 0, "skipped lines without skip_bad");
  }
}

// Ranks parse the pieces of a file separately: two chunks split at a line start must give what the
// whole text gives. The second chunk reuses a vector full of garbage as its storage.
void check_chunks(const Input& in, const csv::ParsedColumn& whole) {
  const std::size_t split = csv::next_line_start(in.text, in.text.size() / 2);
  const csv::ParsedColumn first = csv::parse_column(in.text.substr(0, split), in.dialect, in.spec);
  const csv::ParsedColumn second =
      csv::parse_column(in.text.substr(split), in.dialect, in.spec, std::vector<double>(7, -1.0));
  PARAKIT_FUZZ_CHECK(same_values(whole.values, 0, first.values), "the first chunk's values differ");
  if (first.error) {
    PARAKIT_FUZZ_CHECK(whole.error && same_error(*whole.error, *first.error, 0),
                       "the first chunk's error differs");
    PARAKIT_FUZZ_CHECK(whole.values.size() == first.values.size(), "values after the first chunk's error");
    return;
  }
  PARAKIT_FUZZ_CHECK(whole.values.size() == first.values.size() + second.values.size(),
                     "the chunks' values do not add up");
  PARAKIT_FUZZ_CHECK(same_values(whole.values, first.values.size(), second.values),
                     "the second chunk's values differ");
  PARAKIT_FUZZ_CHECK(whole.lines == first.lines + second.lines, "the chunks' lines do not add up");
  PARAKIT_FUZZ_CHECK(whole.missing == first.missing + second.missing, "the chunks' missing do not add up");
  PARAKIT_FUZZ_CHECK(whole.skipped == first.skipped + second.skipped, "the chunks' skipped do not add up");
  PARAKIT_FUZZ_CHECK(whole.error.has_value() == second.error.has_value(), "the chunks' errors differ");
  if (second.error) {
    PARAKIT_FUZZ_CHECK(same_error(*whole.error, *second.error, first.lines),
                       "the second chunk's error differs");
  }
}

bool is_blank_line(std::string_view line, char sep) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return std::all_of(line.begin(), line.end(), [&](char c) { return (c == ' ' || c == '\t') && c != sep; });
}

// What strtod reads: the field whole (its value in `value`), or not.
bool strtod_reads_whole(std::string_view field, double& value) {
  const std::string text(field);  // NUL-terminated; a NUL inside ends strtod early, so it is not whole
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size();
}

// One field, read by parse_column on its own line, against strtod, an independent reader of numbers.
void check_field(std::string_view field, const csv::ParsedColumn& r) {
  double reference = 0.0;
  const bool whole = strtod_reads_whole(field, reference);
  const std::string shown = parakit::fuzz::in_quotes(field);
  if (r.error) {
    // strtod also reads hexadecimal and skips leading white space (\v, \f, \r): fast_float does not.
    const bool comparable = !field.empty() && field.find_first_of("xX\v\f\r\n") == std::string_view::npos;
    PARAKIT_FUZZ_CHECK(!(whole && comparable), shown + " refused, strtod reads it");
    PARAKIT_FUZZ_CHECK(r.error->message.ends_with("is not a number"), r.error->message);
    return;
  }
  PARAKIT_FUZZ_CHECK(r.values.size() == 1, shown + " gave no value");
  const double v = r.values[0];
  if (std::isnan(v)) {
    PARAKIT_FUZZ_CHECK(csv::is_missing_marker(field) || (whole && std::isnan(reference)),
                       shown + " read as missing");
    PARAKIT_FUZZ_CHECK(r.missing == 1, shown + " missing, not counted");
    return;
  }
  PARAKIT_FUZZ_CHECK(whole, shown + " read as a number, strtod does not read it");
  PARAKIT_FUZZ_CHECK(same_bits(v, reference), shown + " read as a number other than strtod's");
}

// Each line alone: split_fields (the header's reader) and parse_column must see the same fields.
void check_lines(const Input& in) {
  const csv::ColumnSpec spec{.column = in.spec.column};
  std::size_t start = 0;
  for (std::size_t n = 0; n < kLinesChecked && start < in.text.size(); ++n) {
    const std::size_t newline = in.text.find('\n', start);
    const std::size_t end = newline == std::string_view::npos ? in.text.size() : newline;
    const std::string_view line = in.text.substr(start, end - start);
    // With its '\n': an empty text has no line, an empty line is one.
    const std::string_view terminated = in.text.substr(start, end + 1 - start);
    start = end + 1;
    const csv::ParsedColumn r = csv::parse_column(terminated, in.dialect, spec);
    PARAKIT_FUZZ_CHECK(r.lines == 1, "one line read as " + std::to_string(r.lines));
    if (is_blank_line(line, in.dialect.sep)) {
      PARAKIT_FUZZ_CHECK(r.values.empty() && !r.error, "a blank line was not skipped");
      continue;
    }
    std::vector<std::string> fields;
    try {
      fields = csv::split_fields(line, in.dialect);
    } catch (const parakit::UsageError& e) {
      PARAKIT_FUZZ_CHECK_MESSAGE(e.what());
      PARAKIT_FUZZ_CHECK(r.error && r.error->message == "unterminated quote",
                         "split_fields finds an unterminated quote, parse_column does not");
      continue;
    }
    if (fields.size() <= in.spec.column) {
      PARAKIT_FUZZ_CHECK(
          r.error && r.error->message.ends_with("expected at least " + std::to_string(in.spec.column + 1)),
          "a line of " + std::to_string(fields.size()) + " fields not refused");
      continue;
    }
    check_field(trim(fields[in.spec.column]), r);
  }
}

// What format_rows writes, parse_column reads back to the bit (NaN: an empty field, read as missing).
void check_round_trip(const std::vector<double>& values) {
  const std::size_t rows = std::min<std::size_t>(values.size(), 1000);
  if (rows == 0) return;
  std::vector<char> text;
  csv::format_rows({values, values}, rows, ',', text);
  const csv::ParsedColumn back = csv::parse_column(std::string_view(text.data(), text.size()), csv::Dialect{},
                                                   csv::ColumnSpec{.column = 1, .fields = 2});
  PARAKIT_FUZZ_CHECK(!back.error, "format_rows wrote a line parse_column refuses: " + back.error->message);
  PARAKIT_FUZZ_CHECK(back.values.size() == rows, "format_rows wrote " + std::to_string(back.values.size()) +
                                                     " values of " + std::to_string(rows));
  for (std::size_t i = 0; i < rows; ++i) {
    const bool same =
        std::isnan(values[i]) ? std::isnan(back.values[i]) : same_bits(values[i], back.values[i]);
    PARAKIT_FUZZ_CHECK(same, "value " + std::to_string(i) + " does not read back");
  }
}

// read_csv_layout reads a file: the text goes into a memory file, read through /proc/self/fd.
void check_layout(const Input& in) {
  if (in.text.empty()) return;  // its precondition: a file that is not empty
  static const int fd = memfd_create("parakit-fuzz-csv", 0);
  PARAKIT_FUZZ_CHECK(fd >= 0, "memfd_create failed");
  PARAKIT_FUZZ_CHECK(ftruncate(fd, 0) == 0, "ftruncate failed");
  PARAKIT_FUZZ_CHECK(pwrite(fd, in.text.data(), in.text.size(), 0) == static_cast<ssize_t>(in.text.size()),
                     "pwrite failed");
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  const std::string column = in.spec.column == 0 ? std::string() : std::to_string(in.spec.column - 1);
  parakit::format::CsvLayout layout;
  try {
    layout = parakit::format::read_csv_layout(path, in.text.size(), in.dialect.sep, in.header, column);
  } catch (const parakit::UsageError& e) {
    PARAKIT_FUZZ_CHECK_MESSAGE(e.what());
    return;
  } catch (const parakit::Error&) {
    PARAKIT_FUZZ_CHECK(is_bad_separator(in.dialect.sep), "parakit::Error for a usable separator");
    return;
  }
  PARAKIT_FUZZ_CHECK(!is_bad_separator(in.dialect.sep), "an unusable separator was not refused");
  PARAKIT_FUZZ_CHECK(layout.column < layout.fields, "the column is beyond the fields");
  PARAKIT_FUZZ_CHECK(layout.data_start < in.text.size(), "the data start beyond the file");
  PARAKIT_FUZZ_CHECK(csv::next_line_start(in.text, layout.data_start) == layout.data_start,
                     "the data do not start on a line start");
  const auto newlines =
      std::count(in.text.begin(), in.text.begin() + static_cast<std::ptrdiff_t>(layout.data_start), '\n');
  PARAKIT_FUZZ_CHECK(static_cast<std::uint64_t>(newlines) + 1 == layout.first_line,
                     "first_line " + std::to_string(layout.first_line) + " is not the line at data_start");
}

void fuzz_csv(const std::uint8_t* data, std::size_t size) {
  const Input in = decode(data, size);
  csv::ParsedColumn whole;
  try {
    whole = csv::parse_column(in.text, in.dialect, in.spec);
  } catch (const parakit::Error&) {
    PARAKIT_FUZZ_CHECK(is_bad_call(in), "parakit::Error for a good call");
    check_layout(in);
    return;
  }
  PARAKIT_FUZZ_CHECK(!is_bad_call(in), "a bad call was not refused");
  check_counts(in, whole);
  check_chunks(in, whole);
  check_lines(in);
  check_round_trip(whole.values);
  check_layout(in);
}

}  // namespace

PARAKIT_FUZZ_TARGET("csv", fuzz_csv)
