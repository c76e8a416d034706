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

}  // namespace
}  // namespace postwork::pg
