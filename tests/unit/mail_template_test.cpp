#include <gtest/gtest.h>

#include <set>

#include "mail/template.hpp"

namespace postwork::mail {
namespace {

using nlohmann::json;

const json kLead = {{"first_name", "Jane"}, {"company", "Acme & <Sons>"}, {"empty", ""},
                    {"seats", 12},          {"vip", true},              {"nothing", nullptr}};

TEST(MailTemplate, SubstitutesVariables) {
  EXPECT_EQ(Render("Hi {{first_name}} at {{company}}", kLead), "Hi Jane at Acme & <Sons>");
  EXPECT_EQ(Render("{{ first_name }}!", kLead), "Jane!");
  EXPECT_EQ(Render("{{seats}} seats, vip={{vip}}", kLead), "12 seats, vip=true");
}

TEST(MailTemplate, UnknownVariablesRenderEmpty) {
  EXPECT_EQ(Render("Hi {{last_name}}.", kLead), "Hi .");
  EXPECT_EQ(Render("[{{nothing}}]", kLead), "[]");
  EXPECT_EQ(Render("Hi {{first_name}}", json::array({1, 2})), "Hi ") << "non-object: no variables";
}

TEST(MailTemplate, FallbackWhenMissingOrEmpty) {
  EXPECT_EQ(Render("Hi {{last_name|there}}", kLead), "Hi there");
  EXPECT_EQ(Render("Hi {{empty|there}}", kLead), "Hi there");
  EXPECT_EQ(Render("Hi {{nothing|friend}}", kLead), "Hi friend");
  EXPECT_EQ(Render("Hi {{first_name|there}}", kLead), "Hi Jane");
  EXPECT_EQ(Render("Hi {{ last_name | dear reader }}!", kLead), "Hi dear reader!");
  EXPECT_EQ(Render("Hi {{last_name|}}!", kLead), "Hi !");
}

TEST(MailTemplate, SpintaxIsDeterministicPerSeed) {
  const std::string tmpl = "{Hi|Hello|Hey} {{first_name}}, {quick|short} question";
  std::set<std::string> variants;
  for (int i = 0; i < 60; ++i) {
    std::string seed = "lead-" + std::to_string(i);
    std::string first = Render(tmpl, kLead, {.seed = seed});
    EXPECT_EQ(first, Render(tmpl, kLead, {.seed = seed})) << "same seed, same output";
    variants.insert(first);
    std::string greeting = first.substr(0, first.find(' '));
    EXPECT_TRUE(greeting == "Hi" || greeting == "Hello" || greeting == "Hey") << first;
  }
  EXPECT_GE(variants.size(), 4u) << "different seeds spread over the variants";
}

TEST(MailTemplate, SpintaxChoiceIsPinned) {
  // Pins the hash so a library or compiler change cannot silently reshuffle
  // every lead's variant (std::hash would not guarantee this).
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ULL);
  EXPECT_EQ(Render("{A|B|C|D|E|F|G}", kLead, {.seed = "lead-7"}), "C");
}

TEST(MailTemplate, NestedSpintaxAndVariablesInsideOptions) {
  std::set<std::string> seen;
  for (int i = 0; i < 80; ++i) {
    std::string out = Render("{Hi {{first_name}}|{Hello|Hey} there}!", kLead,
                             {.seed = std::to_string(i)});
    EXPECT_TRUE(out == "Hi Jane!" || out == "Hello there!" || out == "Hey there!") << out;
    seen.insert(out);
  }
  EXPECT_EQ(seen.size(), 3u);
  // A group starting with "{{" that is not a variable is nested spintax.
  for (int i = 0; i < 20; ++i) {
    std::string out = Render("{{a|b} x|c}", kLead, {.seed = std::to_string(i)});
    EXPECT_TRUE(out == "a x" || out == "b x" || out == "c") << out;
  }
}

TEST(MailTemplate, HtmlModeEscapesValuesOnly) {
  EXPECT_EQ(Render("<p class=\"x\">{{company}} &amp; co</p>", kLead, {.mode = RenderMode::kHtml}),
            "<p class=\"x\">Acme &amp; &lt;Sons&gt; &amp; co</p>");
  EXPECT_EQ(Render("<b>{{last_name|<i>friend</i>}}</b>", kLead, {.mode = RenderMode::kHtml}),
            "<b><i>friend</i></b>")
      << "the fallback is template markup";
  EXPECT_EQ(Render("{{company}}", {{"company", "\"O'Neil\""}}, {.mode = RenderMode::kHtml}),
            "&quot;O&#39;Neil&quot;");
  EXPECT_EQ(Render("{{company}}", kLead, {.mode = RenderMode::kText}), "Acme & <Sons>");
}

TEST(MailTemplate, BracesThatAreNotSpintaxStayLiteral) {
  EXPECT_EQ(Render("body { color: red; }", kLead), "body { color: red; }");
  EXPECT_EQ(Render("{Hi|Hello", kLead), "{Hi|Hello");
  EXPECT_EQ(Render("a } b", kLead), "a } b");
  EXPECT_EQ(Render("{{first_name", kLead), "{{first_name");
  EXPECT_EQ(Render("{{first_name}", kLead), "{{first_name}");
  EXPECT_EQ(Render("}}{{", kLead), "}}{{");
  EXPECT_EQ(Render("{{}}", kLead), "{{}}");
  EXPECT_EQ(Render("{{1abc}}", kLead), "{{1abc}}");
  EXPECT_EQ(Render("", kLead), "");
}

TEST(MailTemplate, HostileNestingDoesNotCrash) {
  std::string deep_open(20000, '{');
  EXPECT_TRUE(Render(deep_open, kLead) == deep_open);
  std::string many_opens = std::string(20000, '{') + std::string(100000, 'n');
  EXPECT_TRUE(Render(many_opens, kLead) == many_opens);
  // Past 32 levels groups are left as they are instead of recursing further.
  std::string deep = std::string(5000, '{') + "-a|b" + std::string(5000, '}');
  EXPECT_TRUE(Render(deep, kLead, {.seed = "x"}) == deep);
  std::string spun;
  for (int i = 0; i < 200; ++i) spun += "{a|";
  spun += "b" + std::string(200, '}');
  std::string out = Render(spun, kLead, {.seed = "y"});
  EXPECT_TRUE(out == "a" || out.find("{a|") != std::string::npos) << out;
}

TEST(MailTemplate, HeaderSafeRemovesLineBreaksAndControls) {
  EXPECT_EQ(HeaderSafe("Hi\r\nBcc: evil@x"), "Hi Bcc: evil@x");
  EXPECT_EQ(HeaderSafe("a\n\n\tb"), "a b");
  EXPECT_EQ(HeaderSafe("  padded \r\n"), "padded");
  EXPECT_EQ(HeaderSafe(std::string("nul\0bell\a del\x7f", 15)), "nulbell del");
  EXPECT_EQ(HeaderSafe("c1\xc2\x85next"), "c1next");
  EXPECT_EQ(HeaderSafe("line\xe2\x80\xa8sep"), "line sep");
  EXPECT_EQ(HeaderSafe("Grüße 👋"), "Grüße 👋");
  EXPECT_EQ(HeaderSafe("\r\n"), "");
}

}  // namespace
}  // namespace postwork::mail
