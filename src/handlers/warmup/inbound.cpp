// inbound: logs in to the account's mailbox over IMAP, finds the pool's
// warmup emails of the last two weeks in the inbox and the spam folder,
// records where each one landed (once), moves those in spam to the inbox and
// marks them read and flagged.
#include <map>

#include "handlers/email_common/secrets.hpp"
#include "handlers/warmup/message_generator.hpp"
#include "handlers/warmup/spam_folder.hpp"
#include "handlers/warmup/warmup_actions.hpp"
#include "handlers/warmup/warmup_events.hpp"
#include "mail/address.hpp"
#include "mail/imap_client.hpp"
#include "mail/mail_error.hpp"
#include "postwork/error.hpp"

namespace postwork::handlers::warmup {
namespace {
constexpr int kLookBackDays = 14;
const std::vector<std::string> kHeaderFields = {"Message-ID", "From",        "Subject",
                                                "References", "In-Reply-To", kWarmupHeader};

struct FoundMessage {
  uint32_t uid = 0;
  std::string message_id, subject, references, in_reply_to;
  const PoolMember* sender = nullptr;
  bool seen_and_flagged = false;
};

mail::ImapSecurity ParseImapSecurity(const std::string& text) {
  if (text == "none") return mail::ImapSecurity::kNone;
  if (text == "starttls") return mail::ImapSecurity::kStartTls;
  if (text == "tls") return mail::ImapSecurity::kTls;
  throw PermanentError("unknown IMAP security '" + text + "' (none, starttls or tls)");
}

mail::ImapClient OpenMailbox(const WarmupHandlerDeps& deps, pg::Connection& conn,
                             const WarmupJob& job) {
  auto imap = LoadImapAccount(conn, job.tenant_id, job.account.id);
  if (!imap) {
    throw PermanentError("email account " + job.account.id +
                         " has no IMAP settings; the inbound warmup check needs imap_host");
  }
  mail::ImapSettings s{.host = imap->host,
                       .port = static_cast<uint16_t>(imap->port),
                       .security = ParseImapSecurity(imap->security),
                       .username = imap->username,
                       .connect_timeout = deps.settings.smtp_connect_timeout,
                       .timeout = deps.settings.smtp_timeout,
                       .verify_peer = deps.settings.smtp_verify_peer,
                       .ca_file = deps.settings.smtp_ca_file};
  try {
    if (!imap->password_enc.empty()) {
      s.password = email::DecryptStoredSecret(deps.settings, imap->password_enc);
    }
    return mail::ImapClient(std::move(s));
  } catch (const mail::SecretError& e) {
    throw PermanentError("email account " + job.account.id +
                         ": cannot decrypt the IMAP password: " + e.what());
  }
}

std::string AddressOf(const std::string& from_header) {
  std::string a = from_header;
  if (size_t lt = a.rfind('<'); lt != std::string::npos) {
    size_t gt = a.find('>', lt);
    a = a.substr(lt + 1, gt == std::string::npos ? std::string::npos : gt - lt - 1);
  }
  for (char& c : a) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return a;
}

// "SINCE 14-Nov-2025" for the search.
std::string SinceDate(int64_t now_ms) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto day = std::chrono::floor<std::chrono::days>(
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(now_ms)));
  std::chrono::year_month_day ymd(day - std::chrono::days(kLookBackDays));
  return std::to_string(static_cast<unsigned>(ymd.day())) + "-" +
         kMonths[static_cast<unsigned>(ymd.month()) - 1] + "-" +
         std::to_string(static_cast<int>(ymd.year()));
}

// The pool's warmup emails in `folder`: the tag must be the one of the
// account in From, and that account a pool member other than this one.
std::vector<FoundMessage> Scan(mail::ImapClient& imap, const std::string& folder,
                               const std::map<std::string, PoolMember>& pool_by_email,
                               const WarmupJob& job, int64_t now_ms) {
  std::string criteria =
      "SINCE " + SinceDate(now_ms) + " HEADER " + kWarmupHeader + " " + mail::ImapQuote("");
  std::vector<FoundMessage> out;
  for (const auto& f :
       imap.FetchHeaders(folder, imap.SearchUids(folder, criteria), kHeaderFields)) {
    auto it = pool_by_email.find(AddressOf(mail::HeaderValue(f.headers, "From").value_or("")));
    if (it == pool_by_email.end() || it->second.account_id == job.account.id) continue;
    if (mail::HeaderValue(f.headers, kWarmupHeader) !=
        WarmupTag(job.tenant_id, it->second.account_id)) {
      continue;
    }
    FoundMessage m{.uid = *f.uid,
                   .subject = mail::HeaderValue(f.headers, "Subject").value_or(""),
                   .references = mail::HeaderValue(f.headers, "References").value_or(""),
                   .in_reply_to = mail::HeaderValue(f.headers, "In-Reply-To").value_or(""),
                   .sender = &it->second,
                   .seen_and_flagged = f.HasFlag("\\Seen") && f.HasFlag("\\Flagged")};
    try {
      m.message_id =
          mail::NormalizeMessageId(mail::HeaderValue(f.headers, "Message-ID").value_or(""));
    } catch (const mail::MimeError&) {
      continue;  // without a Message-ID it cannot be recorded once
    }
    out.push_back(std::move(m));
  }
  return out;
}

WarmupEvent EventFor(const WarmupJob& job, JobContext& ctx, const FoundMessage& m,
                     const std::string& type, const std::string& folder) {
  WarmupEvent e{.tenant_id = job.tenant_id,
                .account_id = job.account.id,
                .type = type,
                .message_id = m.message_id,
                .peer_account_id = m.sender->account_id,
                .folder = folder,
                .job_id = ctx.job_id};
  if (type == "received") {
    e.details = {{"subject", m.subject},
                 {"from", m.sender->email},
                 {"references", m.references},
                 {"in_reply_to", m.in_reply_to}};
  }
  return e;
}

struct Tally {
  int inbox = 0, spam = 0, rescued = 0, placements = 0;
};

// Records received + where it landed; the first placement seen wins.
void RecordArrival(pg::Connection& conn, const WarmupJob& job, JobContext& ctx,
                   const FoundMessage& m, const std::string& folder, bool in_spam, Tally& t) {
  RecordEvent(conn, EventFor(job, ctx, m, "received", folder));
  if (RecordEvent(conn, EventFor(job, ctx, m, in_spam ? "landed_spam" : "landed_inbox", folder))) {
    ++t.placements;
  }
}

Outcome Run(const WarmupHandlerDeps& deps, JobContext& ctx, pg::Connection& conn,
            const WarmupJob& job) {
  std::map<std::string, PoolMember> pool_by_email;
  for (auto& p : LoadPool(conn, job.tenant_id)) {
    std::string key = AddressOf(p.email);
    pool_by_email.emplace(std::move(key), std::move(p));
  }
  mail::ImapClient imap = OpenMailbox(deps, conn, job);
  int64_t now_ms = deps.clock->NowMs();
  std::optional<std::string> spam = FindSpamFolder(imap.ListMailboxes());
  Tally t;

  // Spam first: record, flag, move to the inbox, record the rescue. A crash
  // after the move is finished by the inbox pass below (landed_spam, no rescued).
  if (spam) {
    auto found = Scan(imap, *spam, pool_by_email, job, now_ms);
    std::vector<uint32_t> uids;
    for (const auto& m : found) {
      RecordArrival(conn, job, ctx, m, *spam, true, t);
      uids.push_back(m.uid);
    }
    imap.AddFlags(*spam, uids, {"\\Seen", "\\Flagged"});
    imap.Move(*spam, uids, "INBOX");
    for (const auto& m : found) {
      if (RecordEvent(conn, EventFor(job, ctx, m, "rescued", *spam))) ++t.rescued;
    }
    t.spam = static_cast<int>(found.size());
  }
  auto found = Scan(imap, "INBOX", pool_by_email, job, now_ms);
  std::vector<uint32_t> to_flag;
  for (const auto& m : found) {
    RecordArrival(conn, job, ctx, m, "INBOX", false, t);
    if (!m.seen_and_flagged) to_flag.push_back(m.uid);
    if (HasEvent(conn, job.tenant_id, job.account.id, "landed_spam", m.message_id) &&
        RecordEvent(conn, EventFor(job, ctx, m, "rescued", spam.value_or("")))) {
      ++t.rescued;
    }
  }
  imap.AddFlags("INBOX", to_flag, {"\\Seen", "\\Flagged"});
  t.inbox = static_cast<int>(found.size()) - t.spam;
  return Outcome::Completed({{"success", true},
                             {"type", "inbound"},
                             {"spamFolder", spam ? nlohmann::json(*spam) : nlohmann::json()},
                             {"foundInSpam", t.spam},
                             {"foundInInbox", std::max(0, t.inbox)},
                             {"rescued", t.rescued},
                             {"newPlacements", t.placements}});
}
}  // namespace

Outcome RunInbound(const WarmupHandlerDeps& deps, JobContext& ctx, pg::Connection& conn,
                   const WarmupJob& job) {
  try {
    return Run(deps, ctx, conn, job);
  } catch (const mail::ImapError& e) {
    if (e.retryable()) throw;  // anything but PermanentError is retried
    throw PermanentError(e.what());
  }
}

}  // namespace postwork::handlers::warmup
