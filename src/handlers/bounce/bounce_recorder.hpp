#pragma once
// Applies one bounce to the database in one transaction: the delivery becomes
// 'bounced', campaign_metrics move, and a hard bounce (or the Nth soft bounce
// of an address within the window) suppresses the address and marks the lead
// 'bounced'. Used by queue:bounce:process and by the sender when the server
// rejects a recipient with 5.1.x during the SMTP transaction.
#include <string>

#include "handlers/email_common/email_settings.hpp"
#include "pg/connection.hpp"

namespace postwork::handlers::email {

enum class BounceType { kHard, kSoft };

struct BounceInput {
  std::string tenant_id;
  std::string message_id;  // of our delivery, without <>
  BounceType type = BounceType::kHard;
  std::string reason;
  std::string recipient_email;  // as reported; the delivery's address is authoritative
};

struct BounceResult {
  std::string delivery_id;
  std::string campaign_id;
  std::string lead_id;
  BounceType applied = BounceType::kHard;  // kHard also when soft bounces escalated
  bool escalated = false;                  // soft counted as hard (threshold reached)
  bool changed = false;                    // false: this bounce was already recorded
  std::string recorded_type;               // the bounce type the delivery now has
  std::string recipient;                   // the delivery's address (lower-case)
};

// Throws PermanentError("Delivery record not found for message: <id>") when the
// tenant has no delivery with that Message-ID (another tenant's counts as none).
BounceResult RecordBounce(pg::Connection& conn, const BounceInput& input,
                          const EmailSettings& settings);

const char* BounceTypeName(BounceType t);

}  // namespace postwork::handlers::email
