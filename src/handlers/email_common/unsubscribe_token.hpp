#pragma once
// Signed one-click unsubscribe tokens (RFC 8058): the link in
// List-Unsubscribe names tenant, lead and campaign, and an HMAC-SHA256 over
// them so nobody can unsubscribe someone else by editing the URL.
//   token = base64url(tenant "\n" lead "\n" campaign) "." base64url(hmac)
#include <optional>
#include <string>
#include <string_view>

namespace postwork::handlers::email {

struct UnsubscribeSubject {
  std::string tenant_id;
  std::string lead_id;
  std::string campaign_id;
};

std::string SignUnsubscribeToken(std::string_view key, const UnsubscribeSubject& subject);
// nullopt for a malformed token or a bad signature (compared in constant time).
std::optional<UnsubscribeSubject> VerifyUnsubscribeToken(std::string_view key,
                                                         std::string_view token);
// "<base>?token=<token>" (or "&token=" when the base has a query already).
std::string UnsubscribeUrl(std::string_view base_url, std::string_view token);

}  // namespace postwork::handlers::email
