#include "handlers/email_common/job_fields.hpp"

#include "postwork/error.hpp"

namespace postwork::handlers::email {

std::string JobTenant(const JobContext& ctx) {
  std::optional<std::string> from_payload;
  if (ctx.payload.is_object()) from_payload = OptionalId(ctx.payload, "tenant_id");
  if (!ctx.tenant_id.empty()) {
    if (from_payload && *from_payload != ctx.tenant_id) {
      throw PermanentError("payload tenant_id does not match the job's tenant");
    }
    return ctx.tenant_id;
  }
  if (!from_payload) throw PermanentError("the job names no tenant (enqueue with a tenant id)");
  return *from_payload;
}

std::optional<std::string> OptionalId(const nlohmann::json& payload, const char* name) {
  if (!payload.is_object()) throw PermanentError("payload must be a JSON object");
  auto it = payload.find(name);
  if (it == payload.end() || it->is_null()) return std::nullopt;
  if (it->is_string() && !it->get<std::string>().empty() && it->get<std::string>().size() <= 200) {
    return it->get<std::string>();
  }
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  throw PermanentError(std::string("payload field \"") + name +
                       "\" must be a non-empty string (at most 200 bytes) or an integer");
}

std::string RequiredId(const nlohmann::json& payload, const char* name) {
  auto v = OptionalId(payload, name);
  if (!v) throw PermanentError(std::string("payload field \"") + name + "\" is required");
  return *v;
}

std::optional<std::string> OptionalString(const nlohmann::json& payload, const char* name) {
  if (!payload.is_object()) throw PermanentError("payload must be a JSON object");
  auto it = payload.find(name);
  if (it == payload.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    throw PermanentError(std::string("payload field \"") + name + "\" must be a string");
  }
  return it->get<std::string>();
}

}  // namespace postwork::handlers::email
