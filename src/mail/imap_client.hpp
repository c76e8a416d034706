#pragma once
// A small IMAP client over libcurl for the warmup inbox checks: list the
// mailboxes, search, fetch headers, set flags, move messages.
//
// One curl easy handle per client keeps the connection (and the logged-in,
// selected state) between calls. Each call names its mailbox; curl SELECTs it
// when it is not the one already selected. Every command is a curl custom
// request; the server's response lines come through curl's header callback and
// are parsed by mail/imap_response.hpp. Not thread-safe.
//
// Failures throw ImapError: connection problems and timeouts are retryable,
// rejected logins and refused commands are not. The password is never put in
// a message or a log; curl's verbose output stays off.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mail/imap_response.hpp"

namespace postwork::mail {

enum class ImapSecurity {
  kNone,      // plain text (tests and local servers only)
  kStartTls,  // plain connect, then STARTTLS, required (port 143)
  kTls,       // implicit TLS (port 993)
};

struct ImapSettings {
  std::string host{};
  uint16_t port = 993;
  ImapSecurity security = ImapSecurity::kTls;
  std::string username{};
  std::string password{};
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{60'000};  // per command
  bool verify_peer = true;
  std::string ca_file{};
};

class ImapClient {
 public:
  explicit ImapClient(ImapSettings settings);
  ~ImapClient();
  ImapClient(ImapClient&&) noexcept;
  ImapClient& operator=(ImapClient&&) noexcept;
  ImapClient(const ImapClient&) = delete;
  ImapClient& operator=(const ImapClient&) = delete;

  // Upper-cased (IMAP4REV1, MOVE, UIDPLUS, SPECIAL-USE, ...).
  std::vector<std::string> Capabilities();
  bool HasCapability(std::string_view name);
  // LIST "" "*".
  std::vector<ImapMailbox> ListMailboxes();
  // UID SEARCH <criteria> in `mailbox`; `criteria` is raw IMAP search syntax
  // built by the caller (quote strings with ImapQuote).
  std::vector<uint32_t> SearchUids(const std::string& mailbox, const std::string& criteria);
  // UID FETCH of UID, FLAGS and the named header fields (BODY.PEEK: no \Seen).
  std::vector<ImapFetched> FetchHeaders(const std::string& mailbox,
                                        const std::vector<uint32_t>& uids,
                                        const std::vector<std::string>& header_fields);
  // UID STORE +FLAGS.SILENT (flags...).
  void AddFlags(const std::string& mailbox, const std::vector<uint32_t>& uids,
                const std::vector<std::string>& flags);
  // UID MOVE when the server has MOVE (RFC 6851); else UID COPY, \Deleted and
  // UID EXPUNGE (UIDPLUS) or EXPUNGE. Flags travel with the messages.
  void Move(const std::string& mailbox, const std::vector<uint32_t>& uids,
            const std::string& target);

  // TCP connections opened so far.
  long connections_opened() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace postwork::mail
