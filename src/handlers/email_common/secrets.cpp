#include "handlers/email_common/secrets.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <openssl/crypto.h>

#include <array>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>

#include "mail/codec.hpp"
#include "mail/mail_error.hpp"

namespace postwork::handlers::email {

mail::SecretKey AccountSecretKey(const EmailSettings& settings) {
  static std::mutex mu;
  static std::map<std::string, mail::SecretKey> cache;  // by "env" or file path
  const char* env = std::getenv("POSTWORK_SECRET_KEY");
  std::string source =
      env && *env ? "env:" + mail::Sha256Hex(env) : "file:" + settings.secret_key_file;
  std::lock_guard lock(mu);
  if (auto it = cache.find(source); it != cache.end()) return it->second;
  mail::SecretKey key = mail::LoadKeyFromEnvOrFile(settings.secret_key_file);
  cache.emplace(source, key);
  return key;
}

namespace {
std::string DeriveUnsubscribeKey(const mail::SecretKey& key) {
  static constexpr std::string_view kLabel = "postwork unsubscribe token v1";
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.bytes().data(), static_cast<int>(key.bytes().size()),
       reinterpret_cast<const unsigned char*>(kLabel.data()), kLabel.size(), out.data(), &len);
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}
}  // namespace

std::vector<mail::SecretKey> PreviousSecretKeys(const EmailSettings& settings) {
  static std::mutex mu;
  static std::map<std::string, mail::SecretKey> cache;  // by file path
  std::vector<mail::SecretKey> keys;
  std::lock_guard lock(mu);
  for (const auto& path : settings.previous_secret_key_files) {
    auto it = cache.find(path);
    if (it == cache.end()) {
      std::ifstream in(path, std::ios::binary);
      if (!in) throw mail::SecretError("previous secret key file " + path + " cannot be read");
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      try {
        it = cache.emplace(path, mail::SecretKey::Parse(text)).first;
      } catch (const mail::SecretError& e) {
        OPENSSL_cleanse(text.data(), text.size());
        throw mail::SecretError(path + ": " + e.what());
      }
      OPENSSL_cleanse(text.data(), text.size());
    }
    keys.push_back(it->second);
  }
  return keys;
}

std::string DecryptStoredSecret(const EmailSettings& settings, std::string_view ciphertext) {
  mail::SecretKey current = AccountSecretKey(settings);
  std::string id = mail::KeyIdOf(ciphertext);
  if (id == current.id()) return mail::Decrypt(current, ciphertext);
  for (const auto& key : PreviousSecretKeys(settings)) {
    if (key.id() == id) return mail::Decrypt(key, ciphertext);
  }
  throw mail::SecretError("a stored secret is encrypted under key " + id +
                          ", which is neither the current key (" + current.id() +
                          ") nor in email.previous_secret_key_files");
}

std::string UnsubscribeSigningKey(const EmailSettings& settings) {
  if (!settings.unsubscribe_secret.empty()) return settings.unsubscribe_secret;
  return DeriveUnsubscribeKey(AccountSecretKey(settings));
}

std::vector<std::string> UnsubscribeVerificationKeys(const EmailSettings& settings) {
  std::vector<std::string> keys = {UnsubscribeSigningKey(settings)};
  if (settings.unsubscribe_secret.empty()) {
    for (const auto& key : PreviousSecretKeys(settings)) keys.push_back(DeriveUnsubscribeKey(key));
  }
  return keys;
}

}  // namespace postwork::handlers::email
