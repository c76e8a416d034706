#pragma once
// email_deliveries as the idempotency record of sending. One row per
// (campaign, lead, step); an SMTP transaction happens only after this worker
// committed the row as 'sending' under its job id, so concurrent or repeated
// jobs for the same step never both reach the server. See docs/email.md.
#include <cstdint>
#include <optional>
#include <string>

#include "handlers/email_common/campaign_metrics.hpp"
#include "handlers/email_sending/send_context.hpp"
#include "handlers/email_sending/send_gate.hpp"
#include "pg/connection.hpp"

namespace postwork::handlers::email {

struct DeliveryRow {
  std::string id, status, job_id, message_id, last_error, provider_response;
};

std::optional<DeliveryRow> FindDelivery(pg::Connection& conn, const SendRequest& request);

// A send decided against (status 'suppressed' or 'skipped'). Counts `metric`
// only when this call recorded it; a 'deferred' row is turned into the skip.
void RecordSkip(pg::Connection& conn, const SendContext& ctx, const std::string& status,
                const std::string& reason, Metric metric);

struct ClaimResult {
  enum class Kind {
    kClaimed,     // the row is ours ('sending'); go ahead with SMTP
    kTaken,       // another job holds or finished it: row describes it
    kReschedule,  // limits or window: run again at gate.run_at_ms
  };
  Kind kind = Kind::kClaimed;
  DeliveryRow row{};
  GateResult gate{};
};

// In one transaction, with the account row locked: account status, daily limit
// and gap, sending window, then the claim itself. Throws PermanentError for a
// disabled account or a window that never opens.
ClaimResult ClaimDelivery(pg::Connection& conn, const SendContext& ctx,
                          const std::string& message_id, const std::string& job_id, int64_t now_ms);

// The transitions after SMTP; each applies only while the row is still this
// job's, and counts its metric only when it changed the row.
void MarkSent(pg::Connection& conn, const SendContext& ctx, const std::string& delivery_id,
              const std::string& job_id, const std::string& provider_response);
void MarkDeferred(pg::Connection& conn, const std::string& delivery_id, const std::string& job_id,
                  const std::string& error);
void MarkFailed(pg::Connection& conn, const SendContext& ctx, const std::string& delivery_id,
                const std::string& job_id, const std::string& error,
                const std::string& provider_response);
// Returns true when this call moved the row from 'sending' to 'unknown'.
bool MarkUnknown(pg::Connection& conn, const std::string& tenant_id, const std::string& campaign_id,
                 const std::string& delivery_id, const std::string& job_id);

}  // namespace postwork::handlers::email
