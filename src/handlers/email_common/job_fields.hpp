#pragma once
// Reading the job: which tenant it acts for, and typed payload fields. Every
// malformed payload is a PermanentError (retrying cannot fix it).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "postwork/handler.hpp"

namespace postwork::handlers::email {

// The job's tenant: the envelope's tenant_id, else the payload's "tenant_id".
// Both present and different, or neither present: PermanentError.
std::string JobTenant(const JobContext& ctx);

// An id given as a non-empty string or an integer, as text. nullopt when
// absent or null; PermanentError when present with another type.
std::optional<std::string> OptionalId(const nlohmann::json& payload, const char* name);
std::string RequiredId(const nlohmann::json& payload, const char* name);
std::optional<std::string> OptionalString(const nlohmann::json& payload, const char* name);

}  // namespace postwork::handlers::email
