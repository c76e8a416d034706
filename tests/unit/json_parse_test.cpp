// The fast JSON path must take the common inputs (or it saves nothing) and,
// whatever it takes, agree with nlohmann::json on the value and the number
// types; whatever it declines goes to nlohmann::json unchanged.
#include "core/json_parse.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace postwork::core {
namespace {

void ExpectSameAsNlohmann(const std::string& text) {
  SCOPED_TRACE(text);
  auto slow = nlohmann::json::parse(text, nullptr, false);
  auto both = ParseJson(text);
  EXPECT_EQ(both.is_discarded(), slow.is_discarded());
  if (!slow.is_discarded()) {
    EXPECT_EQ(both.dump(), slow.dump());
  }
  nlohmann::json fast;
  if (TryParseJsonFast(text, fast)) {
    ASSERT_FALSE(slow.is_discarded());
    EXPECT_EQ(fast, slow);
    EXPECT_EQ(fast.dump(), slow.dump());
  }
}

TEST(JsonParse, TakesWhatProducersWrite) {
  const std::vector<std::string> inputs = {
      R"({"attempt_count":0,"enqueued_at":1764385063123,"id":"01a2","max_attempts":5,)"
      R"("payload":{"to":"a@example.com","n":-3,"x":1.5e3,"ok":true,"none":null},)"
      R"("queue":"queue:diagnostic","recorded":true})",
      R"( { "id" : "seed-42", "payload" : { "sleep_ms" : 1 } } )",
      R"({"s":"caf\u00e9 \ud83d\ude00 \" \\ \/ \b\f\n\r\t","u":"café 😀"})",
      R"([0, -0, 18446744073709551615, -9223372036854775808, 0.1, 2.5E-3, 1e+2, []])",
      R"({"dup":1,"dup":2})",
      R"("just a string")",
      "42",
      "[[[[[[[[[[1]]]]]]]]]]",
  };
  for (const auto& text : inputs) {
    nlohmann::json out;
    EXPECT_TRUE(TryParseJsonFast(text, out)) << text;
    ExpectSameAsNlohmann(text);
  }
}

TEST(JsonParse, DeclinesWhatItDoesNotOwnAndNlohmannDecides) {
  const std::vector<std::string> inputs = {
      "",
      "{",
      R"({"a":1,})",
      "[1,]",
      "01",
      "1.",
      "-",
      "1e",
      "tru",
      "nul",
      R"({"a" 1})",
      "\"\xC0\x80\"",          // overlong
      "\"\xED\xA0\x80\"",      // a surrogate in UTF-8
      "\"\xF4\x90\x80\x80\"",  // past U+10FFFF
      "\"\xE2\x82\"",          // cut short
      R"("\ud800")",           // a lone high surrogate
      R"("\udc00")",           // a lone low surrogate
      R"("\x41")",
      "\"tab\there\"",  // a raw control character
      "1e400",
      "-1e400",
      "1e-400",
      "18446744073709551616",
      "-9223372036854775809",
      "\xEF\xBB\xBF{\"bom\":1}",
      "{} {}",
      std::string(200, '[') + std::string(200, ']'),
  };
  for (const auto& text : inputs) {
    nlohmann::json out;
    EXPECT_FALSE(TryParseJsonFast(text, out)) << text;
    ExpectSameAsNlohmann(text);
  }
}

// Plain runs are scanned eight bytes at a time: whatever ends a run (a quote,
// an escape, a control character, UTF-8, bad UTF-8, the end of the text) must
// be found at every offset within and across those eight bytes.
TEST(JsonParse, FindsWhatEndsAPlainRunAtEveryOffset) {
  const std::vector<std::string> specials = {
      "\\\"", "\\\\", "\\n", "\\u00e9", "é", "😀", "\t", "\x01", "\xC0\x80", "\xE2\x82",
  };
  for (const auto& special : specials) {
    for (size_t before = 0; before <= 24; ++before) {
      for (size_t after : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{19}}) {
        const std::string body = std::string(before, 'a') + special + std::string(after, 'b');
        ExpectSameAsNlohmann("{\"body\":\"" + body + "\",\"n\":1}");
        ExpectSameAsNlohmann("\"" + body);  // cut short: no closing quote
      }
    }
  }
  // A long plain run, as an email body is.
  const std::string long_body(2000, 'x');
  nlohmann::json out;
  ASSERT_TRUE(TryParseJsonFast("{\"body\":\"" + long_body + "\"}", out));
  EXPECT_EQ(out["body"], long_body);
}

nlohmann::json RandomValue(std::mt19937_64& rng, int depth) {
  std::uniform_int_distribution<int> kind(0, depth > 4 ? 5 : 7);
  switch (kind(rng)) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2:
      return static_cast<int64_t>(rng());
    case 3:
      return static_cast<uint64_t>(rng() >> (rng() % 64));
    case 4:
      return std::uniform_real_distribution<double>(-1e12, 1e12)(rng) / (1 + rng() % 1000);
    case 5: {
      std::string s;
      const char* pieces[] = {"a",  "Z",    " ",    "\"", "\\", "/", "\n",
                              "\t", "\x01", "\x7f", "é",  "€",  "😀", "\xE2\x80\xA8"};
      for (size_t i = rng() % 12; i > 0; --i) s += pieces[rng() % std::size(pieces)];
      return s;
    }
    case 6: {
      auto a = nlohmann::json::array();
      for (size_t i = rng() % 5; i > 0; --i) a.push_back(RandomValue(rng, depth + 1));
      return a;
    }
    default: {
      auto o = nlohmann::json::object();
      for (size_t i = rng() % 5; i > 0; --i) {
        o["k" + std::to_string(rng() % 10)] = RandomValue(rng, depth + 1);
      }
      return o;
    }
  }
}

TEST(JsonParse, AgreesWithNlohmannOnRandomDocuments) {
  std::mt19937_64 rng(20261207);
  for (int i = 0; i < 2000; ++i) {
    nlohmann::json doc = RandomValue(rng, 0);
    for (bool ascii : {false, true}) {
      const std::string text = doc.dump(i % 3 == 0 ? 2 : -1, ' ', ascii);
      nlohmann::json fast;
      ASSERT_TRUE(TryParseJsonFast(text, fast)) << text;
      ASSERT_EQ(fast.dump(), nlohmann::json::parse(text).dump()) << text;
    }
  }
}

TEST(JsonDump, WritesWhatNlohmannWritesByteForByte) {
  std::mt19937_64 rng(20261208);
  for (int i = 0; i < 2000; ++i) {
    nlohmann::json doc = RandomValue(rng, 0);
    ASSERT_EQ(DumpJson(doc), doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict));
  }
  const nlohmann::json fixed = {
      {"control", std::string("\x00\x01\x1f\b\f\n\r\t\x7f", 10)},
      {"quotes", "\"\\/"},
      {"unicode", "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xE2\x80\xA8"},
      {"numbers", {0, -1, 18446744073709551615ULL, -9223372036854775807LL - 1, 1.5, 1e300, -0.0}},
      {"nan", std::nan("")},
      {"empty", {{"a", nlohmann::json::array()}, {"o", nlohmann::json::object()}, {"s", ""}}},
      {"long", std::string(5000, 'x') + "\n" + std::string(5000, 'y')}};
  EXPECT_EQ(DumpJson(fixed), fixed.dump());
}

TEST(JsonDump, InvalidUtf8GoesToNlohmannsHandler) {
  const nlohmann::json bad = {{"s", "ok \xFF \xC3"}, {"n", 1}};
  EXPECT_THROW(DumpJson(bad), nlohmann::json::type_error);
  EXPECT_EQ(DumpJson(bad, nlohmann::json::error_handler_t::replace),
            bad.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  EXPECT_EQ(DumpJson(nlohmann::json::binary({1, 2, 3})), nlohmann::json::binary({1, 2, 3}).dump());
}

}  // namespace
}  // namespace postwork::core
