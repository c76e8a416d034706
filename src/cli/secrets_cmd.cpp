// `postwork secrets init|status|rotate`: the key that encrypts credentials at
// rest. Key bytes are never printed; a key is named by its id (the first 8
// hex characters of its SHA-256).
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "app/secret_rotation.hpp"
#include "cli/context.hpp"
#include "handlers/email_common/secrets.hpp"
#include "mail/mail_error.hpp"
#include "postwork/error.hpp"

namespace postwork::cli {

void AddSecrets(CLI::App& app, Context& ctx, int& exit_code) {
  auto* secrets = app.add_subcommand("secrets", "The key for stored credentials: init, status, rotate");
  secrets->require_subcommand(1);

  auto key_file = std::make_shared<std::string>();
  auto* init = secrets->add_subcommand(
      "init", "Create a new random key file (mode 0600) unless it exists; prints its key id");
  init->add_option("--key-file", *key_file, "Where (default: email.secret_key_file)");
  init->add_flag("--json", ctx.json, "Machine-readable output");
  init->callback([&ctx, &exit_code, key_file] {
    auto cfg = ctx.Load();
    std::string path = key_file->empty() ? cfg.email.secret_key_file : *key_file;
    bool created = mail::CreateKeyFileIfMissing(path);
    std::string id = handlers::email::AccountSecretKey(
                         handlers::email::EmailSettings{.secret_key_file = path})
                         .id();
    const char* env = std::getenv("POSTWORK_SECRET_KEY");
    if (key_file->empty() && env && *env) {
      std::cerr << "note: POSTWORK_SECRET_KEY is set, so processes use it, not " << path << "\n";
    }
    if (ctx.json) {
      std::cout << nlohmann::json{{"path", path}, {"created", created}, {"key_id", id}}.dump()
                << "\n";
    } else {
      std::cout << (created ? "created " : "exists: ") << path << " (key " << id << ")\n";
    }
    exit_code = 0;
  });

  auto* status = secrets->add_subcommand(
      "status", "The current key's id and how many stored credentials each key id holds");
  status->add_flag("--json", ctx.json, "Machine-readable output");
  status->callback([&ctx, &exit_code] {
    auto cfg = ctx.Load();
    app::RequireDatabase(cfg);
    std::string current = handlers::email::AccountSecretKey(cfg.email).id();
    std::vector<std::string> previous;
    for (const auto& k : handlers::email::PreviousSecretKeys(cfg.email)) previous.push_back(k.id());
    pg::Connection conn(cfg.database_url);
    auto usage = app::SecretKeyUsage(conn);
    int64_t unknown = 0;
    for (const auto& u : usage) {
      bool known = u.key_id == current ||
                   std::find(previous.begin(), previous.end(), u.key_id) != previous.end();
      if (!known) unknown += u.values;
    }
    if (ctx.json) {
      nlohmann::json rows = nlohmann::json::array();
      for (const auto& u : usage) {
        rows.push_back({{"table", u.table}, {"column", u.column}, {"key_id", u.key_id},
                        {"values", u.values}});
      }
      std::cout << nlohmann::json{{"current_key_id", current},
                                  {"previous_key_ids", previous},
                                  {"usage", rows},
                                  {"values_under_unknown_keys", unknown}}
                       .dump(2)
                << "\n";
    } else {
      std::cout << "current key " << current;
      for (const auto& p : previous) std::cout << ", previous " << p;
      std::cout << "\n";
      for (const auto& u : usage) {
        std::cout << "  " << u.table << "." << u.column << "  key " << u.key_id << "  "
                  << u.values << (u.key_id == current ? "" : "  (not the current key)") << "\n";
      }
      if (usage.empty()) std::cout << "  no stored credentials\n";
      if (unknown > 0) {
        std::cout << unknown << " value(s) are under a key this process does not have\n";
      }
    }
    exit_code = unknown > 0 ? 1 : 0;
  });

  auto new_key_file = std::make_shared<std::string>();
  auto dry_run = std::make_shared<bool>(false);
  auto* rotate = secrets->add_subcommand(
      "rotate",
      "Re-encrypt every stored credential under the key in --new-key-file, in one transaction");
  rotate->add_option("--new-key-file", *new_key_file,
                     "The new key (create it with `secrets init --key-file PATH`)")
      ->required();
  rotate->add_flag("--dry-run", *dry_run, "Check and count, change nothing");
  rotate->add_flag("--json", ctx.json, "Machine-readable output");
  rotate->callback([&ctx, &exit_code, new_key_file, dry_run] {
    auto cfg = ctx.Load();
    app::RequireDatabase(cfg);
    handlers::email::EmailSettings only_new{.secret_key_file = *new_key_file};
    // The new key comes from the file, never from POSTWORK_SECRET_KEY.
    mail::SecretKey new_key = [&] {
      std::ifstream in(*new_key_file, std::ios::binary);
      if (!in) throw ConfigError("--new-key-file: cannot read " + *new_key_file);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      try {
        return mail::SecretKey::Parse(text);
      } catch (const mail::SecretError& e) {
        throw ConfigError("--new-key-file: " + *new_key_file + ": " + e.what());
      }
    }();
    pg::Connection conn(cfg.database_url);
    auto report = app::RotateSecrets(conn, cfg.email, new_key, *dry_run);
    bool failed = !report.unreadable.empty();
    if (ctx.json) {
      std::cout << nlohmann::json{{"new_key_id", new_key.id()},
                                  {"reencrypted", report.reencrypted},
                                  {"already_current", report.already_current},
                                  {"unreadable", report.unreadable},
                                  {"committed", !*dry_run && !failed}}
                       .dump(2)
                << "\n";
    } else {
      for (const auto& u : report.unreadable) std::cerr << "unreadable: " << u << "\n";
      std::cout << (*dry_run ? "dry run: would re-encrypt " : failed ? "nothing changed: " : "re-encrypted ")
                << report.reencrypted << " value(s) under key " << new_key.id() << ", "
                << report.already_current << " already under it\n";
      if (failed) {
        std::cerr << report.unreadable.size()
                  << " value(s) are under a key this process does not have; add its file to "
                     "email.previous_secret_key_files (POSTWORK_PREVIOUS_SECRET_KEY_FILES) and "
                     "run again\n";
      } else if (!*dry_run) {
        std::cout << "next: point every process at the new key (POSTWORK_SECRET_KEY_FILE="
                  << *new_key_file
                  << " or email.secret_key_file) and keep the old key file in "
                     "email.previous_secret_key_files until all workers have restarted and old "
                     "unsubscribe links have aged out\n";
      }
    }
    exit_code = failed ? 1 : 0;
  });
}

}  // namespace postwork::cli
