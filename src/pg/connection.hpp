#pragma once
// The only place (with src/pg/*.cpp) that includes libpq.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace postwork::pg {

// A server-side SQL error (constraint violation, syntax...): not transient.
class SqlError : public std::runtime_error {
 public:
  SqlError(const std::string& message, std::string sqlstate)
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

// Owns a PGresult. Cells come back as text (NULL as nullopt).
class Result {
 public:
  Result() = default;
  explicit Result(pg_result* r);
  int rows() const;
  int columns() const;
  bool IsNull(int row, int col) const;
  std::string Get(int row, int col) const;
  std::optional<std::string> GetOptional(int row, int col) const;
  int64_t GetInt(int row, int col) const;
  std::string ColumnName(int col) const;
  int affected() const;  // rows changed by INSERT/UPDATE/DELETE (copied by COPY)
  pg_result* Release() { return res_.release(); }  // the caller owns it

 private:
  struct Deleter {
    void operator()(pg_result* r) const;
  };
  std::unique_ptr<pg_result, Deleter> res_;
};

using Params = std::vector<std::optional<std::string>>;

// How long a connection waits on the network before it gives up.
struct ConnectionTimeouts {
  int connect_seconds = 5;  // libpq's connect_timeout (it treats 1 as 2)
  // TCP_USER_TIMEOUT: a request the server has not acknowledged by then (the
  // host is cut off or gone) fails instead of hanging until the kernel gives
  // up, which takes about 15 minutes. 0 = the kernel's default.
  int unacknowledged_ms = 0;
};

// One connection. Not thread-safe. A lost connection throws UnavailableError
// and the next call reconnects.
// Exec prepares each distinct statement text once per connection (up to
// kMaxPrepared texts; later ones run unprepared) and then only binds and
// executes it: PostgreSQL parses and plans a hot statement once, not per call.
// POSTWORK_PG_PREPARE=off turns this off (PgBouncer in transaction pooling
// before 1.21 cannot route named prepared statements).
class Connection {
 public:
  explicit Connection(std::string url, ConnectionTimeouts timeouts = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Result Exec(const std::string& sql, const Params& params = {});
  // Runs `copy_sql` (COPY ... FROM STDIN) and sends `rows` (text format) as
  // its data. Returns the number of rows copied; a failing row fails them all.
  int64_t CopyIn(const std::string& copy_sql, std::string_view rows);
  // Several statements separated by ';' with no parameters (migrations).
  void ExecScript(const std::string& sql);
  void Ping();
  const std::string& url() const { return url_; }

 private:
  static constexpr size_t kMaxPrepared = 256;

  void EnsureConnected();
  void Disconnect();
  Result Check(pg_result* r, const std::string& sql);
  // The prepared statement's name for this text, preparing it first; "" when
  // the text runs unprepared.
  std::string Prepared(const std::string& sql, int n_params);

  std::string url_;
  ConnectionTimeouts timeouts_;
  pg_conn* conn_ = nullptr;
  bool prepare_;
  std::unordered_map<std::string, std::string> prepared_;  // text -> name, this session
  uint64_t prepared_names_ = 0;
};

// "postgresql://user:***@host/db" for logs.
std::string MaskUrl(const std::string& url);

// Runs `fn` in BEGIN/COMMIT, rolling back on an exception.
template <typename Fn>
auto InTransaction(Connection& conn, Fn&& fn) {
  conn.Exec("BEGIN");
  try {
    if constexpr (std::is_void_v<decltype(fn())>) {
      fn();
      conn.Exec("COMMIT");
    } else {
      auto out = fn();
      conn.Exec("COMMIT");
      return out;
    }
  } catch (...) {
    try {
      conn.Exec("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
}

}  // namespace postwork::pg
