// format::read_csv_layout and bad_line_message: header detection and the messages for bad lines, on real
// files, without MPI.

#include "parakit/format/csv_layout.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "parakit/error.hpp"
#include "parakit/format/input_file.hpp"

using namespace parakit;
namespace fs = std::filesystem;

namespace {

// A file with @p text in a fresh directory, removed with it.
class CsvFile {
 public:
  explicit CsvFile(const std::string& text)
      : dir_(fs::temp_directory_path() /
             ("parakit_csv_layout_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++))) {
    fs::create_directories(dir_);
    std::ofstream(path(), std::ios::binary) << text;
  }
  ~CsvFile() { fs::remove_all(dir_); }
  CsvFile(const CsvFile&) = delete;
  CsvFile& operator=(const CsvFile&) = delete;
  std::string path() const { return (dir_ / "d.csv").string(); }
  std::uint64_t size() const { return fs::file_size(path()); }
  format::CsvLayout layout(const std::string& column, bool header = true, char sep = ',') const {
    return format::read_csv_layout(path(), size(), sep, header, column);
  }
  std::string error(const std::string& column, bool header = true) const {
    try {
      layout(column, header);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "(no UsageError)";
  }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
};

}  // namespace

TEST(CsvLayout, a_header_names_the_columns_and_the_data_start_after_it) {
  const CsvFile f("id,price\n1,2.5\n2,3.5\n");
  const format::CsvLayout by_name = f.layout("price");
  EXPECT_EQ(by_name.data_start, 9U);  // "id,price\n"
  EXPECT_EQ(by_name.first_line, 2U);
  EXPECT_EQ(by_name.column, 1U);
  EXPECT_EQ(by_name.fields, 2U);
  EXPECT_EQ(by_name.name, "price");
  const format::CsvLayout by_index = f.layout("1");
  EXPECT_EQ(by_index.column, 1U);
  EXPECT_EQ(by_index.name, "price");
  EXPECT_EQ(f.layout("").column, 0U);
  EXPECT_EQ(f.layout("").name, "id");
}

TEST(CsvLayout, blank_lines_before_the_header_and_a_byte_order_mark_are_skipped) {
  const CsvFile blank("\n  \nname;v\n1;2\n");
  const format::CsvLayout b = blank.layout("v", true, ';');
  EXPECT_EQ(b.data_start, 4U + 7U);  // "\n  \n" then "name;v\n"
  EXPECT_EQ(b.first_line, 4U);
  EXPECT_EQ(b.column, 1U);
  const CsvFile bom(
      "\xEF\xBB\xBF"
      "a,b\n1,2\n");
  const format::CsvLayout m = bom.layout("a");
  EXPECT_EQ(m.column, 0U);
  EXPECT_EQ(m.name, "a");
  EXPECT_EQ(m.data_start, 3U + 4U);
}

TEST(CsvLayout, without_a_header_the_column_is_an_index_and_the_data_start_at_0) {
  const CsvFile f("1,2,3\n4,5,6\n");
  const format::CsvLayout l = f.layout("2", false);
  EXPECT_EQ(l.data_start, 0U);
  EXPECT_EQ(l.first_line, 1U);
  EXPECT_EQ(l.column, 2U);
  EXPECT_EQ(l.fields, 3U);
  EXPECT_EQ(l.name, "2");
  EXPECT_EQ(f.error("x", false), "--column 'x': without a header the column must be a 0-based index");
  EXPECT_EQ(f.error("3", false),
            f.path() + ": line 1: --column 3 but the line has 3 fields (accepted: 0 to 2)");
}

TEST(CsvLayout, an_unknown_column_or_a_header_alone_is_one_clear_message) {
  const CsvFile f("a,b\n1,2\n");
  EXPECT_EQ(f.error("price"), f.path() +
                                  ": line 1: no column 'price' (accepted: a name from the header, 'a', 'b', "
                                  "or an index from 0 to 1)");
  EXPECT_EQ(f.error("2"), f.path() +
                              ": line 1: no column '2' (accepted: a name from the header, 'a', 'b', or an "
                              "index from 0 to 1)");
  const CsvFile header_only("a,b\n \t\n");
  EXPECT_EQ(header_only.error("a"), header_only.path() +
                                        ": only a header, no data lines (accepted: a header line and at "
                                        "least one line of values, or --no-header)");
}

TEST(CsvLayout, bad_lines_name_the_column_or_what_is_wrong) {
  format::CsvLayout layout;
  layout.column = 1;
  layout.name = "price";
  const kernels::csv::BadLine not_number{.line = 0, .field = 1, .message = "'x7' is not a number"};
  EXPECT_EQ(format::bad_line_message("d.csv", ',', layout, 3, not_number),
            "d.csv:3: column 'price' (field 2): 'x7' is not a number (accepted: numbers; empty, NA or NaN "
            "for missing; --skip-bad skips such lines)");
  const kernels::csv::BadLine ragged{.line = 0, .field = 1, .message = "1 fields, expected 2"};
  EXPECT_EQ(
      format::bad_line_message("d.csv", ',', layout, 4, ragged),
      "d.csv:4: field 2: 1 fields, expected 2 (every line with the header's fields, separated by --sep; "
      "--skip-bad skips such lines)");
  EXPECT_EQ(format::bad_line_message("d.csv", '\t', layout, 4, ragged),
            "d.csv:4: field 2: 1 fields, expected 2 (--skip-bad skips such lines)");
  const kernels::csv::BadLine quote{.line = 0, .field = 0, .message = "an unclosed quote"};
  EXPECT_EQ(format::bad_line_message("d.csv", ',', layout, 9, quote),
            "d.csv:9: field 1: an unclosed quote (quoted fields end on their line: a quoted newline is not "
            "read; --skip-bad skips such lines)");
}

TEST(CsvLayout, names_and_paths_from_data_are_quoted_with_control_bytes_escaped) {
  const CsvFile f(std::string("a\0b,\x1b[31mred\a\n1,2\n", 18));
  EXPECT_EQ(f.error("price"), f.path() +
                                  ": line 1: no column 'price' (accepted: a name from the header, 'a\\x00b', "
                                  "'\\x1b[31mred\\x07', or an index from 0 to 1)");
  const CsvFile open("a,\"b\x1b\n1,2\n");
  EXPECT_EQ(open.error("a"), open.path() + ": line 1: CSV: unterminated quote in field 2 of 'a,\"b\\x1b'");
  format::CsvLayout layout;
  layout.name = "\x1b[31mp\a";
  const kernels::csv::BadLine not_number{.line = 0, .field = 0, .message = "'x' is not a number"};
  EXPECT_EQ(format::bad_line_message("d\x1b]0;t\a.csv", ',', layout, 3, not_number),
            "d\\x1b]0;t\\x07.csv:3: column '\\x1b[31mp\\x07' (field 1): 'x' is not a number (accepted: "
            "numbers; empty, NA or NaN for missing; --skip-bad skips such lines)");
  // A header name of a megabyte is a few dozen bytes of message.
  layout.name = std::string(1 << 20, 'n');
  EXPECT_LT(format::bad_line_message("d.csv", ',', layout, 3, not_number).size(), 300U);
}

TEST(InputFile, a_usable_file_gives_its_size_and_binary_its_rows) {
  const CsvFile f(std::string(24, 'x'));
  EXPECT_EQ(format::check_input_file(f.path()), 24U);
  EXPECT_EQ(format::binary_rows(f.path(), 24, format::Dtype::kF64), 3U);
  EXPECT_EQ(format::binary_rows(f.path(), 24, format::Dtype::kI32), 6U);
  try {
    format::binary_rows(f.path(), 24, format::Dtype::kF64);
    format::binary_rows("odd.bin", 1001, format::Dtype::kF64);
    FAIL() << "1001 bytes are not whole f64 values";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "odd.bin: 1001 bytes is not a whole number of f64 values (8 bytes each; accepted: raw "
              "little-endian values, --dtype f64|f32|i64|i32)");
  }
}

TEST(InputFile, missing_empty_and_directory_are_refused) {
  const CsvFile empty("");
  const auto error = [](const std::string& path) {
    try {
      format::check_input_file(path);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("(no UsageError)");
  };
  EXPECT_EQ(error(empty.path()), empty.path() + ": the file is empty (accepted: at least one value)");
  const std::string dir = fs::path(empty.path()).parent_path().string();
  EXPECT_EQ(error(dir), dir + ": is a directory (accepted: a CSV, binary or HDF5 file)");
  EXPECT_EQ(error(dir + "/none.csv"), dir +
                                          "/none.csv: cannot open: No such file or directory (accepted: a "
                                          "readable CSV, binary or HDF5 file)");
}
