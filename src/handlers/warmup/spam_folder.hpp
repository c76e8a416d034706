#pragma once
// Where a provider keeps spam: the mailbox LIST marks \Junk (RFC 6154
// SPECIAL-USE), else the first of the usual names (Junk, Spam, [Gmail]/Spam,
// Junk E-mail, Bulk Mail, ... also under INBOX), compared case-insensitively.
#include <optional>
#include <string>
#include <vector>

#include "mail/imap_response.hpp"

namespace postwork::handlers::warmup {

std::optional<std::string> FindSpamFolder(const std::vector<mail::ImapMailbox>& mailboxes);

}  // namespace postwork::handlers::warmup
