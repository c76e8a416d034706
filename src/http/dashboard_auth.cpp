#include "http/dashboard_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "http/listener.hpp"

namespace postwork::http {

std::string HostWithoutPort(const std::string& host_header) {
  if (!host_header.empty() && host_header.front() == '[') {
    auto close = host_header.find(']');
    return close == std::string::npos ? host_header : host_header.substr(1, close - 1);
  }
  auto colon = host_header.find(':');
  return colon == std::string::npos ? host_header : host_header.substr(0, colon);
}

bool TokenMatches(const std::string& expected, const std::string& given) {
  if (expected.empty()) return false;
  // Hash both so the comparison takes the same time whatever the lengths.
  unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), b);
  return CRYPTO_memcmp(a, b, sizeof(a)) == 0;
}

std::optional<AuthDenial> Authorize(const AuthPolicy& policy, const AuthRequest& request) {
  if (policy.loopback && !IsLoopbackHost(HostWithoutPort(request.host_header))) {
    return AuthDenial{.status = 403,
                      .error =
                          "this dashboard answers only to a loopback Host (localhost, "
                          "127.0.0.1, [::1])"};
  }
  if (request.path.rfind("/api/", 0) != 0) return std::nullopt;  // static assets hold no data
  bool mutation = request.method != "GET" && request.method != "HEAD";
  if (!mutation && policy.loopback) return std::nullopt;
  if (policy.token.empty()) {
    return AuthDenial{.status = 401,
                      .error =
                          "actions are disabled: start the dashboard with "
                          "POSTWORK_DASHBOARD_TOKEN set"};
  }
  const std::string prefix = "Bearer ";
  const std::string& h = request.authorization_header;
  std::string given = h.rfind(prefix, 0) == 0 ? h.substr(prefix.size()) : "";
  if (!TokenMatches(policy.token, given)) {
    return AuthDenial{.status = 401,
                      .error = "a valid token is needed (Authorization: Bearer TOKEN)"};
  }
  return std::nullopt;
}

}  // namespace postwork::http
