#pragma once
// The three warmup actions of the seed's processWarmupJob, each for one
// account whose warmup is enabled and not paused (checked by the handler).
//   outbound:   one generated email to another pool member (warmup_send.hpp)
//   inbound:    an IMAP pass over the inbox and the spam folder (rescue, flags)
//   engagement: in-thread replies to a share of the received warmup emails
#include <string>

#include "handlers/email_common/email_account.hpp"
#include "handlers/warmup/warmup_handler.hpp"
#include "handlers/warmup/warmup_store.hpp"
#include "pg/connection.hpp"

namespace postwork::handlers::warmup {

struct WarmupJob {
  std::string tenant_id;
  WarmupConfig config;
  email::AccountRow account;
  int sequence_step = 1;
};

Outcome RunOutbound(const WarmupHandlerDeps& deps, JobContext& ctx, pg::Connection& conn,
                    const WarmupJob& job);
Outcome RunInbound(const WarmupHandlerDeps& deps, JobContext& ctx, pg::Connection& conn,
                   const WarmupJob& job);
Outcome RunEngagement(const WarmupHandlerDeps& deps, JobContext& ctx, pg::Connection& conn,
                      const WarmupJob& job);

}  // namespace postwork::handlers::warmup
