#include "handlers/diagnostic/diagnostic_handler.hpp"

#include "pg/thread_connection.hpp"
#include "postwork/error.hpp"

namespace postwork::handlers {
namespace {
int64_t IntField(const nlohmann::json& p, const char* name) {
  if (!p.is_object() || !p.contains(name)) return 0;
  const auto& v = p[name];
  if (!v.is_number_integer() || v.get<int64_t>() < 0) {
    throw PermanentError(std::string("diagnostic: \"") + name +
                         "\" must be a non-negative integer");
  }
  return v.get<int64_t>();
}
}  // namespace

namespace {
Outcome Run(JobContext& ctx, const std::string* database_url) {
  const auto& p = ctx.payload;
  if (!p.is_null() && !p.is_object()) throw PermanentError("diagnostic: payload must be an object");
  int64_t sleep_ms = IntField(p, "sleep_ms");
  int64_t fail_attempts = IntField(p, "fail_attempts");
  bool permanent = p.is_object() && p.value("permanent", false);
  if (sleep_ms > 0 && ctx.cancel.WaitFor(std::chrono::milliseconds(sleep_ms))) {
    return Outcome::Retry("diagnostic: cancelled while working");
  }
  if (ctx.attempt <= fail_attempts) {
    std::string msg = "diagnostic: failing attempt " + std::to_string(ctx.attempt) + " of " +
                      std::to_string(fail_attempts) + " as asked";
    return permanent ? Outcome::Permanent(msg) : Outcome::Retry(msg);
  }
  if (database_url && p.is_object() && p.value("record", false)) {
    pg::ThreadConnection(*database_url)
        .Exec("INSERT INTO diagnostic_effects (job_id, attempt) VALUES ($1, $2)",
              {ctx.job_id, std::to_string(ctx.attempt)});
  }
  nlohmann::json result = nlohmann::json::object();  // {"ok": true}, without an initializer list
  result.emplace("ok", true);
  return Outcome::Completed(std::move(result));
}
}  // namespace

Outcome RunDiagnostic(JobContext& ctx) { return Run(ctx, nullptr); }

Handler DiagnosticHandler(std::string database_url) {
  return [url = std::move(database_url)](JobContext& ctx) { return Run(ctx, &url); };
}

}  // namespace postwork::handlers
