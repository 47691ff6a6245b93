#include "parakit/quote.hpp"

#include <string>

#include <gtest/gtest.h>

#include "parakit/report/quote.hpp"

TEST(Quoted, printable_text_is_kept_in_single_quotes) {
  EXPECT_EQ(parakit::quoted("price"), "'price'");
  EXPECT_EQ(parakit::quoted(""), "''");
  EXPECT_EQ(parakit::quoted("a b,c;\"d\""), "'a b,c;\"d\"'") << "a double quote is text";
  EXPECT_EQ(parakit::quoted("it's a\\b"), "'it\\'s a\\\\b'") << "the quote and the backslash are escaped";
}

TEST(Quoted, control_bytes_and_nul_are_escaped_so_nothing_raw_reaches_a_terminal) {
  EXPECT_EQ(parakit::quoted(std::string("pr\0ice", 6)), "'pr\\x00ice'") << "a NUL does not cut the text";
  EXPECT_EQ(parakit::quoted("\x1b[31mred\x1b[0m"), "'\\x1b[31mred\\x1b[0m'");
  EXPECT_EQ(parakit::quoted("bell\a"), "'bell\\x07'");
  EXPECT_EQ(parakit::quoted("a\nb\tc\rd"), "'a\\nb\\tc\\rd'");
  EXPECT_EQ(parakit::quoted("\x01\x1f\x7f"), "'\\x01\\x1f\\x7f'");
  const std::string all_controls = [] {
    std::string s;
    for (int c = 0; c < 0x20; ++c)
      s += static_cast<char>(c);
    return s + '\x7f';
  }();
  const std::string q = parakit::quoted(all_controls);
  for (const char c : q)
    EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "byte " << static_cast<int>(c) << " in " << q;
}

TEST(Quoted, utf8_is_kept_but_c1_controls_and_invalid_bytes_are_escaped) {
  EXPECT_EQ(parakit::quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "'caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80'");
  EXPECT_EQ(parakit::quoted("\xc2\x9b"
                            "31m"),
            "'\\xc2\\x9b31m'")
      << "U+009B, the one-byte CSI of some terminals";
  EXPECT_EQ(parakit::quoted("\xc2\xa0"), "'\xc2\xa0'") << "U+00A0 is printable";
  EXPECT_EQ(parakit::quoted("\x9b"), "'\\x9b'") << "a lone continuation byte";
  EXPECT_EQ(parakit::quoted("\xc3"), "'\\xc3'") << "a character cut short";
  EXPECT_EQ(parakit::quoted("\xc0\xaf"), "'\\xc0\\xaf'") << "an overlong '/'";
  EXPECT_EQ(parakit::quoted("\xed\xa0\x80"), "'\\xed\\xa0\\x80'") << "a UTF-16 surrogate";
  EXPECT_EQ(parakit::quoted("\xff"), "'\\xff'");
}

TEST(Quoted, long_text_is_cut_with_dots_after_the_quote) {
  EXPECT_EQ(parakit::quoted("abcdef", 3), "'abc'...");
  EXPECT_EQ(parakit::quoted("abc", 3), "'abc'");
  const std::string field(1 << 20, 'x');  // a 1 MB field is not a 1 MB line
  const std::string q = parakit::quoted(field);
  EXPECT_EQ(q.size(), parakit::kQuotedBytes + 5);
  EXPECT_EQ(q.substr(0, 2), "'x");
  EXPECT_EQ(q.substr(q.size() - 5), "x'...");
  // Never inside a UTF-8 character: "é" is two bytes, and 4 bytes would end in its middle.
  EXPECT_EQ(parakit::quoted("abc\xc3\xa9z", 4), "'abc'...");
  // Escapes count the bytes of the text, not of the escapes: at most 4 bytes of message a byte.
  EXPECT_EQ(parakit::quoted(std::string(1000, '\0'), 3), "'\\x00\\x00\\x00'...");
}

TEST(Escaped, keeps_printable_text_as_typed_and_escapes_the_rest_without_quotes) {
  EXPECT_EQ(parakit::escaped("/data/run 1/it's.csv"), "/data/run 1/it's.csv");
  EXPECT_EQ(parakit::escaped("C:\\data"), "C:\\data") << "a backslash stays as typed";
  EXPECT_EQ(parakit::escaped(std::string("a\0b\x1b[2J\a", 8)), "a\\x00b\\x1b[2J\\x07");
  EXPECT_EQ(parakit::escaped("abcdef", 2), "ab...");
}

TEST(Quoted, report_quoted_is_the_same_function) {
  EXPECT_EQ(parakit::report::quoted("a\x1b"), parakit::quoted("a\x1b"));
}
