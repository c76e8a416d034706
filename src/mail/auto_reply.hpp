#pragma once
// Recognizes automatic replies (out-of-office, vacation, autoresponders) so a
// campaign does not treat them as a human reply.
#include <string_view>
#include <vector>

#include "mail/mime_builder.hpp"

namespace postwork::mail {

// True when the headers say the message was sent automatically (RFC 3834
// Auto-Submitted other than "no", X-Autoreply, X-Autorespond,
// Precedence: auto_reply) or the subject carries a common out-of-office
// marker ("Automatic reply:", "Out of Office", "Abwesenheitsnotiz", ...).
bool LooksLikeAutoReply(const std::vector<Header>& headers, std::string_view subject);

}  // namespace postwork::mail
