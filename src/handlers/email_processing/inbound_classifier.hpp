#pragma once
// What an inbound message means for the campaigns: a bounce report (a bounce
// job per failed recipient), an automatic reply (recorded, not a reply), or a
// human reply to one of our deliveries (matched by In-Reply-To / References).
#include <optional>
#include <string>
#include <vector>

#include "handlers/email_processing/incoming_message.hpp"
#include "pg/connection.hpp"

namespace postwork::handlers::email {

enum class InboundKind { kBounce, kAutoReply, kReply, kOther };
const char* InboundKindName(InboundKind k);

struct MatchedDelivery {
  std::string id, campaign_id, lead_id;
  bool stop_on_reply = true;
};

// One failed recipient of a DSN, as the bounce queue's payload.
struct BounceNotice {
  std::string message_id;  // of our original message ("" when it could not be found)
  std::string recipient_email;
  std::string bounce_type;  // "hard" / "soft"
  std::string status_code;  // RFC 3463, may be empty
  std::string reason;       // Diagnostic-Code text, else the status
};

struct Classification {
  InboundKind kind = InboundKind::kOther;
  std::optional<MatchedDelivery> delivery;  // for replies and auto-replies
  std::vector<BounceNotice> bounces;        // for bounces
};

// Reads only; scoped to `tenant_id`.
Classification ClassifyInbound(pg::Connection& conn, const std::string& tenant_id,
                               const IncomingEmail& email);

}  // namespace postwork::handlers::email
