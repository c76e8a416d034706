// `postwork secrets init|status|rotate` against the real database: stored
// credentials move to a new key in one transaction, old ciphertexts stay
// readable through previous keys, and nothing changes when a value is under a
// key the process does not have.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "app/email_accounts.hpp"
#include "app/secret_rotation.hpp"
#include "handlers/email_common/secrets.hpp"
#include "mail/secret_box.hpp"
#include "support/test_env.hpp"

namespace postwork::testing {
namespace {
namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class SecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ResetState();
    ::unsetenv("POSTWORK_SECRET_KEY");
    ::unsetenv("POSTWORK_PREVIOUS_SECRET_KEY_FILES");
    char tmpl[] = "/tmp/postwork-secrets-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    old_key_ = (dir_ / "old.key").string();
    new_key_ = (dir_ / "new.key").string();
    db().Exec("TRUNCATE tenants CASCADE");
  }
  void TearDown() override {
    ::unsetenv("POSTWORK_SECRET_KEY_FILE");
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static pg::Connection& db() {
    static pg::Connection conn(Servers().database_url);
    return conn;
  }
  std::string AddAccount(const std::string& key_file, const std::string& email,
                         const std::string& password) {
    handlers::email::EmailSettings settings{.secret_key_file = key_file};
    return app::AddEmailAccount(db(),
                                {.tenant_id = "t1",
                                 .email = email,
                                 .smtp_host = "smtp.example.test",
                                 .smtp_username = email,
                                 .smtp_password = password},
                                settings)
        .id;
  }
  std::string Stored(const std::string& id) {
    return QueryValue("SELECT smtp_password_enc FROM email_accounts WHERE id = $1", {id});
  }
  fs::path dir_;
  std::string old_key_, new_key_;
};

TEST_F(SecretsTest, InitCreatesAPrivateKeyFileOnceAndNeverPrintsTheKey) {
  auto [code, out] = RunPostwork({"secrets", "init", "--key-file", old_key_, "--json"});
  ASSERT_EQ(code, 0) << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_TRUE(j["created"].get<bool>());
  auto perms = fs::status(old_key_).permissions();
  EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
  std::string key_text = ReadFile(old_key_);
  EXPECT_EQ(key_text.size(), 65u);  // 64 hex + newline
  EXPECT_EQ(out.find(key_text.substr(0, 64)), std::string::npos);
  auto [again, out2] = RunPostwork({"secrets", "init", "--key-file", old_key_, "--json"});
  ASSERT_EQ(again, 0);
  EXPECT_FALSE(nlohmann::json::parse(out2)["created"].get<bool>());
  EXPECT_EQ(ReadFile(old_key_), key_text);  // not overwritten
}

TEST_F(SecretsTest, RotateMovesEveryCredentialToTheNewKeyAndIsIdempotent) {
  ASSERT_TRUE(mail::CreateKeyFileIfMissing(old_key_));
  ASSERT_TRUE(mail::CreateKeyFileIfMissing(new_key_));
  std::string a = AddAccount(old_key_, "ana@acme.test", "pa55-ana");
  std::string b = AddAccount(old_key_, "ben@acme.test", "pa55-ben");
  std::string old_id = mail::KeyIdOf(Stored(a));
  ::setenv("POSTWORK_SECRET_KEY_FILE", old_key_.c_str(), 1);

  auto [dry, dry_out] = RunPostwork({"secrets", "rotate", "--new-key-file", new_key_, "--dry-run",
                                     "--json"});
  ASSERT_EQ(dry, 0) << dry_out;
  EXPECT_EQ(nlohmann::json::parse(dry_out)["reencrypted"], 2);
  EXPECT_EQ(mail::KeyIdOf(Stored(a)), old_id);  // a dry run writes nothing

  auto [code, out] = RunPostwork({"secrets", "rotate", "--new-key-file", new_key_, "--json"});
  ASSERT_EQ(code, 0) << out;
  auto report = nlohmann::json::parse(out);
  EXPECT_EQ(report["reencrypted"], 2);
  EXPECT_TRUE(report["committed"].get<bool>());
  std::string new_id = report["new_key_id"];
  EXPECT_NE(new_id, old_id);
  EXPECT_EQ(mail::KeyIdOf(Stored(a)), new_id);
  EXPECT_EQ(mail::KeyIdOf(Stored(b)), new_id);
  EXPECT_EQ(out.find("pa55"), std::string::npos);

  handlers::email::EmailSettings after{.secret_key_file = new_key_};
  EXPECT_EQ(handlers::email::DecryptStoredSecret(after, Stored(a)), "pa55-ana");
  EXPECT_EQ(handlers::email::DecryptStoredSecret(after, Stored(b)), "pa55-ben");

  auto [rerun, rerun_out] = RunPostwork({"secrets", "rotate", "--new-key-file", new_key_, "--json"});
  ASSERT_EQ(rerun, 0) << rerun_out;
  EXPECT_EQ(nlohmann::json::parse(rerun_out)["reencrypted"], 0);
  EXPECT_EQ(nlohmann::json::parse(rerun_out)["already_current"], 2);

  ::setenv("POSTWORK_SECRET_KEY_FILE", new_key_.c_str(), 1);
  auto [st, st_out] = RunPostwork({"secrets", "status", "--json"});
  ASSERT_EQ(st, 0) << st_out;
  auto status = nlohmann::json::parse(st_out);
  EXPECT_EQ(status["current_key_id"], new_id);
  EXPECT_EQ(status["values_under_unknown_keys"], 0);
  ASSERT_EQ(status["usage"].size(), 1u);
  EXPECT_EQ(status["usage"][0]["values"], 2);
}

TEST_F(SecretsTest, ValuesUnderAPreviousKeyStayReadableDuringARollout) {
  ASSERT_TRUE(mail::CreateKeyFileIfMissing(old_key_));
  ASSERT_TRUE(mail::CreateKeyFileIfMissing(new_key_));
  std::string a = AddAccount(old_key_, "ana@acme.test", "pa55-ana");
  handlers::email::EmailSettings rolled{.secret_key_file = new_key_,
                                        .previous_secret_key_files = {old_key_}};
  EXPECT_EQ(handlers::email::DecryptStoredSecret(rolled, Stored(a)), "pa55-ana");
  handlers::email::EmailSettings forgot{.secret_key_file = new_key_};
  try {
    handlers::email::DecryptStoredSecret(forgot, Stored(a));
    FAIL() << "decrypted without the key";
  } catch (const mail::SecretError& e) {
    EXPECT_NE(std::string(e.what()).find("previous_secret_key_files"), std::string::npos);
  }
  // Unsubscribe links signed before the rotation still verify.
  auto before = handlers::email::UnsubscribeSigningKey({.secret_key_file = old_key_});
  auto keys = handlers::email::UnsubscribeVerificationKeys(rolled);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[1], before);
}

TEST_F(SecretsTest, AValueUnderAnUnknownKeyStopsTheRotationWithNothingChanged) {
  ASSERT_TRUE(mail::CreateKeyFileIfMissing(old_key_));
  ASSERT_TRUE(mail::CreateKeyFileIfMissing(new_key_));
  std::string stray_key = (dir_ / "stray.key").string();
  ASSERT_TRUE(mail::CreateKeyFileIfMissing(stray_key));
  std::string a = AddAccount(old_key_, "ana@acme.test", "pa55-ana");
  std::string b = AddAccount(stray_key, "ben@acme.test", "pa55-ben");
  std::string before_a = Stored(a);
  ::setenv("POSTWORK_SECRET_KEY_FILE", old_key_.c_str(), 1);
  auto [code, out] = RunPostwork({"secrets", "rotate", "--new-key-file", new_key_});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("id=" + b), std::string::npos) << out;
  EXPECT_EQ(Stored(a), before_a);  // one transaction: nothing moved
  auto [st, st_out] = RunPostwork({"secrets", "status"});
  EXPECT_EQ(st, 1) << st_out;
}

TEST_F(SecretsTest, BadArgumentsExitTwoWithAMessage) {
  auto [code, out] = RunPostwork({"secrets", "rotate", "--new-key-file", "/nonexistent/k"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("--new-key-file"), std::string::npos) << out;
  std::string bad = (dir_ / "bad.key").string();
  { std::ofstream(bad) << "not a key"; }
  auto [code2, out2] = RunPostwork({"secrets", "rotate", "--new-key-file", bad});
  EXPECT_EQ(code2, 2);
  EXPECT_EQ(out2.find("not a key"), std::string::npos) << out2;
}

}  // namespace
}  // namespace postwork::testing
