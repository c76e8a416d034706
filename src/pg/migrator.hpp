#pragma once
#include <string>
#include <vector>

#include "pg/connection.hpp"

namespace postwork::pg {

struct Migration {
  int version = 0;
  std::string name;  // "0001_jobs"
  std::string sql;
  std::string checksum;  // SHA-256 hex of sql
};

struct MigrationState {
  Migration migration;
  bool applied = false;
  std::string applied_at;
};

// Versioned SQL files from sql/migrations/, embedded at build time.
std::vector<Migration> EmbeddedMigrations();

class Migrator {
 public:
  explicit Migrator(Connection& conn, std::vector<Migration> migrations = EmbeddedMigrations());
  // Applies what is missing, each migration in its own transaction, under an
  // advisory lock so concurrent runs are safe. Returns the names applied.
  // Throws ConfigError when an applied migration's checksum changed or the
  // database is newer than this binary.
  std::vector<std::string> Up();
  std::vector<MigrationState> Status();
  // Throws ConfigError unless every migration is applied (workers call this).
  void RequireCurrent();

 private:
  void EnsureTable();
  void Verify(const std::vector<MigrationState>& states, int newest_applied);

  Connection& conn_;
  std::vector<Migration> migrations_;
};

}  // namespace postwork::pg
