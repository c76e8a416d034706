// email-send: a campaign of N sends (one per lead) to a private SMTP sink on
// loopback, drained by one `postwork worker` child on queue:email-sending at
// the spec's concurrency. The window is the drain's (window.hpp). Afterwards
// the database must show every lead sent exactly once and every job
// completed, and the sink must have accepted exactly one message per lead;
// anything else fails the run.
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "app/email_accounts.hpp"
#include "app/sample_campaign.hpp"
#include "bench/window.hpp"
#include "devenv/servers.hpp"
#include "pg/connection.hpp"
#include "postwork/client.hpp"

namespace postwork::bench {
namespace {
constexpr const char* kQueue = "queue:email-sending";
constexpr const char* kTenant = "bench";
// Sends rotate over 50 mailboxes (one per slot: a cold-outreach tenant runs
// many mailboxes with small daily limits), each allowed every send of the run
// in a day, with no gap between sends, for a campaign whose window is always
// open: no limit or window holds a send back. The claim locks the mailbox row
// (one claim per mailbox at a time), so fewer mailboxes than slots would
// measure that lock rather than sending.
constexpr int kMailboxes = 50;

std::vector<std::string> SeedMailboxes(pg::Connection& conn, int smtp_port, int64_t daily_limit) {
  std::vector<std::string> ids;
  for (int i = 1; i <= kMailboxes; ++i) {
    auto account = app::LoopbackSmtpAccount(
        kTenant, "sender" + std::to_string(i) + "@bench-outreach.test",
        "Sender " + std::to_string(i), smtp_port, static_cast<int>(daily_limit));
    ids.push_back(app::AddEmailAccount(conn, account, {}).id);
  }
  return ids;
}

// Tenant, mailboxes, campaign and `total` leads; one send per lead enqueued.
void Seed(const BenchEnv& env, int smtp_port, int64_t total) {
  pg::Connection conn(env.database_url);
  conn.Exec("/* pw-bench-probe */ TRUNCATE tenants RESTART IDENTITY CASCADE");
  auto accounts = SeedMailboxes(conn, smtp_port, total);
  std::string campaign = app::SeedSampleCampaign(conn, {.tenant_id = kTenant,
                                                        .tenant_name = "Bench outreach",
                                                        .campaign_name = "Bench: email-send",
                                                        .account_id = accounts[0],
                                                        .leads = static_cast<int>(total)});
  Client client(ClientOptions{.redis_url = env.redis_url, .database_url = env.database_url});
  int64_t sends = app::EnqueueCampaignSends(conn, client, kTenant, campaign, accounts);
  if (sends != total) {
    throw std::runtime_error("seeded " + std::to_string(sends) + " sends, expected " +
                             std::to_string(total));
  }
}

// Every lead has one delivery, 'sent'; every job of the tenant is completed
// (the worker records outcomes in PostgreSQL shortly after acknowledging them
// in Redis, so this polls until `deadline`).
void VerifyDatabase(const BenchEnv& env, int64_t total, Clock::time_point deadline) {
  pg::Connection conn(env.database_url);
  auto d = conn.Exec(
      "/* pw-bench-probe */ SELECT (SELECT count(*) FROM leads WHERE tenant_id = $1), "
      "count(*), count(DISTINCT lead_id), count(*) FILTER (WHERE status = 'sent') "
      "FROM email_deliveries WHERE tenant_id = $1",
      {kTenant});
  const std::string expected = std::to_string(total);
  if (d.Get(0, 0) != expected || d.Get(0, 1) != expected || d.Get(0, 2) != expected ||
      d.Get(0, 3) != expected) {
    throw std::runtime_error("email-send: expected " + expected + " leads each sent once, found " +
                             d.Get(0, 0) + " leads, " + d.Get(0, 1) + " deliveries for " +
                             d.Get(0, 2) + " leads, " + d.Get(0, 3) + " sent");
  }
  while (true) {
    auto j = conn.Exec(
        "/* pw-bench-probe */ SELECT count(*) FILTER (WHERE status = 'completed'), "
        "count(*) FILTER (WHERE status IN ('failed', 'cancelled', 'retry_scheduled')), count(*) "
        "FROM jobs WHERE tenant_id = $1",
        {kTenant});
    if (j.GetInt(0, 1) > 0) {
      throw std::runtime_error("email-send: " + j.Get(0, 1) + " send jobs failed or retried");
    }
    if (j.Get(0, 0) == expected && j.Get(0, 2) == expected) return;
    if (Clock::now() > deadline) {
      throw std::runtime_error("email-send: " + j.Get(0, 0) + " of " + expected +
                               " send jobs recorded as completed");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// The sink has counted every message before the worker recorded the send.
void VerifySink(const devenv::SmtpSinkServer& sink, int64_t total) {
  const auto until = Clock::now() + std::chrono::seconds(5);
  size_t n = sink.MessageCount();
  while (n < static_cast<size_t>(total) && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    n = sink.MessageCount();
  }
  if (n != static_cast<size_t>(total)) {
    throw std::runtime_error("email-send: the SMTP sink accepted " + std::to_string(n) +
                             " messages, expected " + std::to_string(total));
  }
}
}  // namespace

RunResult RunEmailSend(const BenchEnv& env, const ScenarioSpec& spec) {
  ResetServers(env);
  const int64_t total = spec.warmup + spec.jobs;
  devenv::SmtpSinkServer sink({.maildir = env.work_dir / ("smtp-sink-" + spec.name),
                               .delivery = devenv::SmtpSinkOptions::Delivery::kCountOnly});
  sink.Start();
  Seed(env, sink.port(), total);
  Checkpoint(env);
  Drain drain(env, spec, kQueue);
  Window a = drain.Reach(spec.warmup, true);
  double sink_a = ReadProcess(sink.pid()).cpu_s;
  Window b = drain.Reach(total, false);
  double sink_b = ReadProcess(sink.pid()).cpu_s;
  VerifyDatabase(env, total, std::min(drain.deadline, Clock::now() + std::chrono::seconds(30)));
  VerifySink(sink, total);
  drain.worker.Stop();
  sink.Stop();

  RunResult out = Figures(spec, a, b);
  // Which process is the limit: CPU seconds per second of the window (1.0 is
  // one core busy all the time).
  out.detail["mailboxes"] = kMailboxes;
  out.detail["smtp_sink"] = "aiosmtpd (python3) on loopback, postwork_count.CountingSink";
  out.detail["sink_messages"] = total;
  out.detail["sink_cpu_ms_per_1k"] = (sink_b - sink_a) * 1e6 / static_cast<double>(spec.jobs);
  out.detail["sink_cores"] = (sink_b - sink_a) / out.seconds;
  out.detail["worker_cores"] = (b.worker.cpu_s - a.worker.cpu_s) / out.seconds;
  return out;
}

}  // namespace postwork::bench
