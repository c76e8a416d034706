#pragma once
// One warmup SMTP transaction, at most once per claim key, through the same
// per-account SMTP client pool as campaign sends (email_common/smtp_pool.hpp).
//
// Before any byte goes to the server the row (account, claim key) of
// warmup_sends is committed as 'sending' under the job id; only a 'deferred'
// row (an earlier attempt that was definitely not accepted) can be claimed
// again. A job that finds its own row still 'sending' (it died between the
// server's 250 and the commit) marks it 'unknown' and sends nothing: a missing
// warmup email is preferred to a duplicate. The event `on_sent` (type 'sent'
// or 'replied') is recorded in the transaction that marks the row 'sent'.
#include <optional>
#include <string>

#include "handlers/email_common/email_account.hpp"
#include "handlers/warmup/warmup_events.hpp"
#include "handlers/warmup/warmup_handler.hpp"
#include "mail/mime_builder.hpp"
#include "pg/connection.hpp"

namespace postwork::handlers::warmup {

struct WarmupMail {
  std::string tenant_id;
  const email::AccountRow* from = nullptr;
  std::string kind;       // outbound, reply
  std::string claim_key;  // job:<id>, reply:<message id>
  std::string peer_account_id;
  mail::OutgoingMessage message;  // From/To/subject/body/headers; the builder adds a Message-ID
  WarmupEvent on_sent;            // message_id is filled in with the sent message's when empty
};

struct WarmupSendResult {
  bool sent = false;       // this call's SMTP transaction was accepted
  bool duplicate = false;  // the claim was taken or finished before: nothing sent
  std::string status;      // the row's status
  std::string message_id;
  std::string response;
  // Set when the job must end now (failure, retry, unknown outcome).
  std::optional<Outcome> stop{};
};

WarmupSendResult SendWarmupMail(const WarmupHandlerDeps& deps, JobContext& ctx,
                                pg::Connection& conn, const WarmupMail& mail);

}  // namespace postwork::handlers::warmup
