#pragma once
// A real IMAP server for tests: Debian's dovecot (dovecot-imapd) on a free
// loopback port, plain IMAP (no TLS), serving one Maildir per user under
// mail_root()/<address>/, with a Junk folder flagged \Junk (SPECIAL-USE).
//
//   ImapServer imap({{"bob@peer.example", "secret"}});
//   SmtpSink smtp(SmtpSink::Handler::kMaildirDelivery, SmtpSink::Tls::kNone, imap.mail_root());
//   imap.DeliverToJunk("bob@peer.example");      // the "spam filter" for that mailbox
//   ... send to 127.0.0.1:smtp.port(), read over IMAP on 127.0.0.1:imap.port() ...
//   imap.Messages("bob@peer.example", "INBOX");  // what the Maildir holds now
//
// Dovecot refuses to serve mail as root, so when the tests run as root it runs
// as `nobody` and its directory belongs to that user. Stopped (SIGTERM, then
// SIGKILL) and removed in the destructor.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "devenv/process.hpp"

namespace postwork::test_support {

struct ImapUser {
  std::string address;  // also the login name
  std::string password;
};

struct MaildirMessage {
  std::string bytes;    // the file as stored
  std::string flags;    // Maildir info flags after ":2,", e.g. "FS" (Flagged, Seen)
  bool is_new = false;  // still in new/ (never seen by an IMAP client)
};

class ImapServer {
 public:
  explicit ImapServer(std::vector<ImapUser> users);
  ~ImapServer();
  ImapServer(const ImapServer&) = delete;
  ImapServer& operator=(const ImapServer&) = delete;

  uint16_t port() const { return port_; }
  std::filesystem::path mail_root() const { return dir_ / "mail"; }

  // Mail for `address` delivered from now on (by SmtpSink kMaildirDelivery)
  // lands in its Junk folder.
  void DeliverToJunk(const std::string& address);
  // The messages of one folder ("INBOX" or "Junk") of one mailbox.
  std::vector<MaildirMessage> Messages(const std::string& address, const std::string& folder) const;
  // Polls until the folder holds `count` messages; false on timeout.
  bool WaitForMessages(const std::string& address, const std::string& folder, size_t count,
                       std::chrono::milliseconds timeout) const;
  std::string Log() const;

 private:
  std::filesystem::path FolderPath(const std::string& address, const std::string& folder) const;
  void WriteConfig(const std::vector<ImapUser>& users);

  std::filesystem::path dir_;
  uint16_t port_ = 0;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  std::string user_name_, group_name_;
  devenv::ChildProcess process_;
};

}  // namespace postwork::test_support
