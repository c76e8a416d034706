// Inputs the libFuzzer targets (fuzz/) found, kept as plain unit tests so
// `make test` guards the fixes without clang. Each names its fuzzer; the input
// is also in that fuzzer's seed corpus.
#include <gtest/gtest.h>

#include <string>

#include "app/config.hpp"
#include "app/log.hpp"
#include "postwork/error.hpp"
#include "redis/url.hpp"

namespace postwork {
namespace {

// config_fuzzer: a cron number past int made std::stoi throw out_of_range,
// which escaped as "stoi" instead of a ConfigError naming the setting.
TEST(FuzzRegression, CronNumberTooLongIsAConfigError) {
  std::string toml = "[[cron]]\nname = \"x\"\nschedule = \"*/5 0-3" + std::string(120, '8') +
                     " * * MON-FRI\"\nqueue = \"diag\"\n";
  EXPECT_THROW(app::ParseConfigText(toml), ConfigError);
  // A step that large also overflowed `v += step` before it was bounded.
  EXPECT_THROW(app::ParseConfigText(
                   "[[cron]]\nname = \"x\"\nschedule = \"59/2147483647 * * * *\"\nqueue = \"q\"\n"),
               ConfigError);
  EXPECT_NO_THROW(app::ParseConfigText(
      "[[cron]]\nname = \"x\"\nschedule = \"0/15 0-23 * * 1-5\"\nqueue = \"q\"\n"));
}

// config_fuzzer: toml++ turns a float into an integer setting with a bare
// static_cast, undefined behaviour when it does not fit (UBSan aborted here).
TEST(FuzzRegression, HugeFloatForAnIntegerSettingIsAConfigError) {
  EXPECT_THROW(app::ParseConfigText("[queues.\"emcig\"]\nmax_attempts = " + std::string(80, '8') +
                                    "9485.76\n"),
               ConfigError);
  EXPECT_THROW(app::ParseConfigText("[worker]\nconcurrency = inf\n"), ConfigError);
  EXPECT_THROW(app::ParseConfigText("[worker]\nconcurrency = nan\n"), ConfigError);
  // Unchanged: a float that is a whole number still reads as that integer.
  EXPECT_EQ(app::ParseConfigText("[worker]\nconcurrency = 4.0\n").worker.concurrency, 4);
  // A cron payload keeps big floats as floats.
  auto c = app::ParseConfigText(
      "[[cron]]\nname = \"x\"\nschedule = \"* * * * *\"\nqueue = \"q\"\n"
      "payload = { big = 1e300, n = 7 }\n");
  EXPECT_EQ(c.worker.cron.at(0).payload["big"], 1e300);
  EXPECT_EQ(c.worker.cron.at(0).payload["n"], 7);
}

// url_fuzzer: MaskUrl split at the first '@' while ParseRedisUrl splits at the
// last, so the parsed password showed in the masked URL (and in the parser's
// own error messages, which quote MaskUrl).
TEST(FuzzRegression, MaskUrlHidesThePasswordTheParserReads) {
  const std::string fuzz_input = "redis://topunter2@db/is://u:topsecret@host:nosecret@host:6379/0";
  auto url = redis::ParseRedisUrl(fuzz_input);
  EXPECT_EQ(redis::MaskUrl(fuzz_input).find(url.password), std::string::npos)
      << redis::MaskUrl(fuzz_input);
  EXPECT_EQ(redis::MaskUrl("redis://u:p@ss@host:1/0"), "redis://u:***@host:1/0");
  try {
    redis::ParseRedisUrl("redis://u:p@ss@host:bad");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find("p@ss"), std::string::npos) << e.what();
  }
}

// url_fuzzer, then by hand: MaskSecrets used std::regex, whose matcher
// recurses once per character: a long log line crashed the process with a
// stack overflow (and the search was quadratic).
TEST(FuzzRegression, MaskSecretsTakesAVeryLongLine) {
  std::string line(1 << 20, 'a');
  EXPECT_EQ(log::MaskSecrets(line), line);
  std::string url = "redis://u:" + std::string(200000, 'x') + "@h";
  EXPECT_EQ(log::MaskSecrets(url), "redis://u:***@h");
}

// url_fuzzer: a password containing '@' showed its tail in logs.
TEST(FuzzRegression, MaskSecretsHidesAPasswordContainingAt) {
  EXPECT_EQ(log::MaskSecrets("connect redis://u:p@ss@host:1/0 failed"),
            "connect redis://u:***@host:1/0 failed");
  EXPECT_EQ(log::MaskSecrets("a postgresql://bob:hunter2@db/x b PASSWORD=abc&token=xyz c"),
            "a postgresql://bob:***@db/x b PASSWORD=***&token=*** c");
  EXPECT_EQ(log::MaskSecrets("no secrets: mailto:x@y.example http://host/a:b@c"),
            "no secrets: mailto:x@y.example http://host/a:b@c");
}

}  // namespace
}  // namespace postwork
