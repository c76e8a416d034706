#pragma once
// Cancels a lead's campaign sends that are still waiting in the queue (after a
// reply on a stop-on-reply campaign, a hard bounce, an unsubscribe). The
// sending handler re-checks the lead before every send as well, so a job that
// was already being fetched while this ran still sends nothing.
#include <optional>
#include <string>

#include "pg/connection.hpp"

namespace postwork::handlers::email {

struct PendingSendFilter {
  std::string tenant_id;
  std::string lead_id;
  std::optional<std::string> campaign_id;  // nullopt: every campaign of the tenant
  std::string reason;                      // recorded as the jobs' last_error
  // The job doing the cancelling: never cancel yourself (a running job may
  // still read `queued` in PostgreSQL, since short jobs get one write at the end).
  std::string exclude_job_id;
};

// Marks the matching queued/retry_scheduled email-sending jobs cancelled in
// PostgreSQL, then takes them out of Redis (schedule and queue list) through
// `redis_url` when it is not empty. Idempotent. Returns how many it cancelled.
int CancelPendingSends(pg::Connection& conn, const std::string& redis_url,
                       const PendingSendFilter& filter);

}  // namespace postwork::handlers::email
