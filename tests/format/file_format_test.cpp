// format::: file types, dtypes and separators, named, parsed and told from file names by one rule.

#include "parakit/format/file_format.hpp"

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "parakit/error.hpp"

using namespace parakit;
using format::Dtype;
using format::FileType;

namespace {

std::string message_of(const auto& call) {
  try {
    call();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no UsageError)";
}

}  // namespace

TEST(FileFormat, names_and_parse_are_inverse) {
  for (const FileType t : {FileType::kCsv, FileType::kBinary, FileType::kHdf5})
    EXPECT_EQ(format::parse_file_type(format::file_type_name(t)), t);
  EXPECT_STREQ(format::file_type_name(FileType::kBinary), "binary");
  EXPECT_EQ(message_of([] { format::parse_file_type("parquet"); }),
            "--type: 'parquet' is not a file type (accepted: csv, binary, hdf5)");
  EXPECT_EQ(message_of([] { format::parse_file_type("CSV"); }),
            "--type: 'CSV' is not a file type (accepted: csv, binary, hdf5)");
}

TEST(FileFormat, type_from_name_knows_every_suffix_in_any_case) {
  const std::vector<std::pair<std::string, FileType>> known = {{"a.csv", FileType::kCsv},
                                                               {"a.txt", FileType::kCsv},
                                                               {"a.tsv", FileType::kCsv},
                                                               {"a.csv.txt", FileType::kCsv},
                                                               {"a.bin", FileType::kBinary},
                                                               {"a.dat", FileType::kBinary},
                                                               {"a.raw", FileType::kBinary},
                                                               {"a.f64", FileType::kBinary},
                                                               {"a.f32", FileType::kBinary},
                                                               {"a.i64", FileType::kBinary},
                                                               {"a.i32", FileType::kBinary},
                                                               {"a.h5", FileType::kHdf5},
                                                               {"a.hdf5", FileType::kHdf5},
                                                               {"a.he5", FileType::kHdf5},
                                                               {"DATA.CSV", FileType::kCsv},
                                                               {"x/Data.F32", FileType::kBinary},
                                                               {"/tmp/dir.d/v.HDF5", FileType::kHdf5},
                                                               {".csv", FileType::kCsv}};
  for (const auto& [name, type] : known) {
    ASSERT_TRUE(format::file_type_from_name(name).has_value()) << name;
    EXPECT_EQ(*format::file_type_from_name(name), type) << name;
  }
  for (const char* unknown : {"a.xyz", "a", "", "a.csv/", "dir.h5/data", "a.csvx", "a.", "a.f16"})
    EXPECT_FALSE(format::file_type_from_name(unknown).has_value()) << unknown;
}

TEST(FileFormat, suffixes_list_each_type_in_order) {
  EXPECT_EQ(format::file_suffixes(FileType::kCsv), (std::vector<std::string>{".csv", ".txt", ".tsv"}));
  EXPECT_EQ(format::file_suffixes(FileType::kBinary),
            (std::vector<std::string>{".bin", ".dat", ".raw", ".f64", ".f32", ".i64", ".i32"}));
  EXPECT_EQ(format::file_suffixes(FileType::kHdf5), (std::vector<std::string>{".h5", ".hdf5", ".he5"}));
  // Every listed suffix names its own type.
  for (const FileType t : {FileType::kCsv, FileType::kBinary, FileType::kHdf5})
    for (const std::string& s : format::file_suffixes(t))
      EXPECT_EQ(format::file_type_from_name("x" + s), t) << s;
}

TEST(FileFormat, dtype_bytes_names_parse_and_suffix) {
  const std::vector<std::tuple<Dtype, std::size_t, std::string>> all = {
      {Dtype::kF64, 8, "f64"}, {Dtype::kF32, 4, "f32"}, {Dtype::kI64, 8, "i64"}, {Dtype::kI32, 4, "i32"}};
  for (const auto& [d, bytes, name] : all) {
    EXPECT_EQ(format::dtype_bytes(d), bytes) << name;
    EXPECT_EQ(format::dtype_name(d), name);
    EXPECT_EQ(format::parse_dtype(name, "--dtype"), d);
    EXPECT_EQ(format::dtype_from_name("data." + name), d);
  }
  EXPECT_EQ(format::dtype_from_name("DATA.I32"), Dtype::kI32);
  EXPECT_FALSE(format::dtype_from_name("data.bin").has_value());
  EXPECT_FALSE(format::dtype_from_name("f32").has_value());
  EXPECT_FALSE(format::dtype_from_name("data.f32/x").has_value());
  EXPECT_EQ(message_of([] { format::parse_dtype("F32", "--dtype"); }),
            "--dtype: 'F32' is not a type (accepted: f64, f32, i64, i32, little-endian)");
}

TEST(FileFormat, decode_gives_the_values_of_every_dtype) {
  const double f64[] = {1.5, -0.0, std::numeric_limits<double>::infinity(), 1e300};
  const float f32[] = {0.1f, -2.5f, 3.0e38f};
  const std::int64_t i64[] = {-(std::int64_t{1} << 53), 7, std::numeric_limits<std::int64_t>::max()};
  const std::int32_t i32[] = {std::numeric_limits<std::int32_t>::min(), -1, 42};
  std::vector<double> out(4);
  // An odd offset into a buffer: raw values need not be aligned.
  std::vector<char> raw(1 + sizeof f64);
  std::memcpy(raw.data() + 1, f64, sizeof f64);
  format::decode(raw.data() + 1, 4, Dtype::kF64, out.data());
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_EQ(std::memcmp(&out[i], &f64[i], sizeof(double)), 0) << i;  // bit for bit, -0.0 included
  std::memcpy(raw.data() + 1, f32, sizeof f32);
  format::decode(raw.data() + 1, 3, Dtype::kF32, out.data());
  EXPECT_EQ(out[0], static_cast<double>(0.1f));
  EXPECT_EQ(out[1], -2.5);
  EXPECT_EQ(out[2], static_cast<double>(3.0e38f));
  std::memcpy(raw.data() + 1, i64, sizeof i64);
  format::decode(raw.data() + 1, 3, Dtype::kI64, out.data());
  EXPECT_EQ(out[0], -9007199254740992.0);
  EXPECT_EQ(out[1], 7.0);
  EXPECT_EQ(out[2], 9223372036854775808.0);  // 2^63 - 1 rounds to 2^63
  std::memcpy(raw.data() + 1, i32, sizeof i32);
  format::decode(raw.data() + 1, 3, Dtype::kI32, out.data());
  EXPECT_EQ(out[0], -2147483648.0);
  EXPECT_EQ(out[1], -1.0);
  EXPECT_EQ(out[2], 42.0);
}

TEST(FileFormat, separators_for_reading_and_writing) {
  using format::SeparatorUse;
  for (const SeparatorUse use : {SeparatorUse::kRead, SeparatorUse::kWrite}) {
    EXPECT_EQ(format::parse_separator(",", use), ',');
    EXPECT_EQ(format::parse_separator(";", use), ';');
    EXPECT_EQ(format::parse_separator("tab", use), '\t');
    EXPECT_EQ(format::parse_separator("\\t", use), '\t');
    EXPECT_EQ(format::parse_separator("\t", use), '\t');
  }
  // Reading takes the characters of numbers (a file may use them); writing does not.
  for (const char* c : {"x", "5", ".", "-", "+"}) {
    EXPECT_EQ(format::parse_separator(c, SeparatorUse::kRead), c[0]);
    EXPECT_EQ(message_of([&] { format::parse_separator(c, SeparatorUse::kWrite); }),
              std::string("--sep: '") + c +
                  "' is not a separator (accepted: one character that cannot be part of a number or a quote, "
                  "e.g. , ; | or tab, also written \\t)");
  }
  for (const char* bad : {"\"", ";;", ""}) {
    EXPECT_EQ(message_of([&] { format::parse_separator(bad, SeparatorUse::kRead); }),
              std::string("--sep: '") + bad +
                  "' is not a separator (accepted: one character such as , ; | or tab)");
    EXPECT_NE(message_of([&] { format::parse_separator(bad, SeparatorUse::kWrite); }), "(no UsageError)");
  }
  // A newline is escaped: the message stays one line.
  EXPECT_EQ(message_of([] { format::parse_separator("\n", SeparatorUse::kRead); }),
            "--sep: '\\n' is not a separator (accepted: one character such as , ; | or tab)");
}
