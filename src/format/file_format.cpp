#include "parakit/format/file_format.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <utility>

#include "parakit/error.hpp"
#include "parakit/quote.hpp"

namespace parakit::format {
namespace {

// Every suffix parakit knows, with its type: the union of what stats and gen once knew apart.
constexpr std::pair<std::string_view, FileType> kSuffixes[] = {
    {".csv", FileType::kCsv},    {".txt", FileType::kCsv},    {".tsv", FileType::kCsv},
    {".bin", FileType::kBinary}, {".dat", FileType::kBinary}, {".raw", FileType::kBinary},
    {".f64", FileType::kBinary}, {".f32", FileType::kBinary}, {".i64", FileType::kBinary},
    {".i32", FileType::kBinary}, {".h5", FileType::kHdf5},    {".hdf5", FileType::kHdf5},
    {".he5", FileType::kHdf5}};

constexpr Dtype kDtypes[] = {Dtype::kF64, Dtype::kF32, Dtype::kI64, Dtype::kI32};

// The suffix of the last path component, from its last '.', in lower case; empty without one.
std::string suffix_of(std::string_view path) {
  const auto dot = path.find_last_of("./");
  if (dot == std::string_view::npos || path[dot] != '.') return {};
  std::string suffix(path.substr(dot));
  std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return suffix;
}

template <class T>
void decode_as(const char* raw, std::size_t n, double* out) {
  for (std::size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, raw + i * sizeof v, sizeof v);
    out[i] = static_cast<double>(v);
  }
}

}  // namespace

const char* file_type_name(FileType type) {
  switch (type) {
    case FileType::kCsv:
      return "csv";
    case FileType::kBinary:
      return "binary";
    case FileType::kHdf5:
      return "hdf5";
  }
  return "?";
}

FileType parse_file_type(const std::string& name) {
  for (const FileType t : {FileType::kCsv, FileType::kBinary, FileType::kHdf5})
    if (name == file_type_name(t)) return t;
  throw UsageError("--type: " + parakit::quoted(name) + " is not a file type (accepted: csv, binary, hdf5)");
}

std::vector<std::string> file_suffixes(FileType type) {
  std::vector<std::string> suffixes;
  for (const auto& [suffix, t] : kSuffixes)
    if (t == type) suffixes.emplace_back(suffix);
  return suffixes;
}

std::optional<FileType> file_type_from_name(std::string_view path) {
  const std::string suffix = suffix_of(path);
  for (const auto& [known, type] : kSuffixes)
    if (suffix == known) return type;
  return std::nullopt;
}

std::size_t dtype_bytes(Dtype dtype) {
  return dtype == Dtype::kF64 || dtype == Dtype::kI64 ? 8 : 4;
}

const char* dtype_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::kF64:
      return "f64";
    case Dtype::kF32:
      return "f32";
    case Dtype::kI64:
      return "i64";
    case Dtype::kI32:
      return "i32";
  }
  return "?";
}

Dtype parse_dtype(const std::string& name, const std::string& option) {
  for (const Dtype d : kDtypes)
    if (name == dtype_name(d)) return d;
  throw UsageError(option + ": " + parakit::quoted(name) +
                   " is not a type (accepted: f64, f32, i64, i32, little-endian)");
}

std::optional<Dtype> dtype_from_name(std::string_view path) {
  const std::string suffix = suffix_of(path);
  for (const Dtype d : kDtypes)
    if (suffix == std::string(".") + dtype_name(d)) return d;
  return std::nullopt;
}

void decode(const char* raw, std::size_t n, Dtype dtype, double* out) {
  switch (dtype) {
    case Dtype::kF64:
      std::memcpy(out, raw, n * sizeof(double));
      break;
    case Dtype::kF32:
      decode_as<float>(raw, n, out);
      break;
    case Dtype::kI64:
      decode_as<std::int64_t>(raw, n, out);
      break;
    case Dtype::kI32:
      decode_as<std::int32_t>(raw, n, out);
      break;
  }
}

char parse_separator(const std::string& text, SeparatorUse use) {
  if (text == "\\t" || text == "tab" || text == "\t") return '\t';
  const bool one = text.size() == 1 && text[0] != '"' && text[0] != '\n' && text[0] != '\r';
  if (use == SeparatorUse::kRead) {
    if (one) return text[0];
    throw UsageError("--sep: " + parakit::quoted(text) +
                     " is not a separator (accepted: one character such as , ; | or tab)");
  }
  // Characters of numbers ("-1.5e+3", "inf") would make the fields ambiguous.
  if (one && std::isalnum(static_cast<unsigned char>(text[0])) == 0 &&
      std::string_view(".+-").find(text[0]) == std::string_view::npos) {
    return text[0];
  }
  throw UsageError("--sep: " + parakit::quoted(text) +
                   " is not a separator (accepted: one character that cannot be part of a number or a "
                   "quote, e.g. , ; | or tab, also written \\t)");
}

}  // namespace parakit::format
