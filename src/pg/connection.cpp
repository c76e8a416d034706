#include "pg/connection.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <regex>

#include "postwork/error.hpp"

namespace postwork::pg {

void Result::Deleter::operator()(pg_result* r) const {
  if (r) PQclear(r);
}
Result::Result(pg_result* r) : res_(r) {}
int Result::rows() const { return res_ ? PQntuples(res_.get()) : 0; }
int Result::columns() const { return res_ ? PQnfields(res_.get()) : 0; }
bool Result::IsNull(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
std::string Result::Get(int row, int col) const {
  return std::string(PQgetvalue(res_.get(), row, col),
                     static_cast<size_t>(PQgetlength(res_.get(), row, col)));
}
std::optional<std::string> Result::GetOptional(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Get(row, col);
}
int64_t Result::GetInt(int row, int col) const {
  int64_t v = 0;
  const char* s = PQgetvalue(res_.get(), row, col);
  std::from_chars(s, s + PQgetlength(res_.get(), row, col), v);
  return v;
}
std::string Result::ColumnName(int col) const { return PQfname(res_.get(), col); }
int Result::affected() const {
  const char* s = res_ ? PQcmdTuples(res_.get()) : "";
  int v = 0;
  std::from_chars(s, s + std::char_traits<char>::length(s), v);
  return v;
}

std::string MaskUrl(const std::string& url) {
  static const std::regex kUserinfo(R"(^([a-z]+://[^:/@]*):[^@]*@)");
  std::string out = std::regex_replace(url, kUserinfo, "$1:***@");
  static const std::regex kPasswordParam(R"(password=[^& ]*)");
  return std::regex_replace(out, kPasswordParam, "password=***");
}

namespace {
bool PrepareEnabled() {
  const char* v = std::getenv("POSTWORK_PG_PREPARE");
  if (v == nullptr) return true;
  std::string s(v);
  return !(s == "off" || s == "0" || s == "false" || s == "no");
}
}  // namespace

Connection::Connection(std::string url, ConnectionTimeouts timeouts)
    : url_(std::move(url)), timeouts_(timeouts), prepare_(PrepareEnabled()) {}
Connection::~Connection() { Disconnect(); }

void Connection::Disconnect() {
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  prepared_.clear();  // prepared statements die with the session
}

void Connection::EnsureConnected() {
  if (conn_ && PQstatus(conn_) == CONNECTION_OK) return;
  Disconnect();
  // connect_timeout keeps an unreachable server from hanging a worker.
  std::string connect = std::to_string(timeouts_.connect_seconds);
  std::string unacknowledged = std::to_string(timeouts_.unacknowledged_ms);
  std::vector<const char*> keys, values;
  // GSSAPI encryption only when asked for (gssencmode in the URL, which
  // overrides this entry, or PGGSSENCMODE): libpq's default "prefer" starts
  // Kerberos on every connection attempt just to look for credentials
  // (docs/decisions.md).
  if (std::getenv("PGGSSENCMODE") == nullptr) {
    keys.push_back("gssencmode");
    values.push_back("disable");
  }
  for (const char* k : {"dbname", "connect_timeout", "application_name"}) keys.push_back(k);
  for (const char* v : {url_.c_str(), connect.c_str(), "postwork"}) values.push_back(v);
  if (timeouts_.unacknowledged_ms > 0) {  // else whatever the URL says
    keys.push_back("tcp_user_timeout");
    values.push_back(unacknowledged.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string err = conn_ ? PQerrorMessage(conn_) : "out of memory";
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    if (auto nl = err.find('\n'); nl != std::string::npos) err = err.substr(0, nl);
    Disconnect();
    throw UnavailableError("PostgreSQL " + MaskUrl(url_) + ": " + err);
  }
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

Result Connection::Check(pg_result* raw, const std::string& sql) {
  Result r(raw);
  auto status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) {
    return r;
  }
  if (!raw || PQstatus(conn_) != CONNECTION_OK) {
    std::string err = PQerrorMessage(conn_);
    Disconnect();
    throw UnavailableError("PostgreSQL connection lost: " + err.substr(0, err.find('\n')));
  }
  const char* state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
  std::string msg = PQresultErrorMessage(raw);
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  // Class 08 (connection exception) and 57 (operator intervention: shutdown,
  // restart) are outages, not bugs in the statement.
  std::string code = state ? state : "";
  if (code.rfind("08", 0) == 0 || code.rfind("57", 0) == 0) {
    Disconnect();
    throw UnavailableError("PostgreSQL unavailable: " + msg.substr(0, msg.find('\n')));
  }
  std::string head = sql.substr(0, 60);
  for (char& c : head) {
    if (c == '\n') c = ' ';
  }
  throw SqlError(msg + " (in: " + head + "...)", state ? state : "");
}

std::string Connection::Prepared(const std::string& sql, int n_params) {
  if (!prepare_) return "";
  if (auto it = prepared_.find(sql); it != prepared_.end()) return it->second;
  if (prepared_.size() >= kMaxPrepared) return "";
  std::string name = "pw_" + std::to_string(++prepared_names_);
  Check(PQprepare(conn_, name.c_str(), sql.c_str(), n_params, nullptr), sql);
  prepared_.emplace(sql, name);
  return name;
}

Result Connection::Exec(const std::string& sql, const Params& params) {
  EnsureConnected();
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  const int n = static_cast<int>(params.size());
  auto unprepared = [&] {
    return Check(PQexecParams(conn_, sql.c_str(), n, nullptr, values.data(), nullptr, nullptr, 0),
                 sql);
  };
  std::string name = Prepared(sql, n);
  if (name.empty()) return unprepared();
  pg_result* r = PQexecPrepared(conn_, name.c_str(), n, values.data(), nullptr, nullptr, 0);
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  if (state != nullptr && std::string_view(state) == "0A000") {
    // "cached plan must not change result type": a table changed under the
    // prepared statement (a migration). Forget it and run the text as is;
    // a later call prepares it again.
    PQclear(r);
    Result gone(PQexec(conn_, ("DEALLOCATE " + name).c_str()));
    prepared_.erase(sql);
    return unprepared();
  }
  return Check(r, sql);
}

int64_t Connection::CopyIn(const std::string& copy_sql, std::string_view rows) {
  EnsureConnected();
  pg_result* started = PQexec(conn_, copy_sql.c_str());
  if (started == nullptr || PQresultStatus(started) != PGRES_COPY_IN) {
    Check(started, copy_sql);  // throws on an error
    throw SqlError("not a COPY FROM STDIN statement (in: " + copy_sql.substr(0, 60) + "...)", "");
  }
  PQclear(started);
  // In blocking mode these return -1 only when the connection failed.
  constexpr size_t kChunk = size_t{1} << 20;
  bool sent = true;
  for (size_t at = 0; sent && at < rows.size(); at += kChunk) {
    const size_t n = std::min(kChunk, rows.size() - at);
    sent = PQputCopyData(conn_, rows.data() + at, static_cast<int>(n)) == 1;
  }
  sent = sent && PQputCopyEnd(conn_, nullptr) == 1;
  // The COPY's own result, then nullptr. Every result is read before any is
  // checked, so the connection is idle again whatever happened.
  std::vector<Result> results;
  while (pg_result* r = PQgetResult(conn_)) results.emplace_back(r);
  if (!sent || results.empty()) {
    std::string err = PQerrorMessage(conn_);
    Disconnect();
    throw UnavailableError("PostgreSQL connection lost: " + err.substr(0, err.find('\n')));
  }
  int64_t copied = 0;
  for (auto& r : results) {
    // Check takes ownership of a raw result; hand each one back to it.
    Result checked = Check(r.Release(), copy_sql);
    copied += checked.affected();
  }
  return copied;
}

void Connection::ExecScript(const std::string& sql) {
  EnsureConnected();
  Check(PQexec(conn_, sql.c_str()), sql);
}

void Connection::Ping() { Exec("SELECT 1"); }

}  // namespace postwork::pg
