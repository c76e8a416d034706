#pragma once
// A private IMAP server: Debian's dovecot (dovecot-imapd) on a free loopback
// port, plain IMAP (no TLS), serving one Maildir per user under
// mail_root/<address>/ with a Junk folder flagged \Junk (SPECIAL-USE). Pair it
// with SmtpSinkServer's kPerRecipient delivery into the same mail root, and
// mail sent to a user can be read over IMAP. `postwork dev` runs one for the
// demo's warmup; the integration tests run one per test
// (tests/support/imap_server.hpp).
//
// Dovecot serves no mail as root: when we are root it runs as `nobody`, and
// Start() gives it its folder and the mail root.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "devenv/process.hpp"

namespace postwork::devenv {

struct DovecotUser {
  std::string address;  // also the login name
  std::string password;
};

struct DovecotServerOptions {
  std::filesystem::path dir;        // config, runtime state and logs (created)
  std::filesystem::path mail_root;  // the Maildirs ("" = dir/mail)
  std::vector<DovecotUser> users;
  int port = 0;  // 0 = a free port
};

class DovecotServer {
 public:
  explicit DovecotServer(DovecotServerOptions options);
  ~DovecotServer();
  DovecotServer(const DovecotServer&) = delete;
  DovecotServer& operator=(const DovecotServer&) = delete;

  // Throws ConfigError when dovecot is not installed, std::runtime_error when
  // it does not start (its log in the message).
  void Start();
  void Stop();

  int port() const { return options_.port; }
  const std::filesystem::path& mail_root() const { return options_.mail_root; }
  // Mail for `address` delivered from now on (by kPerRecipient delivery) lands
  // in its Junk folder, as if a spam filter had put it there. Idempotent.
  void DeliverToJunk(const std::string& address);
  std::string Log() const;

 private:
  void WriteConfig() const;

  DovecotServerOptions options_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  std::string user_name_, group_name_;
  ChildProcess process_;
};

}  // namespace postwork::devenv
