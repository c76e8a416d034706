#include <gtest/gtest.h>

#include "pg/array_literal.hpp"

namespace postwork::pg {
namespace {

TEST(ArrayLiteral, QuotesAndEscapesEveryElement) {
  ArrayLiteral a;
  a.Add("plain").Add("with \"quotes\"").Add("back\\slash").Add("{braces},comma").Add("");
  EXPECT_EQ(a.size(), 5u);
  EXPECT_EQ(a.Take(), R"({"plain","with \"quotes\"","back\\slash","{braces},comma",""})");
}

TEST(ArrayLiteral, NullsNumbersAndEmptyToNull) {
  ArrayLiteral a;
  a.Add(int64_t{-42}).AddNull().AddOrNull("").AddOrNull("x");
  EXPECT_EQ(a.Take(), R"({-42,NULL,NULL,"x"})");
}

TEST(ArrayLiteral, TakeResetsTheBuilder) {
  ArrayLiteral a;
  EXPECT_EQ(a.Take(), "{}");
  a.Add("a");
  EXPECT_EQ(a.Take(), R"({"a"})");
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.Take(), "{}");
}

TEST(ArrayLiteral, NulByteBecomesReplacementCharacter) {
  ArrayLiteral a;
  a.Add(std::string("a\0b", 3));
  EXPECT_EQ(a.Take(),
            "{\"a\xEF\xBF\xBD"
            "b\"}");
}

TEST(JsonbText, EscapedNulBecomesReplacementButEscapedBackslashStays) {
  EXPECT_EQ(JsonbText(R"({"a":"x\u0000y"})"), R"({"a":"x\ufffdy"})");
  // "\\u0000" is a backslash followed by the text u0000: not a NUL.
  EXPECT_EQ(JsonbText(R"({"a":"\\u0000"})"), R"({"a":"\\u0000"})");
  EXPECT_EQ(JsonbText(R"({"a":"\\\u0000"})"), R"({"a":"\\\ufffd"})");
  EXPECT_EQ(JsonbText("{}"), "{}");
}

TEST(CopyRows, FieldsAreTabSeparatedRowsEndInNewlineAndNullIsBackslashN) {
  CopyRows rows;
  rows.Add("a").Add(int64_t{-7}).AddNull().AddOrNull("").EndRow();
  rows.Add("b").EndRow();
  EXPECT_EQ(rows.rows(), 2u);
  EXPECT_EQ(rows.text(), "a\t-7\t\\N\t\\N\nb\n");
}

TEST(CopyRows, EscapesWhatTheTextFormatGivesAMeaning) {
  CopyRows rows;
  rows.Add(std::string("back\\slash\ttab\nnewline\rreturn\0nul", 33)).EndRow();
  EXPECT_EQ(rows.text(),
            "back\\\\slash\\ttab\\nnewline\\rreturn\xEF\xBF\xBD"
            "nul\n");
  // JSON text keeps its own escapes: a backslash is doubled, nothing else changes.
  CopyRows json;
  json.Add(R"({"a":"x\"y\\z"})").EndRow();
  EXPECT_EQ(json.text(), R"({"a":"x\\"y\\\\z"})"
                         "\n");
}

TEST(TimestampText, MillisecondsSinceTheEpochInUtc) {
  EXPECT_EQ(TimestampText(0), "1970-01-01 00:00:00.000+00");
  EXPECT_EQ(TimestampText(1796640900123), "2026-12-07 10:55:00.123+00");
  EXPECT_EQ(TimestampText(-1), "1969-12-31 23:59:59.999+00");
}

}  // namespace
}  // namespace postwork::pg
