#pragma once
// Reading the warmup tables: an account's configuration, the tenant's pool
// and the IMAP settings of a mailbox. Every query has the tenant in it.
#include <optional>
#include <string>
#include <vector>

#include "handlers/warmup/ramp.hpp"
#include "pg/connection.hpp"

namespace postwork::handlers::warmup {

struct WarmupConfig {
  std::string tenant_id;
  std::string account_id;
  bool enabled = true;
  RampSettings ramp{};
  int reply_rate_pct = 30;
  std::vector<int> window_days{};  // ISO weekdays
  int window_start_hour = 8;
  int window_end_hour = 18;
  std::string time_zone = "UTC";
  int inbound_checks_per_day = 4;
  std::optional<std::string> paused_at{};
  std::string paused_reason{};
};

std::optional<WarmupConfig> LoadWarmupConfig(pg::Connection& conn, const std::string& tenant_id,
                                             const std::string& account_id);

// Enabled, unpaused configs whose account is not disabled; every tenant's when
// `tenant_id` is empty (the planner runs for all of them).
std::vector<WarmupConfig> ListActiveConfigs(pg::Connection& conn, const std::string& tenant_id);

struct PoolMember {
  std::string account_id;
  std::string email;
  std::string display_name;
};
// The tenant's warmup pool: accounts with an enabled, unpaused config that
// are not disabled, ordered by id.
std::vector<PoolMember> LoadPool(pg::Connection& conn, const std::string& tenant_id);

struct ImapAccount {
  std::string host;
  int port = 993;
  std::string security = "tls";
  std::string username;
  std::string password_enc;  // AES-256-GCM ciphertext, "" = none
};
// nullopt when the account has no IMAP host.
std::optional<ImapAccount> LoadImapAccount(pg::Connection& conn, const std::string& tenant_id,
                                           const std::string& account_id);

}  // namespace postwork::handlers::warmup
