// `postwork accounts add|list`: sending mailboxes. Passwords are read from
// stdin (--password-stdin) or typed at a prompt with echo off, never taken
// from a flag (which would show in `ps` and shell history), stored encrypted
// and never printed.
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "app/email_accounts.hpp"
#include "cli/context.hpp"
#include "postwork/error.hpp"

namespace postwork::cli {
namespace {
std::string ReadSecret(bool from_stdin, const std::string& prompt) {
  std::string line;
  if (from_stdin) {
    std::getline(std::cin, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
    return line;
  }
  if (!::isatty(STDIN_FILENO)) {
    throw ConfigError("accounts add: no terminal to ask for the password; use --password-stdin");
  }
  termios old{};
  ::tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::cerr << prompt << std::flush;
  std::getline(std::cin, line);
  ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::cerr << "\n";
  return line;
}
}  // namespace

void AddAccounts(CLI::App& app, Context& ctx, int& exit_code) {
  auto* accounts = app.add_subcommand("accounts", "Sending mailboxes: add, list");
  accounts->require_subcommand(1);

  auto a = std::make_shared<app::NewEmailAccount>();
  auto password_stdin = std::make_shared<bool>(false);
  auto no_password = std::make_shared<bool>(false);
  auto imap_host = std::make_shared<std::string>();
  auto* add =
      accounts->add_subcommand("add", "Add or update a mailbox (the password is encrypted)");
  add->add_option("--tenant", a->tenant_id, "Tenant id (created if new)")->required();
  add->add_option("--email", a->email, "The mailbox address (From)")->required();
  add->add_option("--name", a->display_name, "Display name");
  add->add_option("--smtp-host", a->smtp_host)->required();
  add->add_option("--smtp-port", a->smtp_port)->check(CLI::Range(1, 65535));
  add->add_option("--smtp-security", a->smtp_security, "none, starttls (default) or tls")
      ->check(CLI::IsMember({"none", "starttls", "tls"}));
  add->add_option("--smtp-username", a->smtp_username, "Default: no AUTH");
  add->add_flag("--password-stdin", *password_stdin, "Read the SMTP password from stdin");
  add->add_flag("--no-password", *no_password, "The server needs no password");
  add->add_option("--imap-host", *imap_host, "For warmup inbox checks");
  add->add_option("--imap-port", a->imap_port)->check(CLI::Range(1, 65535));
  add->add_option("--imap-security", a->imap_security)
      ->check(CLI::IsMember({"none", "starttls", "tls"}));
  add->add_option("--imap-username", a->imap_username, "Default: the SMTP username");
  add->add_option("--daily-limit", a->daily_limit, "Sends per day (default 50)")
      ->check(CLI::Range(0, 1000000));
  add->add_option("--min-gap", a->min_gap_seconds, "Seconds between sends")
      ->check(CLI::Range(0, 86400));
  add->add_option("--time-zone", a->time_zone,
                  "IANA zone where the daily limit resets (default UTC)");
  add->add_flag("--json", ctx.json, "Machine-readable output");
  add->callback([&ctx, &exit_code, a, password_stdin, no_password, imap_host] {
    auto cfg = ctx.Load();
    app::RequireDatabase(cfg);
    app::NewEmailAccount account = *a;
    if (!imap_host->empty()) {
      account.imap_host = *imap_host;
      if (account.imap_username.empty()) account.imap_username = account.smtp_username;
    }
    if (!*no_password && !account.smtp_username.empty()) {
      account.smtp_password =
          ReadSecret(*password_stdin, "SMTP password for " + account.email + ": ");
      if (account.smtp_password.empty())
        throw ConfigError("accounts add: empty password (use --no-password)");
      // The IMAP login of the same mailbox normally shares the password.
      if (account.imap_host) account.imap_password = account.smtp_password;
    }
    pg::Connection conn(cfg.database_url);
    auto added = app::AddEmailAccount(conn, account, cfg.email);
    if (ctx.json) {
      std::cout << nlohmann::json{{"id", added.id}, {"created", added.created}}.dump() << "\n";
    } else {
      std::cout << (added.created ? "added " : "updated ") << account.email << " (" << added.id
                << ")\n";
    }
    exit_code = 0;
  });

  auto tenant = std::make_shared<std::string>();
  auto* list = accounts->add_subcommand("list", "List mailboxes (passwords are never shown)");
  list->add_option("--tenant", *tenant, "Only this tenant");
  list->add_flag("--json", ctx.json, "Machine-readable output");
  list->callback([&ctx, &exit_code, tenant] {
    auto cfg = ctx.Load();
    app::RequireDatabase(cfg);
    pg::Connection conn(cfg.database_url);
    auto rows = app::ListEmailAccounts(conn, *tenant);
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& r : rows) {
        out.push_back({{"id", r.id},
                       {"tenant_id", r.tenant_id},
                       {"email", r.email},
                       {"display_name", r.display_name},
                       {"smtp_host", r.smtp_host},
                       {"smtp_port", r.smtp_port},
                       {"smtp_security", r.smtp_security},
                       {"smtp_username", r.smtp_username},
                       {"status", r.status},
                       {"daily_limit", r.daily_limit},
                       {"min_gap_seconds", r.min_gap_seconds},
                       {"time_zone", r.time_zone},
                       {"password", r.password_key_id.empty() ? "none" : "encrypted"},
                       {"key_id", r.password_key_id},
                       {"imap", r.has_imap}});
      }
      std::cout << out.dump(2) << "\n";
    } else {
      for (const auto& r : rows) {
        std::cout << r.id << "  " << r.tenant_id << "  " << r.email << "  " << r.smtp_host << ":"
                  << r.smtp_port << "/" << r.smtp_security
                  << "  user=" << (r.smtp_username.empty() ? "-" : r.smtp_username) << "  password="
                  << (r.password_key_id.empty() ? "none"
                                                : "encrypted(key " + r.password_key_id + ")")
                  << "  limit=" << r.daily_limit << "/day gap=" << r.min_gap_seconds << "s  "
                  << r.status << "\n";
      }
      if (rows.empty()) std::cout << "no accounts\n";
    }
    exit_code = 0;
  });
}

}  // namespace postwork::cli
