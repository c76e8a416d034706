#pragma once
// Checks on bare e-mail addresses ("local@domain") before they go into a header
// or an SMTP command, where a stray CR, LF, '<' or ',' would change meaning.
#include <string>
#include <string_view>

namespace postwork::mail {

// Conservative: one '@', non-empty local part and domain, no whitespace,
// control characters, quotes or address-list punctuation. UTF-8 is allowed
// (SMTPUTF8 / IDN). Quoted local parts are rejected on purpose.
bool IsValidAddress(std::string_view address);

// The lower-cased part after the '@' ("" when there is none).
std::string DomainOf(std::string_view address);

// Validates a Message-ID given with or without angle brackets and returns it
// without them ("id@host"). Throws MimeError when it could not be a msg-id.
std::string NormalizeMessageId(std::string_view id);

}  // namespace postwork::mail
