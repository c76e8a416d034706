#include "handlers/email_sending/send_context.hpp"

#include <sstream>

#include "handlers/email_common/job_fields.hpp"
#include "postwork/error.hpp"

namespace postwork::handlers::email {
namespace {
constexpr const char* kCampaign = R"SQL(
SELECT id, status, email_account_id, template_id, array_to_string(send_days, ','),
       send_start_hour, send_end_hour, time_zone, stop_on_reply, steps::text
FROM campaigns WHERE tenant_id = $1 AND id = $2)SQL";

constexpr const char* kLead = R"SQL(
SELECT l.id, l.email, l.first_name, l.last_name, l.company, l.custom_fields::text, l.status,
       EXISTS (SELECT 1 FROM suppressions s WHERE s.tenant_id = l.tenant_id AND s.email = lower(l.email))
FROM leads l WHERE l.tenant_id = $1 AND l.id = $2)SQL";

constexpr const char* kTemplate =
    "SELECT id, subject, html, text FROM email_templates WHERE tenant_id = $1 AND id = $2";

std::vector<int> ParseDays(const std::string& csv) {
  std::vector<int> days;
  std::stringstream in(csv);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) days.push_back(std::stoi(item));
  }
  return days;
}

// The template a step names in campaigns.steps, if any.
std::optional<std::string> StepTemplate(const nlohmann::json& steps, int step) {
  if (!steps.is_array()) return std::nullopt;
  for (const auto& s : steps) {
    if (!s.is_object() || s.value("step", 0) != step) continue;
    auto id = OptionalId(s, "template_id");
    if (id) return id;
  }
  return std::nullopt;
}

[[noreturn]] void NotFound(const std::string& what, const std::string& id) {
  throw PermanentError(what + " " + id + " not found for this tenant");
}
}  // namespace

SendRequest SendRequest::FromPayload(std::string tenant_id, const nlohmann::json& p) {
  SendRequest r;
  r.tenant_id = std::move(tenant_id);
  r.campaign_id = RequiredId(p, "campaign_id");
  r.lead_id = RequiredId(p, "recipient_id");
  r.template_id = OptionalId(p, "email_template");
  r.account_id = OptionalId(p, "email_account_id");
  if (auto it = p.find("step"); it != p.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 1000) {
      throw PermanentError("payload field \"step\" must be an integer from 1 to 1000");
    }
    r.step = it->get<int>();
  }
  if (auto it = p.find("personalizations"); it != p.end() && !it->is_null()) {
    if (!it->is_object())
      throw PermanentError("payload field \"personalizations\" must be an object");
    r.personalizations = *it;
  }
  return r;
}

SendContext LoadSendContext(pg::Connection& conn, SendRequest request) {
  SendContext ctx;
  const std::string& tenant = request.tenant_id;
  auto c = conn.Exec(kCampaign, {tenant, request.campaign_id});
  if (c.rows() == 0) NotFound("campaign", request.campaign_id);
  ctx.campaign = {.id = c.Get(0, 0),
                  .status = c.Get(0, 1),
                  .time_zone = c.Get(0, 7),
                  .account_id = c.GetOptional(0, 2),
                  .template_id = c.GetOptional(0, 3),
                  .send_days = ParseDays(c.Get(0, 4)),
                  .start_hour = static_cast<int>(c.GetInt(0, 5)),
                  .end_hour = static_cast<int>(c.GetInt(0, 6)),
                  .stop_on_reply = c.Get(0, 8) == "t",
                  .steps = nlohmann::json::parse(c.Get(0, 9), nullptr, false)};

  auto l = conn.Exec(kLead, {tenant, request.lead_id});
  if (l.rows() == 0) NotFound("lead", request.lead_id);
  ctx.lead = {.id = l.Get(0, 0),
              .email = l.Get(0, 1),
              .first_name = l.Get(0, 2),
              .last_name = l.Get(0, 3),
              .company = l.Get(0, 4),
              .status = l.Get(0, 6),
              .custom_fields = nlohmann::json::parse(l.Get(0, 5), nullptr, false),
              .suppressed = l.Get(0, 7) == "t"};

  std::optional<std::string> template_id = request.template_id;
  if (!template_id) template_id = StepTemplate(ctx.campaign.steps, request.step);
  if (!template_id) template_id = ctx.campaign.template_id;
  if (!template_id)
    throw PermanentError("campaign " + ctx.campaign.id + " has no template for step " +
                         std::to_string(request.step));
  auto t = conn.Exec(kTemplate, {tenant, *template_id});
  if (t.rows() == 0) NotFound("email template", *template_id);
  ctx.tmpl = {.id = t.Get(0, 0), .subject = t.Get(0, 1), .html = t.Get(0, 2), .text = t.Get(0, 3)};

  std::optional<std::string> account_id =
      request.account_id ? request.account_id : ctx.campaign.account_id;
  if (!account_id) throw PermanentError("campaign " + ctx.campaign.id + " has no sending account");
  auto account = LoadAccount(conn, tenant, *account_id);
  if (!account) NotFound("email account", *account_id);
  ctx.account = std::move(*account);
  ctx.request = std::move(request);
  return ctx;
}

}  // namespace postwork::handlers::email
