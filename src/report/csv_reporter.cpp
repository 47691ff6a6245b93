#include "parakit/report/csv_reporter.hpp"

#include <cstddef>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "append.hpp"

namespace parakit::report {
namespace {

std::string csv_cell(const Record& v) {
  std::string text;
  if (v.is_string()) {
    text = v.get<std::string>();
  } else if (v.is_number_float()) {
    text = fmt::format("{:.17g}", v.get<double>());
  } else if (!v.is_null()) {
    text = v.dump();
  }
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text)
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// Scalars of an object as (dotted path, value); arrays of scalars are joined with ';'.
void flatten(const Record& object, const std::string& prefix,
             std::vector<std::pair<std::string, Record>>& out) {
  for (const auto& [key, value] : object.items()) {
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (value.is_object()) {
      flatten(value, path, out);
    } else if (value.is_array()) {
      if (!value.empty() && !value.front().is_primitive()) continue;  // tables: not one cell
      // One cell: the items' own text joined with ';', quoted once when written.
      std::string joined;
      for (const auto& item : value)
        detail::append(joined, item.is_string() ? item.get<std::string>() : item.dump(), ';');
      out.emplace_back(path, joined);
    } else {
      out.emplace_back(path, value);
    }
  }
}

// A study's table: its rows, with exactly the first row's columns (what plotting scripts read).
// (Named apart from table_reporter.cpp's write_study_rows: the sanitizer builds are unity builds.)
void write_study_csv_rows(const Record& rows, std::ostream& out) {
  std::string line;
  for (const auto& [key, _] : rows.front().items())
    detail::append(line, csv_cell(key), ',');
  out << line << '\n';
  for (const auto& row : rows) {
    line.clear();
    bool first = true;
    for (const auto& [key, _] : rows.front().items()) {
      if (!first) line += ',';
      first = false;
      line += row.contains(key) ? csv_cell(row[key]) : std::string();
    }
    out << line << '\n';
  }
}

void write_line(const std::vector<std::string>& cells, std::ostream& out) {
  for (std::size_t c = 0; c < cells.size(); ++c)
    out << (c == 0 ? "" : ",") << cells[c];
  out << '\n';
}

// A run: the record's scalars repeated on one row per task (or thread), the task's own fields first.
void write_run_rows(const Record& record, std::ostream& out) {
  std::vector<std::pair<std::string, Record>> common;
  flatten(record, "", common);
  const Record* tasks = nullptr;
  for (const char* rows : {"tasks", "threads"}) {
    if (tasks == nullptr && record.contains("result") && record["result"].contains(rows))
      tasks = &record["result"][rows];
  }
  std::vector<std::string> task_keys;
  if (tasks != nullptr && !tasks->empty()) {
    for (const auto& [key, _] : tasks->front().items())
      task_keys.push_back(key);
  }
  std::vector<std::string> header;
  for (const auto& key : task_keys)
    header.push_back("task." + key);
  for (const auto& [key, _] : common)
    header.push_back(key);
  write_line(header, out);
  const auto write_row = [&](const Record* task) {
    std::vector<std::string> cells;
    for (const auto& key : task_keys)
      cells.push_back(csv_cell((*task)[key]));
    for (const auto& [_, value] : common)
      cells.push_back(csv_cell(value));
    write_line(cells, out);
  };
  if (task_keys.empty()) {
    write_row(nullptr);
  } else {
    for (const auto& task : *tasks)
      write_row(&task);
  }
}

}  // namespace

void CsvReporter::write(const Record& record, std::ostream& out) const {
  if (record.contains("rows") && record["rows"].is_array() && !record["rows"].empty()) {
    write_study_csv_rows(record["rows"], out);
  } else {
    write_run_rows(record, out);
  }
}

}  // namespace parakit::report
