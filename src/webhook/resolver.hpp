#pragma once

// Host name resolution for the SSRF guard, behind a function type so tests can
// substitute fixed answers (e.g. a name resolving to one public and one
// private address) without touching real DNS.

#include <functional>
#include <string>
#include <vector>

#include "webhook/ip_address.hpp"

namespace postwork::webhook {

struct ResolveResult {
  // In the order the resolver prefers them (getaddrinfo's RFC 6724 order),
  // without duplicates.
  std::vector<IpAddress> addresses;
  // Set when resolution failed; empty `addresses` then.
  std::string error;
};

// `host` is a bare host name or IP literal (IPv6 without brackets).
using Resolver = std::function<ResolveResult(const std::string& host)>;

// getaddrinfo with AF_UNSPEC. Like the system resolver it accepts the legacy
// numeric forms ("2130706433", "0x7f.1", "0177.0.0.1", "127.1"), which is
// exactly why the guard classifies its output rather than the URL text.
ResolveResult SystemResolve(const std::string& host);

}  // namespace postwork::webhook
