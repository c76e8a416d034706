#pragma once
// Domain rows for the email handler tests: a tenant with an account, a
// template, a campaign whose window is always open, and leads. Every test
// starts from empty email tables.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "app/config.hpp"
#include "app/email_accounts.hpp"
#include "app/handlers.hpp"
#include "pg/connection.hpp"
#include "postwork/client.hpp"
#include "test_env.hpp"

namespace postwork::testing {

// A fixed test key (hex of 32 bytes); set before anything encrypts.
inline constexpr const char* kTestSecretKey =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

class EmailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("POSTWORK_SECRET_KEY", kTestSecretKey, 1);
    ResetState();
    db().Exec("TRUNCATE tenants CASCADE");
    config_.database_url = Servers().database_url;
    config_.redis_url = Servers().redis_url;
    config_.email.unsubscribe_base_url = "https://unsub.example.test/u";
    config_.email.unsubscribe_secret = "test-unsubscribe-secret";
    config_.email.smtp_connect_timeout = std::chrono::milliseconds(5000);
    config_.email.smtp_timeout = std::chrono::milliseconds(20000);
  }

  pg::Connection& db() {
    static pg::Connection conn(Servers().database_url);
    return conn;
  }
  Client& client() {
    static Client c(
        ClientOptions{.redis_url = Servers().redis_url, .database_url = Servers().database_url});
    return c;
  }
  core::HandlerRegistry Handlers() {
    return app::BuildHandlers({.database_url = Servers().database_url,
                               .redis_url = Servers().redis_url,
                               .config = &config_});
  }

  void Tenant(const std::string& id) {
    db().Exec("INSERT INTO tenants (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING", {id});
  }
  // An account on the local sink (no TLS, no AUTH unless a password is given).
  std::string Account(const std::string& tenant, const std::string& email, uint16_t port,
                      int daily_limit = 1000, int min_gap = 0, const std::string& security = "none",
                      const std::string& username = "", const std::string& password = "") {
    auto added = app::AddEmailAccount(db(),
                                      {.tenant_id = tenant,
                                       .email = email,
                                       .display_name = "Ana Sender",
                                       .smtp_host = "127.0.0.1",
                                       .smtp_port = port,
                                       .smtp_security = security,
                                       .smtp_username = username,
                                       .smtp_password = password,
                                       .daily_limit = daily_limit,
                                       .min_gap_seconds = min_gap},
                                      config_.email);
    return added.id;
  }
  std::string Template(const std::string& tenant, const std::string& subject,
                       const std::string& text, const std::string& html) {
    return db()
        .Exec(
            "INSERT INTO email_templates (tenant_id, subject, text, html) VALUES "
            "($1, $2, $3, $4) RETURNING id",
            {tenant, subject, text, html})
        .Get(0, 0);
  }
  std::string Campaign(const std::string& tenant, const std::string& account,
                       const std::string& tmpl, bool stop_on_reply = true) {
    return db()
        .Exec(
            "INSERT INTO campaigns (tenant_id, name, email_account_id, template_id, "
            "send_days, send_start_hour, send_end_hour, stop_on_reply) VALUES "
            "($1, 'Test campaign', $2, $3, '{1,2,3,4,5,6,7}', 0, 24, $4) RETURNING id",
            {tenant, account, tmpl, stop_on_reply ? "true" : "false"})
        .Get(0, 0);
  }
  std::string Lead(const std::string& tenant, const std::string& email,
                   const std::string& first_name = "Bob", const std::string& company = "Acme",
                   const std::string& custom = "{}") {
    return db()
        .Exec(
            "INSERT INTO leads (tenant_id, email, first_name, last_name, company, "
            "custom_fields) VALUES ($1, $2, $3, 'Stone', $4, $5::jsonb) RETURNING id",
            {tenant, email, first_name, company, custom})
        .Get(0, 0);
  }

  std::string JobStatus(const std::string& id) {
    return QueryValue("SELECT status FROM jobs WHERE id = $1", {id});
  }
  bool WaitStatus(const std::string& id, const std::string& status,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    return WaitFor([&] { return JobStatus(id) == status; }, timeout);
  }
  nlohmann::json JobResult(const std::string& id) {
    return nlohmann::json::parse(
        QueryValue("SELECT coalesce(result::text, 'null') FROM jobs WHERE id = $1", {id}));
  }
  int64_t Metric(const std::string& campaign, const std::string& column) {
    return QueryInt("SELECT " + column + " FROM campaign_metrics WHERE campaign_id = $1",
                    {campaign});
  }

  app::Config config_;
};

}  // namespace postwork::testing
