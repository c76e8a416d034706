#pragma once
// What the email handlers need from the configuration ([email] in the TOML
// file, POSTWORK_* in the environment; parsed in src/app/).
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace postwork::handlers::email {

struct EmailSettings {
  // List-Unsubscribe target: "<base>?token=<signed token>". https only. Empty:
  // messages go out without the List-Unsubscribe headers (and a warning).
  std::string unsubscribe_base_url{};
  // HMAC key for unsubscribe tokens. Empty: derived from the secret key.
  std::string unsubscribe_secret{};
  // The AES-256-GCM key for account passwords when POSTWORK_SECRET_KEY is unset.
  std::string secret_key_file = ".postwork/secret.key";
  // Keys retired by `postwork secrets rotate`, still accepted for decryption
  // (a ciphertext names its key id) and for verifying unsubscribe links sent
  // before the rotation. New values are always encrypted under the current key.
  std::vector<std::string> previous_secret_key_files{};
  // Attachment bytes go here (content-addressed) when set, else into PostgreSQL.
  std::string attachments_dir{};
  // The Nth soft bounce for one address within the window counts as hard.
  int soft_bounce_threshold = 3;
  int soft_bounce_window_days = 30;
  // SMTP client behaviour for every account.
  std::chrono::milliseconds smtp_connect_timeout{10'000};
  std::chrono::milliseconds smtp_timeout{60'000};
  bool smtp_verify_peer = true;
  std::string smtp_ca_file{};
  // Raw incoming messages larger than this are refused (permanent).
  std::size_t max_incoming_bytes = 25 * 1024 * 1024;

  // Throws ConfigError naming the setting.
  void Validate() const;
};

}  // namespace postwork::handlers::email
