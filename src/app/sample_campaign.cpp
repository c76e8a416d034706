#include "app/sample_campaign.hpp"

#include <nlohmann/json.hpp>

namespace postwork::app {
namespace {

constexpr const char* kSubject = "{Quick question|An idea|A thought} for {{company}}";
constexpr const char* kText =
    "{Hi|Hello|Hey} {{first_name|there}},\n\n"
    "I noticed {{company}} is hiring in {{city|your area}}. We help teams like yours "
    "cut new-hire onboarding from weeks to days.\n\n"
    "Worth a 15-minute call next week?\n\n"
    "{{sender_name}}\n";
constexpr const char* kHtml =
    "<p>{Hi|Hello|Hey} {{first_name|there}},</p>"
    "<p>I noticed <b>{{company}}</b> is hiring in {{city|your area}}. We help teams like yours "
    "cut new-hire onboarding from weeks to days.</p>"
    "<p>Worth a 15-minute call next week?</p><p>{{sender_name}}</p>";

// Plausible leads from a few word lists; every tenth has no first name (the
// template's fallback shows) and some carry a custom field. The running
// number in the address keeps every address unique.
constexpr const char* kLeadsSql = R"SQL(
INSERT INTO leads (tenant_id, email, first_name, last_name, company, custom_fields)
SELECT $1, lower(coalesce(nullif(f, ''), 'team')) || '.' || lower(l) || i || '@' ||
           lower(replace(c, ' ', '-')) || '.test',
       f, l, c,
       CASE WHEN i % 3 = 0 THEN '{}'::jsonb ELSE jsonb_build_object('city', city) END
FROM generate_series(1, $2::int) AS i,
LATERAL (SELECT
  CASE WHEN i % 10 = 0 THEN '' ELSE (ARRAY['Maya','Liam','Sofia','Noah','Amara','Kenji','Lucia',
    'Omar','Hanna','Mateo','Priya','Jonas','Chloe','Tariq','Elena','Felix'])[1 + i % 16] END AS f,
  (ARRAY['Garcia','Nguyen','Okafor','Schmidt','Rossi','Tanaka','Kowalski','Dubois','Silva',
    'Haddad','Larsen','Patel','Moreau'])[1 + (i * 7) % 13] AS l,
  (ARRAY['Northwind','Bluefin Labs','Acme Logistics','Globex','Initech','Umbrella Health',
    'Stark Freight','Wayne Foods','Hooli','Vandelay Import','Pied Piper'])[1 + (i * 3) % 11] AS c,
  (ARRAY['Lisbon','Austin','Berlin','Toronto','Melbourne','Nairobi','Osaka'])[1 + i % 7] AS city
) AS words
)SQL";

// Every day, hours 0 to 24 UTC: the window never holds a send back.
constexpr const char* kInsertCampaign = R"SQL(
INSERT INTO campaigns (tenant_id, name, email_account_id, template_id, send_days,
                       send_start_hour, send_end_hour, stop_on_reply)
VALUES ($1, $2, $3, $4, '{1,2,3,4,5,6,7}', 0, 24, true) RETURNING id)SQL";

constexpr size_t kEnqueueBatch = 1000;
}  // namespace

std::string SeedSampleCampaign(pg::Connection& conn, const SampleCampaign& c) {
  return pg::InTransaction(conn, [&] {
    conn.Exec("UPDATE tenants SET name = $2 WHERE id = $1", {c.tenant_id, c.tenant_name});
    std::string tmpl = conn.Exec(
                               "INSERT INTO email_templates (tenant_id, name, subject, text, "
                               "html) VALUES ($1, 'First touch', $2, $3, $4) RETURNING id",
                               {c.tenant_id, kSubject, kText, kHtml})
                           .Get(0, 0);
    std::string id =
        conn.Exec(kInsertCampaign, {c.tenant_id, c.campaign_name, c.account_id, tmpl}).Get(0, 0);
    conn.Exec(kLeadsSql, {c.tenant_id, std::to_string(c.leads)});
    return id;
  });
}

NewEmailAccount LoopbackSmtpAccount(const std::string& tenant_id, const std::string& email,
                                    const std::string& display_name, int smtp_port,
                                    int daily_limit) {
  return {.tenant_id = tenant_id,
          .email = email,
          .display_name = display_name,
          .smtp_host = "127.0.0.1",
          .smtp_port = smtp_port,
          .smtp_security = "none",
          .daily_limit = daily_limit,
          .min_gap_seconds = 0};
}

int64_t EnqueueCampaignSends(pg::Connection& conn, Client& client, const std::string& tenant_id,
                             const std::string& campaign_id,
                             const std::vector<std::string>& account_ids) {
  auto leads = conn.Exec("SELECT id FROM leads WHERE tenant_id = $1 ORDER BY email", {tenant_id});
  std::vector<nlohmann::json> sends;
  sends.reserve(static_cast<size_t>(leads.rows()));
  for (int i = 0; i < leads.rows(); ++i) {
    sends.push_back({{"campaign_id", campaign_id},
                     {"recipient_id", leads.Get(i, 0)},
                     {"email_account_id", account_ids[static_cast<size_t>(i) % account_ids.size()]},
                     {"step", 1}});
  }
  client.EnqueueMany("email-sending", sends, {.tenant_id = tenant_id}, kEnqueueBatch);
  return static_cast<int64_t>(sends.size());
}

}  // namespace postwork::app
