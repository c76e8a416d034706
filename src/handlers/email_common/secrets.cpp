#include "handlers/email_common/secrets.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <map>
#include <mutex>
#include <optional>

#include "mail/codec.hpp"

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

std::string UnsubscribeSigningKey(const EmailSettings& settings) {
  if (!settings.unsubscribe_secret.empty()) return settings.unsubscribe_secret;
  mail::SecretKey key = AccountSecretKey(settings);
  static constexpr std::string_view kLabel = "postwork unsubscribe token v1";
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.bytes().data(), static_cast<int>(key.bytes().size()),
       reinterpret_cast<const unsigned char*>(kLabel.data()), kLabel.size(), out.data(), &len);
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

}  // namespace postwork::handlers::email
