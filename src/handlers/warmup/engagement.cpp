// engagement: replies in thread to reply_rate_pct per cent of the warmup
// emails the account received (recorded by inbound) and has not answered.
// Which ones is fixed per Message-ID, so every run makes the same choice;
// replies themselves are never answered (no endless ping-pong).
#include <sstream>

#include "handlers/warmup/message_generator.hpp"
#include "handlers/warmup/warmup_actions.hpp"
#include "handlers/warmup/warmup_send.hpp"

namespace postwork::handlers::warmup {
namespace {
constexpr int kMaxRepliesPerRun = 20;

constexpr const char* kUnanswered = R"SQL(
SELECT e.message_id, coalesce(e.peer_account_id, ''), e.details::text
FROM warmup_events e
WHERE e.tenant_id = $1 AND e.email_account_id = $2 AND e.type = 'received'
  AND e.at > now() - interval '14 days'
  AND NOT EXISTS (SELECT 1 FROM warmup_events r
                  WHERE r.email_account_id = e.email_account_id AND r.type = 'replied'
                    AND r.message_id = e.message_id)
ORDER BY e.at, e.id LIMIT 500)SQL";

std::vector<std::string> ReferenceIds(const std::string& references, const std::string& parent) {
  std::vector<std::string> ids;
  std::istringstream in(references);
  for (std::string id; in >> id;) ids.push_back(id);
  ids.push_back(parent);
  return ids;
}
}  // namespace

Outcome RunEngagement(const WarmupHandlerDeps& deps, JobContext& ctx, pg::Connection& conn,
                      const WarmupJob& job) {
  std::vector<PoolMember> pool = LoadPool(conn, job.tenant_id);
  auto rows = conn.Exec(kUnanswered, {job.tenant_id, job.account.id});
  int replied = 0, duplicates = 0, considered = 0;
  auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(deps.clock->NowMs()));
  for (int i = 0; i < rows.rows() && replied < kMaxRepliesPerRun; ++i) {
    std::string message_id = rows.Get(i, 0);
    auto details = nlohmann::json::parse(rows.Get(i, 2), nullptr, false);
    if (!details.is_object() || !details.value("in_reply_to", "").empty()) continue;
    ++considered;
    if (!ChosenForReply(message_id, job.config.reply_rate_pct)) continue;
    auto peer = std::find_if(pool.begin(), pool.end(),
                             [&](const PoolMember& p) { return p.account_id == rows.Get(i, 1); });
    if (peer == pool.end() || peer->account_id == job.account.id) continue;
    GeneratedText text =
        GenerateWarmupReply(message_id + ":" + job.account.id, details.value("subject", ""),
                            job.account.display_name, peer->display_name);
    WarmupMail mail{
        .tenant_id = job.tenant_id,
        .from = &job.account,
        .kind = "reply",
        .claim_key = "reply:" + message_id,
        .peer_account_id = peer->account_id,
        .message = {.from = {.address = job.account.email, .name = job.account.display_name},
                    .to = {.address = peer->email, .name = peer->display_name},
                    .subject = text.subject,
                    .text_body = text.body,
                    .in_reply_to = message_id,
                    .references = ReferenceIds(details.value("references", ""), message_id),
                    .extra_headers = {{kWarmupHeader, WarmupTag(job.tenant_id, job.account.id)}},
                    .date = now},
        .on_sent = {.tenant_id = job.tenant_id,
                    .account_id = job.account.id,
                    .type = "replied",
                    .message_id = message_id,
                    .peer_account_id = peer->account_id,
                    .job_id = ctx.job_id,
                    .details = {{"to", peer->email}, {"subject", text.subject}}}};
    WarmupSendResult r = SendWarmupMail(deps, ctx, conn, mail);
    if (r.stop) return *r.stop;
    r.duplicate ? ++duplicates : ++replied;
  }
  return Outcome::Completed({{"success", true},
                             {"type", "engagement"},
                             {"considered", considered},
                             {"replied", replied},
                             {"alreadyReplied", duplicates},
                             {"replyRatePct", job.config.reply_rate_pct}});
}

}  // namespace postwork::handlers::warmup
