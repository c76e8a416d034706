#include "webhook/resolver.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>

namespace postwork::webhook {
namespace {

struct AddrinfoDeleter {
  void operator()(addrinfo* list) const noexcept { freeaddrinfo(list); }
};
using AddrinfoList = std::unique_ptr<addrinfo, AddrinfoDeleter>;

}  // namespace

ResolveResult SystemResolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  // One entry per address instead of one per socket type.
  hints.ai_socktype = SOCK_STREAM;
  // No AI_ADDRCONFIG: it hides answers on hosts with only loopback configured
  // and we want to see every address a name has, not just usable ones.

  addrinfo* raw = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &raw);
  AddrinfoList list(raw);
  if (rc != 0) return ResolveResult{{}, std::string("cannot resolve host: ") + gai_strerror(rc)};

  ResolveResult result;
  for (const addrinfo* entry = list.get(); entry != nullptr; entry = entry->ai_next) {
    const std::optional<IpAddress> address = IpAddress::FromSockaddr(entry->ai_addr);
    if (!address) continue;
    if (std::find(result.addresses.begin(), result.addresses.end(), *address) ==
        result.addresses.end()) {
      result.addresses.push_back(*address);
    }
  }
  if (result.addresses.empty()) result.error = "cannot resolve host: no IP addresses";
  return result;
}

}  // namespace postwork::webhook
