#pragma once
// queue:warmup:process: the seed's processWarmupJob, and the daily planner.
//   payload {email_account_id, warmup_type: outbound|inbound|engagement, sequence_step}
//           or {"plan": true, "date"?: "YYYY-MM-DD", "tenant_id"?} (the planner's cron tick)
//   result  {success, type, ...} per action; {success, skipped, reason} when paused
// See docs/warmup.md.
#include <string>

#include "core/clock.hpp"
#include "handlers/email_common/email_settings.hpp"
#include "handlers/warmup/warmup_pause.hpp"
#include "postwork/handler.hpp"

namespace postwork::handlers::warmup {

struct WarmupHandlerDeps {
  std::string database_url;
  std::string redis_url;  // the planner enqueues the day's jobs
  email::EmailSettings settings;
  const core::Clock* clock = &core::SystemClock::Instance();
  // Called when an SMTP-time hard bounce pauses an account (see warmup_pause.hpp).
  WarmupPausedHook on_paused{};
};

Handler WarmupHandler(WarmupHandlerDeps deps);

}  // namespace postwork::handlers::warmup
