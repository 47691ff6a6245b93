#include "parakit/report/reporter.hpp"

#include <memory>
#include <string>
#include <string_view>

#include "parakit/error.hpp"
#include "parakit/quote.hpp"

namespace parakit::report {

Format parse_format(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  if (name == "csv") return Format::kCsv;
  throw UsageError("--format: " + parakit::quoted(name) + " is not a format (accepted: text, json, csv)");
}

std::unique_ptr<Reporter> make_reporter(Format format) {
  switch (format) {
    case Format::kJson:
      return std::make_unique<JsonReporter>();
    case Format::kCsv:
      return std::make_unique<CsvReporter>();
    case Format::kText:
      break;
  }
  return std::make_unique<TableReporter>();
}

}  // namespace parakit::report
