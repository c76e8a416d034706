#include "handlers/email_processing/inbound_classifier.hpp"

#include "mail/dsn.hpp"

namespace postwork::handlers::email {
namespace {
// The delivery the message answers: In-Reply-To first, then the newest
// referenced one.
constexpr const char* kMatchDelivery = R"SQL(
SELECT d.id, d.campaign_id, d.lead_id, c.stop_on_reply
FROM email_deliveries d
JOIN campaigns c ON c.tenant_id = d.tenant_id AND c.id = d.campaign_id
WHERE d.tenant_id = $1
  AND d.message_id IN (SELECT jsonb_array_elements_text($2::jsonb))
ORDER BY (d.message_id = $3) DESC, d.sent_at DESC NULLS LAST
LIMIT 1)SQL";

// A DSN without the original Message-ID: the newest delivery to that address.
constexpr const char* kLatestToAddress = R"SQL(
SELECT message_id FROM email_deliveries
WHERE tenant_id = $1 AND lower(recipient_email) = lower($2) AND message_id IS NOT NULL
  AND status IN ('sent', 'bounced', 'unknown')
ORDER BY sent_at DESC NULLS LAST LIMIT 1)SQL";

std::vector<BounceNotice> Bounces(pg::Connection& conn, const std::string& tenant_id,
                                  const mail::ParsedMessage& parsed) {
  mail::DsnReport report = mail::ParseDsn(parsed);
  std::vector<BounceNotice> out;
  for (const auto& r : report.recipients) {
    // Only failures are bounces; "delayed" reports are warnings.
    if (r.action != mail::DsnAction::kFailed && r.action != mail::DsnAction::kUnknown) continue;
    if (r.bounce == mail::BounceClass::kNone || r.final_recipient.empty()) continue;
    BounceNotice n{.message_id = report.original_message_id,
                   .recipient_email = r.final_recipient,
                   .bounce_type = r.bounce == mail::BounceClass::kHard ? "hard" : "soft",
                   .status_code = r.status,
                   .reason = !r.diagnostic_code.empty() ? r.diagnostic_code : r.status};
    if (n.message_id.empty()) {
      auto row = conn.Exec(kLatestToAddress, {tenant_id, n.recipient_email});
      if (row.rows() > 0) n.message_id = row.Get(0, 0);
    }
    out.push_back(std::move(n));
  }
  return out;
}
}  // namespace

const char* InboundKindName(InboundKind k) {
  switch (k) {
    case InboundKind::kBounce:
      return "bounce";
    case InboundKind::kAutoReply:
      return "auto_reply";
    case InboundKind::kReply:
      return "reply";
    case InboundKind::kOther:
      return "other";
  }
  return "other";
}

Classification ClassifyInbound(pg::Connection& conn, const std::string& tenant_id,
                               const IncomingEmail& email) {
  Classification c;
  if (email.direction != "inbound") return c;
  // RFC 3464 reports, and the plain-text bounces of Exim/cPanel that only
  // carry X-Failed-Recipients.
  bool bounce = email.parsed && (email.is_dsn || email.parsed->FindHeader("X-Failed-Recipients"));
  if (bounce) {
    c.kind = InboundKind::kBounce;
    c.bounces = Bounces(conn, tenant_id, *email.parsed);
    return c;
  }
  nlohmann::json ids = nlohmann::json::array();
  if (!email.in_reply_to.empty()) ids.push_back(email.in_reply_to);
  for (const auto& r : email.references) ids.push_back(r);
  if (!ids.empty()) {
    auto row = conn.Exec(kMatchDelivery, {tenant_id, ids.dump(), email.in_reply_to});
    if (row.rows() > 0) {
      c.delivery = MatchedDelivery{.id = row.Get(0, 0),
                                   .campaign_id = row.Get(0, 1),
                                   .lead_id = row.Get(0, 2),
                                   .stop_on_reply = row.Get(0, 3) == "t"};
    }
  }
  if (email.is_auto_reply) {
    c.kind = InboundKind::kAutoReply;
  } else if (c.delivery) {
    c.kind = InboundKind::kReply;
  }
  return c;
}

}  // namespace postwork::handlers::email
