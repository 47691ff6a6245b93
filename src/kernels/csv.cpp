#include "parakit/kernels/csv.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <system_error>

#include <fast_float/fast_float.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "parakit/error.hpp"
#include "parakit/quote.hpp"

namespace parakit::kernels::csv {
namespace {

// pandas' default na_values (pandas/_libs/parsers.pyx STR_NA_VALUES), the empty field included.
constexpr std::array<std::string_view, 19> kMissingMarkers = {
    "",     "NA",   "NaN", "nan",      "N/A",  "n/a",     "NULL",     "null",   "<NA>",   "#N/A",
    "-NaN", "-nan", "#NA", "#N/A N/A", "None", "-1.#IND", "-1.#QNAN", "1.#IND", "1.#QNAN"};

constexpr std::size_t kMessageFieldChars = 40;
constexpr std::size_t kBlock = 64;

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back()))
    s.remove_suffix(1);
  return s;
}

void require_usable_separator(char sep) {
  PARAKIT_REQUIRE(sep != '\n' && sep != '\r' && sep != '"',
                  "the separator cannot be a newline, a carriage return or a quote");
}

// Bit i is set when block[i] is '\n', the separator or '"': the only bytes the tokenizer stops at.
std::uint64_t structural_mask(const char* block, char sep) {
#if defined(__SSE2__)
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i separator = _mm_set1_epi8(sep);
  const __m128i quote = _mm_set1_epi8('"');
  std::uint64_t mask = 0;
  for (unsigned k = 0; k < kBlock / 16; ++k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * k));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, newline), _mm_cmpeq_epi8(v, separator)),
                                     _mm_cmpeq_epi8(v, quote));
    mask |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(hit))} << (16 * k);
  }
  return mask;
#else
  std::uint64_t mask = 0;
  for (std::size_t i = 0; i < kBlock; ++i) {
    const char c = block[i];
    mask |= std::uint64_t{c == '\n' || c == sep || c == '"'} << i;
  }
  return mask;
#endif
}

// Yields the offsets of the structural bytes of the text in order, 64 bytes per SIMD step, so that the
// hot loop touches a handful of positions per line instead of every byte.
class StructuralScanner {
 public:
  StructuralScanner(std::string_view text, char sep) : text_(text), sep_(sep) {}

  void seek(std::size_t offset) {
    base_ = offset;
    load();
  }

  // The next structural offset, or text.size() when there is none.
  std::size_t next() {
    while (mask_ == 0) {
      base_ += kBlock;
      if (base_ >= text_.size()) return text_.size();
      load();
    }
    const std::size_t at = base_ + static_cast<std::size_t>(std::countr_zero(mask_));
    mask_ &= mask_ - 1;
    return at;
  }

 private:
  void load() {
    if (base_ >= text_.size()) {
      mask_ = 0;
      return;
    }
    const std::size_t left = text_.size() - base_;
    if (left >= kBlock) {
      mask_ = structural_mask(text_.data() + base_, sep_);
      return;
    }
    // The last partial block: never read past the end of the text.
    std::array<char, kBlock> tail{};
    std::memcpy(tail.data(), text_.data() + base_, left);
    mask_ = structural_mask(tail.data(), sep_) & ((std::uint64_t{1} << left) - 1);
  }

  std::string_view text_;
  char sep_;
  std::size_t base_ = 0;
  std::uint64_t mask_ = 0;
};

enum class FieldKind { kNumber, kMissing, kNotANumber };

// Classifies a trimmed field and stores its value (NaN when missing).
FieldKind parse_field(std::string_view field, double& value) {
  const char* first = field.data();
  const char* const last = first + field.size();
  // fast_float follows std::from_chars and rejects a leading '+'; pandas accepts it ("+-1" stays invalid).
  if (field.size() > 1 && field[0] == '+' && field[1] != '-') ++first;
  const auto [ptr, ec] = fast_float::from_chars(first, last, value);
  // Newer fast_float reports 1e400 as out of range with value = inf; pandas reads inf.
  if (ptr == last && (ec == std::errc() || ec == std::errc::result_out_of_range)) {
    if (!std::isnan(value)) return FieldKind::kNumber;
    value = std::numeric_limits<double>::quiet_NaN();  // "nan(...)", "NAN": same as the markers, sign dropped
    return FieldKind::kMissing;
  }
  if (is_missing_marker(field)) {
    value = std::numeric_limits<double>::quiet_NaN();
    return FieldKind::kMissing;
  }
  return FieldKind::kNotANumber;
}

std::string not_a_number_message(std::string_view field) {
  return parakit::quoted(field, kMessageFieldChars) + " is not a number";
}

// Records a bad line: counted under skip_bad, else the error that stops parsing. The message is only
// built when it is kept. Returns whether parsing goes on.
template <class MakeMessage>
bool reject(ParsedColumn& out, const ColumnSpec& spec, std::size_t field, MakeMessage make_message) {
  if (spec.skip_bad) {
    ++out.skipped;
    return true;
  }
  out.error = BadLine{out.lines - 1, field, make_message()};
  return false;
}

// Checks the field count of a non-blank line and takes its value. Returns whether parsing goes on.
bool take(ParsedColumn& out, const ColumnSpec& spec, std::size_t fields, std::string_view field) {
  if (spec.fields != 0 && fields != spec.fields) {
    // The first field that is missing or extra.
    return reject(out, spec, std::min(fields, spec.fields), [&] {
      return std::to_string(fields) + " fields, expected " + std::to_string(spec.fields);
    });
  }
  if (fields <= spec.column) {
    return reject(out, spec, fields, [&] {
      return std::to_string(fields) + " fields, expected at least " + std::to_string(spec.column + 1);
    });
  }
  double value = 0.0;
  switch (parse_field(field, value)) {
    case FieldKind::kMissing:
      ++out.missing;
      [[fallthrough]];
    case FieldKind::kNumber:
      out.values.push_back(value);
      return true;
    case FieldKind::kNotANumber:
      break;
  }
  return reject(out, spec, spec.column, [&] { return not_a_number_message(field); });
}

// Splits a line (no '\n', trailing '\r' already dropped) into unquoted fields. A field is quoted only when
// its first byte is '"': after a blank a quote is text and the separator after it ends the field, as
// pandas and Python's csv module read it (skipinitialspace=False, their default). Blanks after a closing
// quote are dropped, other text after it is kept. Returns the index of a field whose quote is not closed.
std::optional<std::size_t> split_into(std::string_view line, char sep, std::vector<std::string>& fields) {
  fields.clear();
  const std::size_t n = line.size();
  std::size_t i = 0;
  for (;;) {
    std::string& field = fields.emplace_back();
    if (i < n && line[i] == '"') {
      ++i;
      for (;;) {
        const std::size_t quote = line.find('"', i);
        if (quote == std::string_view::npos) return fields.size() - 1;
        field.append(line.substr(i, quote - i));
        if (quote + 1 < n && line[quote + 1] == '"') {
          field += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      const std::size_t stop = std::min(line.find(sep, i), n);
      const std::string_view rest = line.substr(i, stop - i);
      if (!trim(rest).empty()) field.append(rest);
      i = stop;
    } else {
      const std::size_t stop = std::min(line.find(sep, i), n);
      field.append(line.substr(i, stop - i));
      i = stop;
    }
    if (i >= n) return std::nullopt;
    ++i;
  }
}

std::string_view drop_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

bool is_missing_marker(std::string_view field) {
  return std::find(kMissingMarkers.begin(), kMissingMarkers.end(), field) != kMissingMarkers.end();
}

ParsedColumn parse_column(std::string_view text, const Dialect& dialect, const ColumnSpec& spec,
                          std::vector<double> storage) {
  const char sep = dialect.sep;
  require_usable_separator(sep);
  PARAKIT_REQUIRE(
      spec.fields == 0 || spec.column < spec.fields,
      "column " + std::to_string(spec.column) + " of lines with " + std::to_string(spec.fields) + " fields");
  ParsedColumn out;
  out.values = std::move(storage);
  out.values.clear();
  // One memchr pass is cheaper than growing the vector: reallocation copies, and faults in, twice the memory.
  out.values.reserve(count_lines(text));
  const std::size_t size = text.size();
  StructuralScanner scanner(text, sep);
  scanner.seek(0);
  std::vector<std::string> quoted_fields;  // reused by the slow path for lines with quotes
  std::size_t pos = 0;
  while (pos < size) {
    ++out.lines;
    // Fast path: walk the separators of the line and remember where the wanted column lies.
    std::size_t index = 0, field_begin = pos, column_begin = pos, column_end = pos;
    std::size_t at = scanner.next();
    while (at < size && text[at] == sep) {
      if (index == spec.column) {
        column_begin = field_begin;
        column_end = at;
      }
      ++index;
      field_begin = at + 1;
      at = scanner.next();
    }
    if (at < size && text[at] == '"') {
      const std::size_t eol = std::min(text.find('\n', at), size);
      const std::string_view line = drop_cr(text.substr(pos, eol - pos));
      pos = eol + 1;
      scanner.seek(pos);
      if (const auto open = split_into(line, sep, quoted_fields)) {
        if (!reject(out, spec, *open, [] { return std::string("unterminated quote"); })) return out;
        continue;
      }
      const std::string_view field = spec.column < quoted_fields.size()
                                         ? std::string_view(quoted_fields[spec.column])
                                         : std::string_view();
      if (!take(out, spec, quoted_fields.size(), trim(field))) return out;
      continue;
    }
    // `at` is the '\n' ending the line, or the end of the text.
    std::size_t line_end = at;
    if (line_end > pos && text[line_end - 1] == '\r') --line_end;
    if (index == spec.column) {
      column_begin = field_begin;
      column_end = line_end;
    }
    const std::size_t line_begin = pos;
    pos = at + 1;
    // Blank lines (empty, "\r", only spaces and tabs) are skipped, as pandas does.
    if (index == 0 && trim(text.substr(line_begin, line_end - line_begin)).empty()) continue;
    if (!take(out, spec, index + 1, trim(text.substr(column_begin, column_end - column_begin)))) return out;
  }
  return out;
}

std::vector<std::string> split_fields(std::string_view line, const Dialect& dialect) {
  require_usable_separator(dialect.sep);
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  line = drop_cr(line);
  std::vector<std::string> fields;
  if (const auto open = split_into(line, dialect.sep, fields)) {
    throw UsageError("CSV: unterminated quote in field " + std::to_string(*open + 1) + " of " +
                     parakit::quoted(line, kMessageFieldChars));
  }
  return fields;
}

std::size_t next_line_start(std::string_view text, std::size_t from) {
  PARAKIT_REQUIRE(from <= text.size(), std::to_string(from) + " > " + std::to_string(text.size()));
  if (from == 0 || text[from - 1] == '\n') return from;
  const std::size_t newline = text.find('\n', from);
  return newline == std::string_view::npos ? text.size() : newline + 1;
}

std::uint64_t count_lines(std::string_view text) {
  const auto newlines = static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
  return newlines + (!text.empty() && text.back() != '\n' ? 1 : 0);
}

}  // namespace parakit::kernels::csv
