#include "cli/app.hpp"

#include <iostream>

#include "app/log.hpp"
#include "cli/context.hpp"
#include "pg/connection.hpp"
#include "postwork/error.hpp"
#include "redis/connection.hpp"

namespace postwork::cli {

app::Config Context::Load() const {
  app::Config c = app::LoadConfig(config_file);
  if (redis_url) c.redis_url = *redis_url;
  if (database_url) c.database_url = *database_url;
  if (log_level) c.log_level = *log_level;
  if (log_format) c.log_format = *log_format;
  c.Validate();
  log::Setup(c.log_level, c.log_format);
  c.worker.redis_url = c.redis_url;
  c.worker.database_url = c.database_url;
  return c;
}

int Main(int argc, char** argv) {
  CLI::App app{"postwork: reliable background jobs for an email platform (Redis + PostgreSQL)",
               "postwork"};
  app.set_version_flag("--version", std::string("postwork ") + POSTWORK_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global flags also after the subcommand
  Context ctx;
  app.add_option("--config", ctx.config_file, "TOML configuration file")->check(CLI::ExistingFile);
  app.add_option("--redis-url", ctx.redis_url, "redis://[user:password@]host:port[/db]");
  app.add_option("--database-url", ctx.database_url, "PostgreSQL URL (libpq syntax)");
  app.add_option("--log-level", ctx.log_level, "debug, info, warn or error");
  app.add_option("--log-format", ctx.log_format, "auto (text on a TTY), text or json");
  int exit_code = 0;
  AddDev(app, ctx, exit_code);
  AddServices(app, ctx, exit_code);
  AddMigrate(app, ctx, exit_code);
  AddWorker(app, ctx, exit_code);
  AddEnqueue(app, ctx, exit_code);
  AddDlq(app, ctx, exit_code);
  AddInspect(app, ctx, exit_code);
  AddSupervise(app, ctx, exit_code);
  AddDashboard(app, ctx, exit_code);
  AddTop(app, ctx, exit_code);
  AddAccounts(app, ctx, exit_code);
  AddSecrets(app, ctx, exit_code);
  AddBench(app, ctx, exit_code);
  AddWarmup(app, ctx, exit_code);
  AddUnsubscribe(app, ctx, exit_code);
  AddAnalytics(app, ctx, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "postwork: " << e.what() << " (see postwork --help)\n";
    return 2;
  } catch (const ConfigError& e) {
    std::cerr << "postwork: " << log::MaskSecrets(e.what()) << "\n";
    return 2;
  } catch (const UnavailableError& e) {
    std::cerr << "postwork: " << log::MaskSecrets(e.what()) << "\n";
    return 3;
  } catch (const pg::SqlError& e) {
    std::cerr << "postwork: database error: " << log::MaskSecrets(e.what()) << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "postwork: " << log::MaskSecrets(e.what()) << "\n";
    return 1;
  }
  return exit_code;
}

}  // namespace postwork::cli
