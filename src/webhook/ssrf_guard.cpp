#include "webhook/ssrf_guard.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <utility>

namespace postwork::webhook {
namespace {

std::string NormalizeHost(std::string_view host) {
  std::string out(host);
  if (!out.empty() && out.back() == '.') out.pop_back();
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsHostNameChar(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_';
}

bool LooksNumeric(std::string_view entry) {
  return std::all_of(entry.begin(), entry.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0 || c == '.'; });
}

GuardDecision Deny(GuardStatus status, std::string reason) {
  return GuardDecision{status, std::nullopt, std::move(reason)};
}

}  // namespace

SsrfAllowlist SsrfAllowlist::Parse(const std::vector<std::string>& entries) {
  SsrfAllowlist allowlist;
  for (const std::string& entry : entries) {
    if (const std::optional<Cidr> block = Cidr::Parse(entry)) {
      allowlist.AllowBlock(*block);
      continue;
    }
    // Anything address-like that failed to parse as a block ("10.0.0.1/8",
    // "300.1.1.1") must not silently become a host name that never matches.
    const bool host_like = !entry.empty() && !LooksNumeric(entry) &&
                           std::all_of(entry.begin(), entry.end(), IsHostNameChar);
    if (!host_like) {
      throw std::invalid_argument("invalid SSRF allowlist entry: '" + entry + "'");
    }
    allowlist.AllowHost(entry);
  }
  return allowlist;
}

void SsrfAllowlist::AllowHost(std::string_view host) { hosts_.push_back(NormalizeHost(host)); }

bool SsrfAllowlist::AllowsHost(std::string_view host) const {
  const std::string normalized = NormalizeHost(host);
  return std::find(hosts_.begin(), hosts_.end(), normalized) != hosts_.end();
}

bool SsrfAllowlist::AllowsAddress(const IpAddress& address) const {
  return std::any_of(blocks_.begin(), blocks_.end(),
                     [&](const Cidr& block) { return block.Contains(address); });
}

std::string PinnedTarget::CurlConnectTo() const {
  return "::" + address.ToUrlHost() + ":" + std::to_string(url.port);
}

std::string_view ToString(GuardStatus status) {
  switch (status) {
    case GuardStatus::kAllowed: return "allowed";
    case GuardStatus::kInvalidUrl: return "invalid-url";
    case GuardStatus::kRefused: return "refused";
    case GuardStatus::kResolveFailed: return "resolve-failed";
  }
  return "unknown";
}

SsrfGuard::SsrfGuard(SsrfAllowlist allowlist, Resolver resolver)
    : allowlist_(std::move(allowlist)), resolver_(std::move(resolver)) {
  if (!resolver_) throw std::invalid_argument("SsrfGuard needs a resolver");
}

GuardDecision SsrfGuard::Check(std::string_view url_text) const {
  UrlParseResult parsed = ParseWebhookUrl(url_text);
  if (!parsed.url) return Deny(GuardStatus::kInvalidUrl, std::move(parsed.error));
  WebhookUrl& url = *parsed.url;

  ResolveResult resolved = resolver_(url.host);
  if (resolved.addresses.empty()) {
    return Deny(GuardStatus::kResolveFailed,
                "host " + url.host + ": " +
                    (resolved.error.empty() ? std::string("no addresses") : resolved.error));
  }

  if (!allowlist_.AllowsHost(url.host)) {
    // Every address must pass: a client may connect to any of them, and a
    // mixed answer is a classic way to smuggle an internal address past a
    // check that looks only at the first.
    for (const IpAddress& address : resolved.addresses) {
      const AddressClass address_class = Classify(address);
      if (address_class != AddressClass::kPublic && !allowlist_.AllowsAddress(address)) {
        return Deny(GuardStatus::kRefused, "host " + url.host + " resolves to " +
                                               std::string(ToString(address_class)) +
                                               " address " + address.ToString());
      }
    }
  }

  PinnedTarget target{std::move(url), resolved.addresses.front(), std::move(resolved.addresses)};
  return GuardDecision{GuardStatus::kAllowed, std::move(target), {}};
}

}  // namespace postwork::webhook
