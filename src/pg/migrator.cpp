#include "pg/migrator.hpp"

#include <algorithm>
#include <map>

#include "core/digest.hpp"
#include "postwork/error.hpp"

namespace postwork::embedded {
const std::map<std::string, std::string_view>& sql_migrations();
}

namespace postwork::pg {
namespace {
// An arbitrary constant that names "postwork migrations" for pg_advisory_lock.
constexpr const char* kLockId = "7261901337";
}  // namespace

std::vector<Migration> EmbeddedMigrations() {
  std::vector<Migration> out;
  for (const auto& [file, body] : embedded::sql_migrations()) {
    Migration m;
    m.name = file.substr(0, file.rfind(".sql"));
    m.version = std::stoi(m.name.substr(0, m.name.find('_')));
    m.sql = std::string(body);
    m.checksum = core::Sha256Hex(body);
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.version < b.version; });
  return out;
}

Migrator::Migrator(Connection& conn, std::vector<Migration> migrations)
    : conn_(conn), migrations_(std::move(migrations)) {}

void Migrator::EnsureTable() {
  // IF NOT EXISTS can still race on the catalog; the caller holds the lock.
  conn_.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now())");
}

std::vector<MigrationState> Migrator::Status() {
  std::map<int, std::pair<std::string, std::string>> applied;  // version -> checksum, at
  Result exists = conn_.Exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (exists.Get(0, 0) == "t") {
    Result r = conn_.Exec(
        "SELECT version, checksum, to_char(applied_at AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), name FROM schema_migrations ORDER BY version");
    for (int i = 0; i < r.rows(); ++i) {
      applied[static_cast<int>(r.GetInt(i, 0))] = {r.Get(i, 1), r.Get(i, 2)};
    }
    int newest = applied.empty() ? 0 : applied.rbegin()->first;
    std::vector<MigrationState> states;
    for (const auto& m : migrations_) {
      MigrationState s{.migration = m};
      if (auto it = applied.find(m.version); it != applied.end()) {
        s.applied = true;
        s.applied_at = it->second.second;
        if (it->second.first != m.checksum) {
          throw ConfigError("migration " + m.name +
                            " was changed after it was applied (checksum mismatch); "
                            "write a new migration instead of editing an applied one");
        }
      }
      states.push_back(std::move(s));
    }
    Verify(states, newest);
    return states;
  }
  std::vector<MigrationState> states;
  for (const auto& m : migrations_) states.push_back({.migration = m});
  return states;
}

void Migrator::Verify(const std::vector<MigrationState>&, int newest_applied) {
  int newest_known = migrations_.empty() ? 0 : migrations_.back().version;
  if (newest_applied > newest_known) {
    throw ConfigError("the database schema is at version " + std::to_string(newest_applied) +
                      " but this postwork binary knows only up to " + std::to_string(newest_known) +
                      "; upgrade postwork");
  }
}

std::vector<std::string> Migrator::Up() {
  conn_.Exec(std::string("SELECT pg_advisory_lock(") + kLockId + ")");
  std::vector<std::string> applied;
  try {
    EnsureTable();
    for (const auto& state : Status()) {
      if (state.applied) continue;
      const Migration& m = state.migration;
      InTransaction(conn_, [&] {
        conn_.ExecScript(m.sql);
        conn_.Exec("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                   {std::to_string(m.version), m.name, m.checksum});
      });
      applied.push_back(m.name);
    }
  } catch (...) {
    try {
      conn_.Exec(std::string("SELECT pg_advisory_unlock(") + kLockId + ")");
    } catch (...) {
    }
    throw;
  }
  conn_.Exec(std::string("SELECT pg_advisory_unlock(") + kLockId + ")");
  return applied;
}

void Migrator::RequireCurrent() {
  for (const auto& s : Status()) {
    if (!s.applied) {
      throw ConfigError("the database is not migrated (missing " + s.migration.name +
                        "); run `postwork migrate up`");
    }
  }
}

}  // namespace postwork::pg
