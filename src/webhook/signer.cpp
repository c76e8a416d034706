#include "webhook/signer.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace postwork::webhook {
namespace {

constexpr std::size_t kSha256Bytes = 32;
using Digest = std::array<unsigned char, kSha256Bytes>;

struct MacDeleter {
  void operator()(EVP_MAC* mac) const noexcept { EVP_MAC_free(mac); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};

// Streams the parts through the MAC so the (possibly large) body is never
// copied just to prepend the timestamp.
Digest HmacSha256(std::string_view key, std::initializer_list<std::string_view> parts) {
  std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  if (!mac) throw std::runtime_error("OpenSSL: HMAC is unavailable");
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) throw std::runtime_error("OpenSSL: cannot allocate HMAC context");

  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  // A non-null key pointer is required even for an empty key; a null key would
  // mean "reuse the previous key" to OpenSSL.
  static const unsigned char kEmpty = 0;
  const auto* key_bytes =
      key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_MAC_init(ctx.get(), key_bytes, key.size(), params) != 1) {
    throw std::runtime_error("OpenSSL: HMAC init failed");
  }
  for (std::string_view part : parts) {
    if (EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(part.data()),
                       part.size()) != 1) {
      throw std::runtime_error("OpenSSL: HMAC update failed");
    }
  }
  Digest out{};
  std::size_t written = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &written, out.size()) != 1 || written != out.size()) {
    throw std::runtime_error("OpenSSL: HMAC final failed");
  }
  return out;
}

std::string ToHex(const Digest& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(digest.size() * 2);
  for (unsigned char byte : digest) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0x0f]);
  }
  return hex;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Digest> FromHex(std::string_view hex) {
  if (hex.size() != kSha256Bytes * 2) return std::nullopt;
  Digest out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return out;
}

void RequireSecret(std::string_view secret) {
  if (secret.empty()) throw std::invalid_argument("webhook secret must not be empty");
}

Digest SignatureDigest(std::string_view secret, std::chrono::sys_seconds timestamp,
                       std::string_view body) {
  const std::string t = std::to_string(timestamp.time_since_epoch().count());
  return HmacSha256(secret, {t, ".", body});
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct ParsedHeader {
  std::optional<std::int64_t> timestamp;
  std::vector<std::string_view> signatures;
};

ParsedHeader ParseHeader(std::string_view header) {
  ParsedHeader parsed;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    const std::string_view item = Trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);

    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (key == "t") {
      std::int64_t t = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), t);
      // A second t= makes the header ambiguous; treat it as unparsable.
      const bool ok = ec == std::errc{} && end == value.data() + value.size() && !value.empty() &&
                      value.front() != '-' && !parsed.timestamp;
      if (!ok) return ParsedHeader{};
      parsed.timestamp = t;
    } else if (key == "v1") {
      parsed.signatures.push_back(value);
    }
  }
  return parsed;
}

}  // namespace

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  return ToHex(HmacSha256(key, {message}));
}

std::string ComputeSignature(std::string_view secret, std::chrono::sys_seconds timestamp,
                             std::string_view body) {
  RequireSecret(secret);
  return ToHex(SignatureDigest(secret, timestamp, body));
}

std::string SignatureHeader(std::string_view secret, std::chrono::sys_seconds timestamp,
                            std::string_view body) {
  return "t=" + std::to_string(timestamp.time_since_epoch().count()) +
         ",v1=" + ComputeSignature(secret, timestamp, body);
}

std::string_view ToString(VerifyResult result) {
  switch (result) {
    case VerifyResult::kValid: return "valid";
    case VerifyResult::kMalformed: return "malformed";
    case VerifyResult::kStale: return "stale";
    case VerifyResult::kMismatch: return "mismatch";
  }
  return "unknown";
}

VerifyResult Verify(std::string_view header, std::string_view body, std::string_view secret,
                    std::chrono::sys_seconds now, std::chrono::seconds tolerance) {
  RequireSecret(secret);
  const ParsedHeader parsed = ParseHeader(header);
  if (!parsed.timestamp || parsed.signatures.empty()) return VerifyResult::kMalformed;

  const std::chrono::sys_seconds timestamp{std::chrono::seconds{*parsed.timestamp}};
  // Distance in either direction: a far-future t= is as suspect as an old one.
  const auto age = now > timestamp ? now - timestamp : timestamp - now;
  if (age > tolerance) return VerifyResult::kStale;

  const Digest expected = SignatureDigest(secret, timestamp, body);
  bool matched = false;
  for (std::string_view candidate_hex : parsed.signatures) {
    const std::optional<Digest> candidate = FromHex(candidate_hex);
    if (!candidate) continue;
    // Every candidate is compared in full so timing reveals nothing about
    // which entry, or how much of it, matched.
    matched |= CRYPTO_memcmp(candidate->data(), expected.data(), expected.size()) == 0;
  }
  return matched ? VerifyResult::kValid : VerifyResult::kMismatch;
}

}  // namespace postwork::webhook
