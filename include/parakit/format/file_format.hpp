#pragma once
/// @file
/// @brief The data files of `parakit stats` and `parakit gen`: file types, value types (dtypes) and CSV
/// separators, named, parsed and told from a file name by one rule for both commands and the reader.
/// MPI-free.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parakit::format {

/// @brief How a data file holds its values.
enum class FileType { kCsv, kBinary, kHdf5 };

/// @brief The type of one raw value: IEEE doubles and floats, two's-complement integers, little-endian.
enum class Dtype { kF64, kF32, kI64, kI32 };

/// @brief "csv", "binary", "hdf5".
const char* file_type_name(FileType type);

/// @brief The file type called @p name ("csv", "binary", "hdf5"), as `--type` gives it.
/// @throws parakit::UsageError `--type: 'NAME' is not a file type (accepted: csv, binary, hdf5)` otherwise.
FileType parse_file_type(const std::string& name);

/// @brief The suffixes (with their dot, lower case) that name files of @p type, e.g. ".csv", ".txt", ".tsv".
std::vector<std::string> file_suffixes(FileType type);

/// @brief The file type the suffix of @p path names (file_suffixes), or none.
///
/// The suffix is what follows the last '.' of the last path component, compared without regard to case:
/// `data.CSV` is CSV, `data.f32` binary, `/x.h5/data` nothing. `parakit stats` and `parakit gen` used to
/// differ here (stats: case-sensitive, with .txt, .tsv and .he5; gen: any case, without them); both now
/// take the union of the suffixes in any case, so a file gen writes is a file stats reads.
std::optional<FileType> file_type_from_name(std::string_view path);

/// @brief Bytes of one value of @p dtype (8 or 4).
std::size_t dtype_bytes(Dtype dtype);

/// @brief "f64", "f32", "i64", "i32".
const char* dtype_name(Dtype dtype);

/// @brief The dtype called @p name ("f64", "f32", "i64", "i32").
/// @throws parakit::UsageError `OPTION: 'NAME' is not a type (accepted: f64, f32, i64, i32, little-endian)`.
Dtype parse_dtype(const std::string& name, const std::string& option);

/// @brief The dtype the suffix of @p path names (".f64", ".f32", ".i64", ".i32", any case), or none.
std::optional<Dtype> dtype_from_name(std::string_view path);

/// @brief Converts @p n raw little-endian values of @p dtype at @p raw (any alignment) to doubles at @p out.
/// Integers beyond 2^53 round to the nearest double.
void decode(const char* raw, std::size_t n, Dtype dtype, double* out);

/// @brief What a CSV separator is for: reading accepts any character but a quote or a line break; writing
/// also refuses the characters of numbers (digits, letters, '.', '+', '-'), which would make fields
/// ambiguous.
enum class SeparatorUse { kRead, kWrite };

/// @brief The separator `--sep` gives: one character, or a tab written as "tab", "\t" (backslash, t) or a
/// tab character itself.
/// @throws parakit::UsageError with a one-line message saying what @p use accepts.
char parse_separator(const std::string& text, SeparatorUse use);

}  // namespace parakit::format
