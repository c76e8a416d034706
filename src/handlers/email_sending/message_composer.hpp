#pragma once
// Turns a template and a lead into the message to send: personalization with
// {{var|fallback}} and spintax (seeded by the lead id, so a lead always sees
// the same variant), HTML-escaped values in the HTML part, headers that no
// value can split, and the RFC 8058 one-click unsubscribe link.
#include <chrono>
#include <string>

#include "handlers/email_sending/send_context.hpp"
#include "mail/mime_builder.hpp"

namespace postwork::handlers::email {

// Lead fields, then its custom fields, then the job's personalizations (which
// win). The recipient address itself always comes from the lead row.
nlohmann::json TemplateVariables(const SendContext& ctx, const std::string& unsubscribe_url);

// `unsubscribe_url` may be empty (no List-Unsubscribe headers).
mail::OutgoingMessage ComposeMessage(const SendContext& ctx, const std::string& unsubscribe_url,
                                     std::chrono::system_clock::time_point now);

}  // namespace postwork::handlers::email
