#pragma once
/// @file
/// @brief One numeric column out of CSV text. Pure: no MPI, no I/O; the caller hands in whole lines.
///
/// Fields are separated by `sep`; a field may be quoted with `"` (a doubled `""` inside is a quote,
/// the separator inside quotes is text). Quoted fields may not span lines: a record is one line. A
/// trailing `\r` (CRLF files) is dropped. Numbers are parsed with fast_float (the whole trimmed field
/// must be a number: `1e3`, `-0.5`, `+3`, `inf`; spaces and tabs around it are trimmed). Empty fields,
/// `NA`, `NaN`, `nan`, `N/A`, `NULL`, `null`, `<NA>` and the rest of pandas' default `na_values`
/// (`-NaN`, `-nan`, `#N/A`, `n/a`, `#NA`, `#N/A N/A`, `None`, `1.#IND`, `-1.#IND`, `1.#QNAN`,
/// `-1.#QNAN`) are missing values and become NaN, as does any other text fast_float reads as NaN.
/// Blank lines (empty, or only spaces and tabs that are not the separator) are skipped, as pandas does.
/// A field is quoted only when its first byte is `"`, as pandas and Python's csv module read it (their
/// default, skipinitialspace=False): after a blank a quote is text, so `<TAB>"n,44",-1.08` is the three
/// fields `<TAB>"n`, `44"` and `-1.08`, and a quote inside a field is text too. Blanks after a closing
/// quote are dropped; other text after it is kept as text, as pandas does. Field text in messages is
/// quoted with parakit::quoted (control bytes escaped, cut at 40 bytes).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parakit::kernels::csv {

/// @brief How the text is split.
struct Dialect {
  char sep = ',';
};

/// @brief What to take out of each line.
struct ColumnSpec {
  std::size_t column = 0;  ///< 0-based field index
  std::size_t fields = 0;  ///< every line must have exactly this many fields (0: not checked)
  bool skip_bad = false;   ///< a ragged line or a non-numeric field is counted in `skipped`, not an error
};

/// @brief The first bad line of a piece of text. Lines count from 0 at the start of the text given.
/// `field` is the wanted column for a non-number, the field the quote opened in for an unterminated
/// quote, and for a ragged line the first missing or extra field: min(fields found, fields expected).
struct BadLine {
  std::uint64_t line = 0;  ///< 0-based, relative to the start of the text
  std::size_t field = 0;   ///< 0-based field index where it went wrong (see above)
  std::string message;     ///< e.g. "'abc' is not a number" or "3 fields, expected 4"
};

/// @brief The column's values in line order (missing ones as NaN) and the counts.
struct ParsedColumn {
  std::vector<double> values;    ///< one per accepted line (skipped lines have none)
  std::uint64_t lines = 0;       ///< lines seen, empty ones included (for line numbers)
  std::uint64_t missing = 0;     ///< values that were missing (NaN in `values`)
  std::uint64_t skipped = 0;     ///< lines skipped under skip_bad
  std::optional<BadLine> error;  ///< the first bad line (only without skip_bad); parsing stops there
};

/// @brief Parses @p text (whole lines; the last one may lack its newline) and returns column
/// spec.column of every line. Never throws for bad data: the first problem is returned in `error`.
/// @throws parakit::Error (a bad call, not bad data) if the separator is '\n', '\r' or '"', or if
/// spec.fields != 0 and spec.column >= spec.fields.
/// @param storage becomes `values` (cleared, its capacity kept): callers that parse chunk after chunk hand
/// back the previous chunk's vector, so that memory is not allocated (and faulted in) again.
ParsedColumn parse_column(std::string_view text, const Dialect& dialect, const ColumnSpec& spec,
                          std::vector<double> storage = {});

/// @brief Splits one line into its fields (quotes removed, `""` unescaped, a trailing `\n`, `\r` or
/// `\r\n` dropped; unquoted fields are not trimmed, an empty line is one empty field).
/// Used for the header line. @throws parakit::UsageError on an unterminated quote, parakit::Error if
/// the separator is '\n', '\r' or '"'.
std::vector<std::string> split_fields(std::string_view line, const Dialect& dialect);

/// @brief The offset of the first line that starts at or after @p from: @p from itself when it is 0 or
/// follows a '\n', else one past the next '\n' (text.size() when there is none).
/// @throws parakit::Error if @p from > text.size().
std::size_t next_line_start(std::string_view text, std::size_t from);

/// @brief The number of lines in @p text ('\n' count, plus one if the text does not end with '\n' and
/// is not empty).
std::uint64_t count_lines(std::string_view text);

/// @brief Whether a trimmed field is one of the missing-value markers above (or empty).
bool is_missing_marker(std::string_view field);

}  // namespace parakit::kernels::csv
