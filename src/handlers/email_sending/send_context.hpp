#pragma once
// Everything one send needs, read with the job's tenant in every WHERE clause:
// a campaign, lead, template or account of another tenant is "not found".
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "handlers/email_common/email_account.hpp"
#include "pg/connection.hpp"

namespace postwork::handlers::email {

// The seed's payload {campaign_id, recipient_id, email_template,
// personalizations} plus step (default 1) and optional email_account_id (a
// mailbox of the campaign's rotation; default the campaign's account).
struct SendRequest {
  std::string tenant_id;
  std::string campaign_id;
  std::string lead_id;
  int step = 1;
  std::optional<std::string> template_id;
  std::optional<std::string> account_id;
  nlohmann::json personalizations = nlohmann::json::object();

  // Throws PermanentError on a malformed payload.
  static SendRequest FromPayload(std::string tenant_id, const nlohmann::json& payload);
};

struct CampaignRow {
  std::string id, status, time_zone;
  std::optional<std::string> account_id, template_id;
  std::vector<int> send_days;
  int start_hour = 9, end_hour = 17;
  bool stop_on_reply = true;
  nlohmann::json steps = nlohmann::json::array();
};

struct LeadRow {
  std::string id, email, first_name, last_name, company, status;
  nlohmann::json custom_fields = nlohmann::json::object();
  bool suppressed = false;  // on the tenant's suppression list
};

struct TemplateRow {
  std::string id, subject, html, text;
};

struct SendContext {
  SendRequest request;
  CampaignRow campaign;
  LeadRow lead;
  TemplateRow tmpl;
  AccountRow account;
};

// Throws PermanentError naming what is missing.
SendContext LoadSendContext(pg::Connection& conn, SendRequest request);

}  // namespace postwork::handlers::email
