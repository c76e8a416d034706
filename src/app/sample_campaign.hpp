#pragma once
// A campaign with generated leads, for `postwork dev`'s email demo and
// `postwork bench`'s email-send scenario: a spintax template with merge
// fields, a campaign that may send every day around the clock (UTC), N
// plausible leads, and one step-1 send per lead rotated over the tenant's
// mailboxes (inbox rotation), enqueued on queue:email-sending as the product
// does.
#include <cstdint>
#include <string>
#include <vector>

#include "app/email_accounts.hpp"
#include "pg/connection.hpp"
#include "postwork/client.hpp"

namespace postwork::app {

struct SampleCampaign {
  std::string tenant_id;
  std::string tenant_name;
  std::string campaign_name;
  std::string account_id;  // the campaign's default sending mailbox
  int leads = 1000;
};

// Template, campaign and leads in one transaction; the tenant row must exist
// (AddEmailAccount creates it). Returns the campaign id.
std::string SeedSampleCampaign(pg::Connection& conn, const SampleCampaign& campaign);

// A mailbox that sends through an SMTP server on 127.0.0.1 without TLS or
// AUTH (the private sinks of `postwork dev` and `postwork bench`).
NewEmailAccount LoopbackSmtpAccount(const std::string& tenant_id, const std::string& email,
                                    const std::string& display_name, int smtp_port,
                                    int daily_limit);

// One step-1 send per lead of the tenant (ordered by address), the mailboxes
// taken in turn. Returns the number of jobs enqueued.
int64_t EnqueueCampaignSends(pg::Connection& conn, Client& client, const std::string& tenant_id,
                             const std::string& campaign_id,
                             const std::vector<std::string>& account_ids);

}  // namespace postwork::app
