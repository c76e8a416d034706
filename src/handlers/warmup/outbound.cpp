// outbound: one warmup email from the account to another member of the
// tenant's pool (never itself), chosen by the job id.
#include "handlers/warmup/message_generator.hpp"
#include "handlers/warmup/seeded_random.hpp"
#include "handlers/warmup/warmup_actions.hpp"
#include "handlers/warmup/warmup_send.hpp"

namespace postwork::handlers::warmup {

Outcome RunOutbound(const WarmupHandlerDeps& deps, JobContext& ctx, pg::Connection& conn,
                    const WarmupJob& job) {
  std::vector<PoolMember> peers = LoadPool(conn, job.tenant_id);
  std::erase_if(peers, [&](const PoolMember& p) {
    return p.account_id == job.account.id || p.email == job.account.email;
  });
  if (peers.empty()) {
    return Outcome::Completed({{"success", true},
                               {"type", "outbound"},
                               {"skipped", true},
                               {"reason", "no other account in the tenant's warmup pool"}});
  }
  SeededRandom rng("peer:" + ctx.job_id);
  const PoolMember& peer = rng.Pick(peers);
  GeneratedText text = GenerateWarmupEmail(ctx.job_id, job.account.display_name, peer.display_name);
  auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(deps.clock->NowMs()));
  WarmupMail mail{
      .tenant_id = job.tenant_id,
      .from = &job.account,
      .kind = "outbound",
      .claim_key = "job:" + ctx.job_id,
      .peer_account_id = peer.account_id,
      .message = {.from = {.address = job.account.email, .name = job.account.display_name},
                  .to = {.address = peer.email, .name = peer.display_name},
                  .subject = text.subject,
                  .text_body = text.body,
                  .extra_headers = {{kWarmupHeader, WarmupTag(job.tenant_id, job.account.id)}},
                  .date = now},
      .on_sent = {.tenant_id = job.tenant_id,
                  .account_id = job.account.id,
                  .type = "sent",
                  .peer_account_id = peer.account_id,
                  .job_id = ctx.job_id,
                  .details = {{"to", peer.email},
                              {"subject", text.subject},
                              {"sequence_step", job.sequence_step}}}};
  WarmupSendResult r = SendWarmupMail(deps, ctx, conn, mail);
  if (r.stop) return *r.stop;
  nlohmann::json result = {{"success", true},
                           {"type", "outbound"},
                           {"messageId", r.message_id},
                           {"to", peer.email},
                           {"peerAccountId", peer.account_id}};
  if (r.duplicate) {
    result["duplicate"] = true;
    result["status"] = r.status;
  } else {
    result["response"] = r.response;
  }
  return Outcome::Completed(std::move(result));
}

}  // namespace postwork::handlers::warmup
