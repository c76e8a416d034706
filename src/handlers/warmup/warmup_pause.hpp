#pragma once
// Pausing an account's warmup when one of its warmup emails bounces, and the
// one place that tells the outside world: PublishWarmupPaused.
//
// PublishWarmupPaused calls the WarmupPausedHook of the handler deps (a no-op
// by default). The composition root (src/app/handlers.cpp) wires it to the
// webhook event publisher as the `warmup.paused` event. It runs inside the
// pause transaction and only for the call that paused the account, so a
// publisher that writes an outbox row on `conn` is atomic with the pause and
// never publishes twice.
#include <functional>
#include <optional>
#include <string>

#include "pg/connection.hpp"

namespace postwork::handlers::warmup {

struct WarmupPaused {
  std::string tenant_id;
  std::string account_id;
  std::string reason;
  std::string message_id;  // the bounced warmup email (without <>)
  std::string job_id;      // the job that paused it
};

using WarmupPausedHook = std::function<void(pg::Connection& conn, const WarmupPaused& event)>;

void PublishWarmupPaused(const WarmupPausedHook& hook, pg::Connection& conn,
                         const WarmupPaused& event);

// The warmup email with this Message-ID (without <>), from warmup_sends (the
// record of every warmup SMTP transaction, outbound and replies).
struct WarmupSendRef {
  std::string account_id;
  std::string peer_account_id;
  std::string to_email;
};
std::optional<WarmupSendRef> FindWarmupSend(pg::Connection& conn, const std::string& tenant_id,
                                            const std::string& message_id);

struct WarmupBounce {
  std::string tenant_id;
  std::string account_id;  // the sender of the bounced warmup email
  std::string message_id;
  std::string bounce_type;  // hard, soft
  std::string reason;
  std::string recipient_email;
  std::string job_id;
};

// In one transaction: records `bounced`, and, unless already paused, sets
// paused_at/paused_reason, records `paused` and publishes. Returns true when
// this call paused the account.
bool PauseWarmupForBounce(pg::Connection& conn, const WarmupBounce& bounce,
                          const WarmupPausedHook& hook);

}  // namespace postwork::handlers::warmup
