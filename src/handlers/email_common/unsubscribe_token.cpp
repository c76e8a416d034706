#include "handlers/email_common/unsubscribe_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

#include "mail/codec.hpp"

namespace postwork::handlers::email {
namespace {
std::string Base64Url(std::string_view bytes) {
  std::string s = mail::Base64Encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

std::optional<std::string> FromBase64Url(std::string_view text) {
  std::string s(text);
  for (char& c : s) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (c == '+' || c == '/' || c == '=')
      return std::nullopt;
  }
  while (s.size() % 4 != 0) s.push_back('=');
  return mail::Base64Decode(s);
}

std::string Hmac(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}
}  // namespace

std::string SignUnsubscribeToken(std::string_view key, const UnsubscribeSubject& s) {
  std::string body = s.tenant_id + "\n" + s.lead_id + "\n" + s.campaign_id;
  return Base64Url(body) + "." + Base64Url(Hmac(key, body));
}

std::optional<UnsubscribeSubject> VerifyUnsubscribeToken(std::string_view key,
                                                         std::string_view token) {
  size_t dot = token.find('.');
  if (dot == std::string_view::npos || token.size() > 2048) return std::nullopt;
  auto body = FromBase64Url(token.substr(0, dot));
  auto mac = FromBase64Url(token.substr(dot + 1));
  if (!body || !mac) return std::nullopt;
  std::string want = Hmac(key, *body);
  if (mac->size() != want.size() || CRYPTO_memcmp(mac->data(), want.data(), want.size()) != 0) {
    return std::nullopt;
  }
  size_t a = body->find('\n');
  size_t b = a == std::string::npos ? a : body->find('\n', a + 1);
  if (b == std::string::npos) return std::nullopt;
  return UnsubscribeSubject{.tenant_id = body->substr(0, a),
                            .lead_id = body->substr(a + 1, b - a - 1),
                            .campaign_id = body->substr(b + 1)};
}

std::string UnsubscribeUrl(std::string_view base_url, std::string_view token) {
  std::string url(base_url);
  url += url.find('?') == std::string::npos ? "?token=" : "&token=";
  return url + std::string(token);
}

}  // namespace postwork::handlers::email
