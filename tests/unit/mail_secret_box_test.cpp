#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "mail/codec.hpp"
#include "mail/mail_error.hpp"
#include "mail/secret_box.hpp"

namespace postwork::mail {
namespace {

const std::string kHexKeyA = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const std::string kHexKeyB = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f";

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const SecretError& e) {
    EXPECT_FALSE(e.retryable());
    return e.what();
  }
  ADD_FAILURE() << "no SecretError thrown";
  return {};
}

TEST(MailCodec, Base64AndHexVectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(Base64Decode("Zg=="), "f");
  EXPECT_FALSE(Base64Decode("Zg="));
  EXPECT_FALSE(Base64Decode("Z==="));
  EXPECT_FALSE(Base64Decode("Zm9v!A=="));
  EXPECT_FALSE(Base64Decode("Zg==Zg=="));
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(HexDecode("00FF10"), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(HexDecode("0g"));
  EXPECT_FALSE(HexDecode("abc"));
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(MailSecretBox, KeyParsingAndKeyId) {
  SecretKey hex = SecretKey::Parse(kHexKeyA);
  SecretKey b64 = SecretKey::Parse("  " + Base64Encode(*HexDecode(kHexKeyA)) + "\n");
  EXPECT_EQ(hex.id(), b64.id());
  EXPECT_EQ(hex.id(), Sha256Hex(*HexDecode(kHexKeyA)).substr(0, 8));
  EXPECT_EQ(SecretKey::Parse(std::string(64, '0')).id(), "66687aad");
  EXPECT_NE(hex.id(), SecretKey::Parse(kHexKeyB).id());

  for (const std::string& bad : {std::string(), std::string(63, 'a'), std::string(64, 'z'),
                                 Base64Encode(std::string(31, 'k')), std::string("not a key")}) {
    std::string message = ErrorOf([&] { SecretKey::Parse(bad); });
    if (!bad.empty()) {
      EXPECT_EQ(message.find(bad), std::string::npos) << "input echoed";
    }
  }
}

TEST(MailSecretBox, RoundTrip) {
  SecretKey key = SecretKey::Parse(kHexKeyA);
  for (const std::string& plain : {std::string(), std::string("hunter2"), std::string("pässwörd 🔑"),
                                   std::string("bin\0ary", 7), std::string(5000, 'p')}) {
    std::string sealed = Encrypt(key, plain);
    EXPECT_TRUE(sealed.starts_with("v1:" + key.id() + ":")) << sealed;
    EXPECT_EQ(KeyIdOf(sealed), key.id());
    auto blob = Base64Decode(sealed.substr(12));
    ASSERT_TRUE(blob);
    EXPECT_EQ(blob->size(), 12 + plain.size() + 16);
    if (!plain.empty()) {
      EXPECT_EQ(sealed.find(plain), std::string::npos);
    }
    EXPECT_EQ(Decrypt(key, sealed), plain);
  }
  EXPECT_NE(Encrypt(key, "same"), Encrypt(key, "same")) << "fresh nonce every time";
}

TEST(MailSecretBox, WrongKeyNamesKeyIdsOnly) {
  SecretKey a = SecretKey::Parse(kHexKeyA);
  SecretKey b = SecretKey::Parse(kHexKeyB);
  std::string sealed = Encrypt(a, "smtp-password-123");
  std::string message = ErrorOf([&] { Decrypt(b, sealed); });
  EXPECT_NE(message.find(a.id()), std::string::npos) << message;
  EXPECT_NE(message.find(b.id()), std::string::npos) << message;
  EXPECT_EQ(message.find("smtp-password-123"), std::string::npos);
  EXPECT_EQ(message.find(kHexKeyA), std::string::npos);
  EXPECT_EQ(message.find(kHexKeyB), std::string::npos);
}

TEST(MailSecretBox, TamperingIsDetected) {
  SecretKey a = SecretKey::Parse(kHexKeyA);
  SecretKey b = SecretKey::Parse(kHexKeyB);
  std::string sealed = Encrypt(a, "smtp-password-123");
  std::string blob = *Base64Decode(sealed.substr(12));
  for (size_t i : {size_t{0}, size_t{12}, blob.size() - 1}) {  // nonce, ciphertext, tag
    std::string flipped = blob;
    flipped[i] ^= 0x01;
    std::string message = ErrorOf([&] { Decrypt(a, sealed.substr(0, 12) + Base64Encode(flipped)); });
    EXPECT_NE(message.find("failed authentication"), std::string::npos) << message;
    EXPECT_NE(message.find(a.id()), std::string::npos) << message;
  }
  // Relabelling the value with another key's id does not make it decrypt.
  std::string relabelled = "v1:" + b.id() + sealed.substr(11);
  EXPECT_NE(ErrorOf([&] { Decrypt(b, relabelled); }).find("failed authentication"), std::string::npos);
  ErrorOf([&] { Decrypt(a, "v2" + sealed.substr(2)); });
  ErrorOf([&] { Decrypt(a, sealed.substr(0, 20)); });
  ErrorOf([&] { Decrypt(a, "plaintext-password"); });
  ErrorOf([&] { Decrypt(a, "v1:" + a.id() + ":!!!!"); });
}

TEST(MailSecretBox, ReencryptRotatesKeys) {
  SecretKey old_key = SecretKey::Parse(kHexKeyA);
  SecretKey new_key = SecretKey::Parse(kHexKeyB);
  std::string sealed = Encrypt(old_key, "rotate-me");
  std::string rotated = Reencrypt(old_key, new_key, sealed);
  EXPECT_EQ(KeyIdOf(rotated), new_key.id());
  EXPECT_EQ(Decrypt(new_key, rotated), "rotate-me");
  ErrorOf([&] { Decrypt(old_key, rotated); });
  EXPECT_EQ(Reencrypt(old_key, new_key, rotated), rotated) << "re-running a rotation is a no-op";
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(MailSecretBox, LoadsKeyFromEnvOrFile) {
  std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("postwork-key-" + std::to_string(::getpid()));
  std::ofstream(file) << kHexKeyB << "\n";
  {
    ScopedEnv env("POSTWORK_SECRET_KEY", kHexKeyA.c_str());
    EXPECT_EQ(LoadKeyFromEnvOrFile(file).id(), SecretKey::Parse(kHexKeyA).id()) << "env wins";
  }
  {
    ScopedEnv env("POSTWORK_SECRET_KEY", nullptr);
    EXPECT_EQ(LoadKeyFromEnvOrFile(file).id(), SecretKey::Parse(kHexKeyB).id());
    std::string missing = ErrorOf([&] { LoadKeyFromEnvOrFile(file.string() + ".missing"); });
    EXPECT_NE(missing.find("POSTWORK_SECRET_KEY"), std::string::npos) << missing;
  }
  {
    ScopedEnv env("POSTWORK_SECRET_KEY", "definitely-not-a-key");
    std::string message = ErrorOf([&] { LoadKeyFromEnvOrFile(file); });
    EXPECT_NE(message.find("POSTWORK_SECRET_KEY"), std::string::npos);
    EXPECT_EQ(message.find("definitely-not-a-key"), std::string::npos);
  }
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace postwork::mail
