#pragma once
// AES-256-GCM for credentials at rest (SMTP/IMAP passwords).
//
// Ciphertext: "v1:<keyid>:<base64(nonce[12] | ciphertext | tag[16])>", where
// keyid is the first 8 hex chars of SHA-256(key). The "v1:<keyid>" prefix is
// authenticated too (GCM associated data), so it cannot be swapped. The key id
// lets several keys coexist during a rotation (see Reencrypt). Errors name the
// key id, never the key or the plaintext.
#include <array>
#include <filesystem>
#include <string>
#include <string_view>

#include "mail/mail_error.hpp"  // SecretError

namespace postwork::mail {

class SecretKey {
 public:
  static constexpr size_t kSize = 32;

  // 64 hex characters or standard base64 of 32 bytes; surrounding whitespace
  // is ignored. Throws SecretError (without echoing the input).
  static SecretKey Parse(std::string_view text);

  SecretKey(const SecretKey&) = default;
  SecretKey& operator=(const SecretKey&) = default;
  ~SecretKey();  // wipes the key bytes

  const std::string& id() const noexcept { return id_; }
  const std::array<unsigned char, kSize>& bytes() const noexcept { return bytes_; }

 private:
  explicit SecretKey(const std::array<unsigned char, kSize>& bytes);
  std::array<unsigned char, kSize> bytes_;
  std::string id_;
};

// The key from $POSTWORK_SECRET_KEY when set and non-empty, else from the file
// at `path`. Throws SecretError when neither gives a valid key.
SecretKey LoadKeyFromEnvOrFile(const std::filesystem::path& path);

// Writes a new random key (64 hex characters) to `path` with mode 0600 when no
// file is there; returns false (and changes nothing) when one already is.
// Throws SecretError when the file cannot be created.
bool CreateKeyFileIfMissing(const std::filesystem::path& path);

std::string Encrypt(const SecretKey& key, std::string_view plaintext);
// Throws SecretError on a malformed value, a key id mismatch, or a failed
// authentication check (tampering or the wrong key).
std::string Decrypt(const SecretKey& key, std::string_view ciphertext);
// The key id a ciphertext names; throws SecretError when malformed.
std::string KeyIdOf(std::string_view ciphertext);
// Decrypts with `old_key` and encrypts with `new_key`. A value already under
// `new_key` is returned unchanged, so a rotation job can be re-run safely.
std::string Reencrypt(const SecretKey& old_key, const SecretKey& new_key,
                      std::string_view ciphertext);

}  // namespace postwork::mail
