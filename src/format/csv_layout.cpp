#include "parakit/format/csv_layout.hpp"

#include <algorithm>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/quote.hpp"

namespace parakit::format {
namespace {

namespace csv = kernels::csv;

bool is_index(const std::string& s) {
  return !s.empty() && s.size() < 10 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

// A name from the header as a message shows it: quoted, at most this many bytes of it.
constexpr std::size_t kNameBytes = 64;

// The first 12 names, quoted, for a message.
std::string name_list(const std::vector<std::string>& fields) {
  std::string names;
  for (std::size_t i = 0; i < fields.size() && i < 12; ++i)
    names += (i == 0 ? "" : ", ") + parakit::quoted(fields[i], kNameBytes);
  if (fields.size() > 12) names += ", ...";
  return names;
}

// The header's field named (or numbered) @p column; @p header_line is its 1-based line for the message.
std::size_t find_column(const std::string& path, const std::vector<std::string>& fields,
                        const std::string& column, std::uint64_t header_line) {
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (fields[i] == column) return i;
  if (column.empty()) return 0;
  if (is_index(column)) {
    const std::size_t index = std::stoul(column);
    if (index < fields.size()) return index;
  }
  throw UsageError(
      fmt::format("{}: line {}: no column {} (accepted: a name from the header, {}, or an "
                  "index from 0 to {})",
                  escaped(path), header_line, parakit::quoted(column), name_list(fields), fields.size() - 1));
}

}  // namespace

CsvLayout read_csv_layout(const std::string& path, std::uint64_t size, char sep, bool header,
                          const std::string& column) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  // Blank lines before the header are skipped, as pandas does; a UTF-8 byte order mark is not a name.
  std::uint64_t offset = 0, skipped_lines = 0;
  while (std::getline(in, line) && header && is_blank(line) && !in.eof()) {
    offset += line.size() + 1;
    ++skipped_lines;
  }
  const bool had_newline = !in.eof();
  std::size_t bom = 0;
  if (offset == 0 && line.starts_with("\xEF\xBB\xBF")) {
    bom = 3;
    line.erase(0, 3);
  }
  std::vector<std::string> fields;
  try {
    fields = csv::split_fields(line, csv::Dialect{.sep = sep});
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("{}: line {}: {}", escaped(path), skipped_lines + 1, e.what()));
  }
  CsvLayout layout;
  layout.fields = fields.size();
  if (!header) {
    if (!column.empty() && !is_index(column)) {
      throw UsageError(fmt::format("--column {}: without a header the column must be a 0-based index",
                                   parakit::quoted(column)));
    }
    layout.column = column.empty() ? 0 : std::stoul(column);
    if (layout.column >= fields.size()) {
      throw UsageError(fmt::format("{}: line 1: --column {} but the line has {} fields (accepted: 0 to {})",
                                   escaped(path), layout.column, fields.size(), fields.size() - 1));
    }
    layout.name = std::to_string(layout.column);
    return layout;
  }
  layout.data_start = had_newline ? offset + bom + line.size() + 1 : size;
  layout.first_line = skipped_lines + 2;
  layout.column = find_column(path, fields, column, skipped_lines + 1);
  layout.name = fields[layout.column];
  // Header only: nothing after it but empty lines.
  std::string rest;
  bool data = false;
  while (!data && std::getline(in, rest))
    data = !is_blank(rest);
  if (!data) {
    throw UsageError(
        fmt::format("{}: only a header, no data lines (accepted: a header line and at least "
                    "one line of values, or --no-header)",
                    escaped(path)));
  }
  return layout;
}

std::string bad_line_message(const std::string& path, char sep, const CsvLayout& layout, std::uint64_t line,
                             const kernels::csv::BadLine& bad) {
  if (bad.field == layout.column && bad.message.ends_with("is not a number")) {
    return fmt::format(
        "{}:{}: column {} (field {}): {} (accepted: numbers; empty, NA or NaN for missing; "
        "--skip-bad skips such lines)",
        escaped(path), line, parakit::quoted(layout.name, kNameBytes), bad.field + 1, bad.message);
  }
  std::string hint = "--skip-bad skips such lines";
  if (bad.message.find("quote") != std::string::npos) {
    hint = "quoted fields end on their line: a quoted newline is not read; " + hint;
  } else if (bad.message.find("fields") != std::string::npos && sep != '\t' &&
             bad.message.find('\t') == std::string::npos) {
    hint = "every line with the header's fields, separated by --sep; " + hint;
  }
  return fmt::format("{}:{}: field {}: {} ({})", escaped(path), line, bad.field + 1, bad.message, hint);
}

}  // namespace parakit::format
