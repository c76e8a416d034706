#pragma once

// Server-side request forgery guard for webhook delivery. Customers choose
// webhook URLs, so without this a URL could make the worker call internal
// services or the cloud metadata endpoint on the customer's behalf.
//
// The guard resolves the host itself, refuses the URL if ANY resolved address
// is non-public (see ip_classification.hpp), and hands back the approved
// address so the HTTP client connects to exactly that address. Connecting by
// name instead would resolve again and let a short-TTL DNS record "rebind" to
// an internal address between the check and the connection.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "webhook/ip_address.hpp"
#include "webhook/ip_classification.hpp"
#include "webhook/resolver.hpp"
#include "webhook/webhook_url.hpp"

namespace postwork::webhook {

// Operator-configured exceptions: the only way to reach a non-public address.
class SsrfAllowlist {
 public:
  // Each entry is a CIDR block ("10.20.0.0/16", "fd00::/8"), a single address
  // ("127.0.0.1", "::1"), or an exact host name ("hooks.internal.example";
  // case-insensitive, trailing dot ignored, no wildcards). Throws
  // std::invalid_argument naming the bad entry (entries are config, not secrets).
  static SsrfAllowlist Parse(const std::vector<std::string>& entries);

  void AllowBlock(const Cidr& block) { blocks_.push_back(block); }
  void AllowHost(std::string_view host);

  // An allowlisted host name may resolve to any address.
  bool AllowsHost(std::string_view host) const;
  bool AllowsAddress(const IpAddress& address) const;

 private:
  std::vector<Cidr> blocks_;
  std::vector<std::string> hosts_;
};

struct PinnedTarget {
  WebhookUrl url;
  // Where to connect: the resolver's first choice among the approved addresses.
  IpAddress address;
  // Every address the host resolved to; all of them passed the check.
  std::vector<IpAddress> resolved;

  // CURLOPT_CONNECT_TO entry "::<address>:<port>". The empty request host and
  // port match every request on the handle, which is safe only because the
  // handle never follows redirects.
  std::string CurlConnectTo() const;
};

enum class GuardStatus {
  kAllowed,
  kInvalidUrl,     // scheme, credentials, syntax: permanent
  kRefused,        // a resolved address is not public and not allowlisted: permanent
  kResolveFailed,  // DNS failure: may be transient
};

struct GuardDecision {
  GuardStatus status = GuardStatus::kInvalidUrl;
  std::optional<PinnedTarget> target;  // set exactly when status is kAllowed
  // Human-readable cause naming the host and address at most, never the URL's
  // path or query.
  std::string reason;

  bool allowed() const { return status == GuardStatus::kAllowed; }
};

std::string_view ToString(GuardStatus status);

class SsrfGuard {
 public:
  explicit SsrfGuard(SsrfAllowlist allowlist = {}, Resolver resolver = SystemResolve);

  // Thread-safe as long as the resolver is.
  GuardDecision Check(std::string_view url) const;

 private:
  SsrfAllowlist allowlist_;
  Resolver resolver_;
};

}  // namespace postwork::webhook
