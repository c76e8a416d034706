#include "mail/secret_box.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/hex.hpp"
#include "mail/codec.hpp"
#include "mail/mail_error.hpp"

namespace postwork::mail {
namespace {

constexpr std::string_view kVersion = "v1";
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
constexpr size_t kKeyIdSize = 8;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// Wipes a std::string holding secret material when it goes out of scope.
struct Wiper {
  std::string& s;
  ~Wiper() { OPENSSL_cleanse(s.data(), s.size()); }
};

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

struct Envelope {
  std::string key_id;
  std::string header;  // "v1:<keyid>", the associated data
  std::string blob;    // nonce | ciphertext | tag
};

Envelope Split(std::string_view value) {
  size_t first = value.find(':');
  size_t second = first == std::string_view::npos ? first : value.find(':', first + 1);
  if (second == std::string_view::npos || value.substr(0, first) != kVersion) {
    throw SecretError("encrypted secret is not in the v1:<keyid>:<data> format");
  }
  std::string key_id(value.substr(first + 1, second - first - 1));
  if (key_id.size() != kKeyIdSize || !HexDecode(key_id)) {
    throw SecretError("encrypted secret has a malformed key id");
  }
  auto blob = Base64Decode(value.substr(second + 1));
  if (!blob || blob->size() < kNonceSize + kTagSize) {
    throw SecretError("encrypted secret (key id " + key_id + ") has malformed data");
  }
  return {.key_id = key_id, .header = std::string(value.substr(0, second)), .blob = std::move(*blob)};
}

[[noreturn]] void CryptoFailure(const char* step) {
  throw SecretError(std::string("AES-256-GCM ") + step + " failed");
}

}  // namespace

SecretKey::SecretKey(const std::array<unsigned char, kSize>& bytes) : bytes_(bytes) {
  id_ = Sha256Hex(std::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size()))
            .substr(0, kKeyIdSize);
}

SecretKey::~SecretKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

SecretKey SecretKey::Parse(std::string_view text) {
  std::string_view t = Trim(text);
  std::optional<std::string> raw;
  if (t.size() == kSize * 2) raw = HexDecode(t);
  if (!raw) raw = Base64Decode(t);
  if (!raw || raw->size() != kSize) {
    if (raw) OPENSSL_cleanse(raw->data(), raw->size());
    throw SecretError("secret key must be 32 bytes given as 64 hex characters or base64");
  }
  Wiper wipe{*raw};
  std::array<unsigned char, kSize> bytes{};
  std::copy(raw->begin(), raw->end(), bytes.begin());
  SecretKey key(bytes);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return key;
}

SecretKey LoadKeyFromEnvOrFile(const std::filesystem::path& path) {
  if (const char* env = std::getenv("POSTWORK_SECRET_KEY"); env != nullptr && *env != '\0') {
    try {
      return SecretKey::Parse(env);
    } catch (const SecretError& e) {
      throw SecretError(std::string("POSTWORK_SECRET_KEY: ") + e.what());
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw SecretError("no secret key: POSTWORK_SECRET_KEY is unset and " + path.string() +
                      " cannot be read");
  }
  std::ostringstream content;
  content << in.rdbuf();
  std::string text = content.str();
  Wiper wipe{text};
  try {
    return SecretKey::Parse(text);
  } catch (const SecretError& e) {
    throw SecretError(path.string() + ": " + e.what());
  }
}

bool CreateKeyFileIfMissing(const std::filesystem::path& path) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return false;
    throw SecretError("cannot create the key file " + path.string());
  }
  std::array<unsigned char, SecretKey::kSize> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    ::close(fd);
    ::unlink(path.c_str());
    CryptoFailure("key generation");
  }
  std::string text =
      core::HexEncode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())) +
      "\n";
  OPENSSL_cleanse(bytes.data(), bytes.size());
  Wiper wipe{text};
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(path.c_str());
    throw SecretError("cannot write the key file " + path.string());
  }
  return true;
}

std::string Encrypt(const SecretKey& key, std::string_view plaintext) {
  std::string header = std::string(kVersion) + ":" + key.id();
  std::string blob(kNonceSize + plaintext.size() + kTagSize, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(blob.data());
  unsigned char* body = nonce + kNonceSize;
  if (RAND_bytes(nonce, kNonceSize) != 1) CryptoFailure("nonce generation");

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.bytes().data(), nonce) != 1) {
    CryptoFailure("setup");
  }
  if (EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(header.data()),
                        static_cast<int>(header.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), body, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), body + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, body + plaintext.size()) != 1) {
    CryptoFailure("encryption");
  }
  return header + ":" + Base64Encode(blob);
}

std::string KeyIdOf(std::string_view ciphertext) { return Split(ciphertext).key_id; }

std::string Decrypt(const SecretKey& key, std::string_view ciphertext) {
  Envelope env = Split(ciphertext);
  if (env.key_id != key.id()) {
    throw SecretError("secret was encrypted with key id " + env.key_id + " but the key given has id " +
                      key.id());
  }
  auto* nonce = reinterpret_cast<unsigned char*>(env.blob.data());
  unsigned char* body = nonce + kNonceSize;
  size_t body_size = env.blob.size() - kNonceSize - kTagSize;
  unsigned char* tag = body + body_size;

  std::string plaintext(body_size, '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.bytes().data(), nonce) != 1) {
    CryptoFailure("setup");
  }
  auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
  bool ok = EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                              reinterpret_cast<const unsigned char*>(env.header.data()),
                              static_cast<int>(env.header.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), out, &len, body, static_cast<int>(body_size)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), out + len, &len) == 1;
  if (!ok) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    throw SecretError("secret under key id " + env.key_id +
                      " failed authentication (tampered data or a different key with the same id)");
  }
  return plaintext;
}

std::string Reencrypt(const SecretKey& old_key, const SecretKey& new_key, std::string_view ciphertext) {
  if (KeyIdOf(ciphertext) == new_key.id()) {
    // Verify rather than trust the label: a forged value must not pass.
    std::string check = Decrypt(new_key, ciphertext);
    OPENSSL_cleanse(check.data(), check.size());
    return std::string(ciphertext);
  }
  std::string plaintext = Decrypt(old_key, ciphertext);
  Wiper wipe{plaintext};
  return Encrypt(new_key, plaintext);
}

}  // namespace postwork::mail
