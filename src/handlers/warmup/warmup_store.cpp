#include "handlers/warmup/warmup_store.hpp"

#include <nlohmann/json.hpp>

namespace postwork::handlers::warmup {
namespace {
constexpr const char* kConfigColumns = R"SQL(
SELECT c.tenant_id, c.email_account_id, c.enabled, c.start_volume, c.daily_increment,
       c.max_per_day, c.daily_variance_pct, c.ramp_start_date::text, c.reply_rate_pct,
       array_to_json(c.window_days)::text, c.window_start_hour, c.window_end_hour, c.time_zone,
       c.inbound_checks_per_day, c.paused_at::text, coalesce(c.paused_reason, '')
FROM warmup_configs c )SQL";

const std::string kConfig =
    std::string(kConfigColumns) + "WHERE c.tenant_id = $1 AND c.email_account_id = $2";

const std::string kActiveConfigs = std::string(kConfigColumns) + R"SQL(
JOIN email_accounts a ON a.tenant_id = c.tenant_id AND a.id = c.email_account_id
WHERE c.enabled AND c.paused_at IS NULL AND a.status <> 'disabled'
  AND ($1 = '' OR c.tenant_id = $1)
ORDER BY c.tenant_id, c.email_account_id)SQL";

constexpr const char* kPool = R"SQL(
SELECT a.id, a.email, a.display_name
FROM warmup_configs c JOIN email_accounts a ON a.tenant_id = c.tenant_id AND a.id = c.email_account_id
WHERE c.tenant_id = $1 AND c.enabled AND c.paused_at IS NULL AND a.status <> 'disabled'
ORDER BY a.id)SQL";

constexpr const char* kImap = R"SQL(
SELECT imap_host, coalesce(imap_port, 993), coalesce(imap_security, 'tls'),
       coalesce(nullif(imap_username, ''), smtp_username), coalesce(imap_password_enc, '')
FROM email_accounts WHERE tenant_id = $1 AND id = $2 AND imap_host IS NOT NULL)SQL";

WarmupConfig ConfigAt(const pg::Result& r, int row) {
  auto i = [&](int col) { return static_cast<int>(r.GetInt(row, col)); };
  return {.tenant_id = r.Get(row, 0),
          .account_id = r.Get(row, 1),
          .enabled = r.Get(row, 2) == "t",
          .ramp = {.start_volume = i(3),
                   .daily_increment = i(4),
                   .max_per_day = i(5),
                   .daily_variance_pct = i(6),
                   .ramp_start = ParseDate(r.Get(row, 7))},
          .reply_rate_pct = i(8),
          .window_days = nlohmann::json::parse(r.Get(row, 9)).get<std::vector<int>>(),
          .window_start_hour = i(10),
          .window_end_hour = i(11),
          .time_zone = r.Get(row, 12),
          .inbound_checks_per_day = i(13),
          .paused_at = r.GetOptional(row, 14),
          .paused_reason = r.Get(row, 15)};
}
}  // namespace

std::optional<WarmupConfig> LoadWarmupConfig(pg::Connection& conn, const std::string& tenant_id,
                                             const std::string& account_id) {
  auto r = conn.Exec(kConfig, {tenant_id, account_id});
  if (r.rows() == 0) return std::nullopt;
  return ConfigAt(r, 0);
}

std::vector<WarmupConfig> ListActiveConfigs(pg::Connection& conn, const std::string& tenant_id) {
  auto r = conn.Exec(kActiveConfigs, {tenant_id});
  std::vector<WarmupConfig> out;
  for (int row = 0; row < r.rows(); ++row) out.push_back(ConfigAt(r, row));
  return out;
}

std::vector<PoolMember> LoadPool(pg::Connection& conn, const std::string& tenant_id) {
  auto r = conn.Exec(kPool, {tenant_id});
  std::vector<PoolMember> out;
  for (int row = 0; row < r.rows(); ++row) {
    out.push_back(
        {.account_id = r.Get(row, 0), .email = r.Get(row, 1), .display_name = r.Get(row, 2)});
  }
  return out;
}

std::optional<ImapAccount> LoadImapAccount(pg::Connection& conn, const std::string& tenant_id,
                                           const std::string& account_id) {
  auto r = conn.Exec(kImap, {tenant_id, account_id});
  if (r.rows() == 0) return std::nullopt;
  return ImapAccount{.host = r.Get(0, 0),
                     .port = static_cast<int>(r.GetInt(0, 1)),
                     .security = r.Get(0, 2),
                     .username = r.Get(0, 3),
                     .password_enc = r.Get(0, 4)};
}

}  // namespace postwork::handlers::warmup
