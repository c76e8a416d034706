// Listen addresses, parsed without cpp-httplib: the binary needs them before
// (and without) loading postwork-http.so.
#include <arpa/inet.h>

#include "http/listener.hpp"
#include "postwork/error.hpp"

namespace postwork::http {

ListenAddress ParseListenAddress(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    throw ConfigError("listen address '" + text + "': use HOST:PORT, e.g. 127.0.0.1:8080");
  }
  ListenAddress a;
  std::string host = text.substr(0, colon);
  std::string port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (!host.empty()) a.host = host;
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    throw ConfigError("listen address '" + text + "': the port must be 0..65535");
  }
  a.port = std::stoi(port);
  return a;
}

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

}  // namespace postwork::http
