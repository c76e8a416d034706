#pragma once
// campaign.completed: published once per campaign when, after one of its sends
// finished, no email-sending job of the campaign is queued, scheduled or
// running. The sending handler cannot decide that itself (its own outcome,
// and those of sends finishing at the same moment on other slots, are written
// by the engine after the handler returns), so it asks for a check a little
// later: a queue:webhook:process job {"check": "campaign.completed"} that the
// webhook handler runs. campaigns.completed_event_at records the first
// completion; the event id is derived from the campaign, so the event is
// delivered once however many checks find the campaign complete.
#include <string>

#include "handlers/webhook/event_publisher.hpp"
#include "pg/connection.hpp"
#include "postwork/handler.hpp"

namespace postwork::handlers::webhook {

// Called by a send job when it finished (any result). Cheap when the tenant
// has no endpoint for campaign.completed (cached) or sends are still queued
// (one index probe); otherwise enqueues one delayed check job.
void RequestCampaignCheck(pg::Connection& conn, const EventPublisher& events,
                          const std::string& tenant_id, const std::string& campaign_id,
                          const std::string& finished_job_id);

// The check job's work. Payload {check, campaign_id} with the job's tenant.
Outcome RunCampaignCheck(pg::Connection& conn, const EventPublisher& events,
                         const std::string& tenant_id, const std::string& campaign_id);

}  // namespace postwork::handlers::webhook
