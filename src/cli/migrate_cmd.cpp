#include <iostream>

#include "cli/context.hpp"
#include "pg/migrator.hpp"

namespace postwork::cli {

void AddMigrate(CLI::App& app, Context& ctx, int& exit_code) {
  auto* migrate = app.add_subcommand("migrate", "Apply or list the database migrations");
  migrate->require_subcommand(1);
  auto* up = migrate->add_subcommand("up", "Apply every migration not yet applied");
  up->callback([&ctx, &exit_code] {
    auto cfg = ctx.Load();
    app::RequireDatabase(cfg);
    pg::Connection conn(cfg.database_url);
    auto applied = pg::Migrator(conn).Up();
    for (const auto& name : applied) std::cout << "applied " << name << "\n";
    if (applied.empty()) std::cout << "database is up to date\n";
    exit_code = 0;
  });
  auto* status = migrate->add_subcommand("status", "List migrations and whether they are applied");
  status->add_flag("--json", ctx.json, "Machine-readable output");
  status->callback([&ctx, &exit_code] {
    auto cfg = ctx.Load();
    app::RequireDatabase(cfg);
    pg::Connection conn(cfg.database_url);
    auto states = pg::Migrator(conn).Status();
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& s : states) {
        out.push_back({{"version", s.migration.version},
                       {"name", s.migration.name},
                       {"applied", s.applied},
                       {"applied_at", s.applied_at},
                       {"checksum", s.migration.checksum}});
      }
      std::cout << out.dump(2) << "\n";
    } else {
      for (const auto& s : states) {
        std::cout << (s.applied ? "applied  " : "pending  ") << s.migration.name
                  << (s.applied ? "  " + s.applied_at : "") << "\n";
      }
    }
    exit_code = 0;
  });
}

}  // namespace postwork::cli
