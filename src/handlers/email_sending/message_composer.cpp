#include "handlers/email_sending/message_composer.hpp"

#include "mail/template.hpp"

namespace postwork::handlers::email {

nlohmann::json TemplateVariables(const SendContext& ctx, const std::string& unsubscribe_url) {
  const LeadRow& lead = ctx.lead;
  nlohmann::json vars = {{"email", lead.email},
                         {"first_name", lead.first_name},
                         {"last_name", lead.last_name},
                         {"company", lead.company},
                         {"sender_name", ctx.account.display_name},
                         {"sender_email", ctx.account.email}};
  if (!unsubscribe_url.empty()) vars["unsubscribe_url"] = unsubscribe_url;
  if (lead.custom_fields.is_object()) {
    for (const auto& [k, v] : lead.custom_fields.items()) {
      if (!vars.contains(k)) vars[k] = v;
    }
  }
  for (const auto& [k, v] : ctx.request.personalizations.items()) {
    if (k != "email") vars[k] = v;
  }
  return vars;
}

mail::OutgoingMessage ComposeMessage(const SendContext& ctx, const std::string& unsubscribe_url,
                                     std::chrono::system_clock::time_point now) {
  nlohmann::json vars = TemplateVariables(ctx, unsubscribe_url);
  // Seeded by the lead: the same person sees the same variant on every step
  // and every retry; different people see different ones.
  std::string seed = ctx.request.tenant_id + ":" + ctx.lead.id;
  auto render = [&](const std::string& text, mail::RenderMode mode) {
    return mail::Render(text, vars, {.mode = mode, .seed = seed});
  };
  std::string to_name = ctx.lead.first_name;
  if (!ctx.lead.last_name.empty()) to_name += (to_name.empty() ? "" : " ") + ctx.lead.last_name;
  return mail::OutgoingMessage{
      .from = {.address = ctx.account.email, .name = mail::HeaderSafe(ctx.account.display_name)},
      .to = {.address = ctx.lead.email, .name = mail::HeaderSafe(to_name)},
      .subject = mail::HeaderSafe(render(ctx.tmpl.subject, mail::RenderMode::kText)),
      .text_body = render(ctx.tmpl.text, mail::RenderMode::kText),
      .html_body = render(ctx.tmpl.html, mail::RenderMode::kHtml),
      .unsubscribe_url = unsubscribe_url,
      .date = now};
}

}  // namespace postwork::handlers::email
