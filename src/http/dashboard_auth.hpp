#pragma once
// Who may do what on the dashboard:
// - bound to loopback, reading needs no token; elsewhere every /api/ call needs it;
// - anything that changes state (POST, PUT, PATCH, DELETE) always needs it,
//   sent as "Authorization: Bearer TOKEN" (a header: a cross-site form or
//   image cannot send it, so there is no CSRF hole), 401 otherwise;
// - bound to loopback, the Host header must name a loopback host too, so a
//   DNS-rebinding page cannot read the API through the victim's browser.
#include <optional>
#include <string>

namespace postwork::http {

struct AuthPolicy {
  std::string token;     // "" = no token configured: read-only dashboard
  bool loopback = true;  // the listen address is a loopback one
};

struct AuthRequest {
  std::string method;
  std::string path;
  std::string host_header;
  std::string authorization_header;
};

struct AuthDenial {
  int status = 401;
  std::string error;
};

// nullopt: allowed.
std::optional<AuthDenial> Authorize(const AuthPolicy& policy, const AuthRequest& request);
// Compares in time independent of where the strings differ.
bool TokenMatches(const std::string& expected, const std::string& given);
// "localhost:8080" -> "localhost", "[::1]:80" -> "::1".
std::string HostWithoutPort(const std::string& host_header);

}  // namespace postwork::http
