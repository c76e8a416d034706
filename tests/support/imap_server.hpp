#pragma once
// A real IMAP server for tests: devenv::DovecotServer (dovecot on a free
// loopback port, one Maildir per user under mail_root()/<address>/, a Junk
// folder flagged \Junk) in a temporary folder, removed in the destructor.
//
//   ImapServer imap({{"bob@peer.example", "secret"}});
//   SmtpSink smtp(SmtpSink::Handler::kMaildirDelivery, SmtpSink::Tls::kNone, imap.mail_root());
//   imap.DeliverToJunk("bob@peer.example");      // the "spam filter" for that mailbox
//   ... send to 127.0.0.1:smtp.port(), read over IMAP on 127.0.0.1:imap.port() ...
//   imap.Messages("bob@peer.example", "INBOX");  // what the Maildir holds now
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "devenv/dovecot_server.hpp"

namespace postwork::test_support {

using ImapUser = devenv::DovecotUser;

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

  uint16_t port() const { return static_cast<uint16_t>(server_->port()); }
  std::filesystem::path mail_root() const { return server_->mail_root(); }

  void DeliverToJunk(const std::string& address) { server_->DeliverToJunk(address); }
  // The messages of one folder ("INBOX" or "Junk") of one mailbox.
  std::vector<MaildirMessage> Messages(const std::string& address, const std::string& folder) const;
  // Polls until the folder holds `count` messages; false on timeout.
  bool WaitForMessages(const std::string& address, const std::string& folder, size_t count,
                       std::chrono::milliseconds timeout) const;
  std::string Log() const { return server_->Log(); }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<devenv::DovecotServer> server_;
};

}  // namespace postwork::test_support
