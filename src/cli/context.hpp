#pragma once
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "app/config.hpp"

namespace postwork::cli {

// Global flags, and the configuration they resolve to once parsing is done.
struct Context {
  std::optional<std::string> config_file;
  std::optional<std::string> redis_url;
  std::optional<std::string> database_url;
  std::optional<std::string> log_level;
  std::optional<std::string> log_format;
  bool json = false;  // --json on views

  // File < environment < flags. Also sets up logging.
  app::Config Load() const;
};

// Each subcommand file adds itself; the callback runs the command and sets
// `exit_code`.
void AddDev(CLI::App& app, Context& ctx, int& exit_code);
void AddServices(CLI::App& app, Context& ctx, int& exit_code);
void AddMigrate(CLI::App& app, Context& ctx, int& exit_code);
void AddWorker(CLI::App& app, Context& ctx, int& exit_code);
void AddEnqueue(CLI::App& app, Context& ctx, int& exit_code);
void AddDlq(CLI::App& app, Context& ctx, int& exit_code);
void AddInspect(CLI::App& app, Context& ctx, int& exit_code);
void AddSupervise(CLI::App& app, Context& ctx, int& exit_code);
void AddDashboard(CLI::App& app, Context& ctx, int& exit_code);
void AddTop(CLI::App& app, Context& ctx, int& exit_code);
void AddAccounts(CLI::App& app, Context& ctx, int& exit_code);
void AddSecrets(CLI::App& app, Context& ctx, int& exit_code);
void AddBench(CLI::App& app, Context& ctx, int& exit_code);
void AddWarmup(CLI::App& app, Context& ctx, int& exit_code);
void AddUnsubscribe(CLI::App& app, Context& ctx, int& exit_code);
void AddAnalytics(CLI::App& app, Context& ctx, int& exit_code);

}  // namespace postwork::cli
