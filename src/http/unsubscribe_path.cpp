// Outside unsubscribe_server.cpp so that the binary can name the path
// without loading postwork-http.so.
#include "http/unsubscribe_server.hpp"

namespace postwork::http {

std::string UnsubscribePath(const std::string& base_url) {
  std::string path = "/unsubscribe";
  auto scheme = base_url.find("://");
  if (scheme != std::string::npos) {
    auto slash = base_url.find('/', scheme + 3);
    if (slash != std::string::npos) {
      path = base_url.substr(slash, base_url.find_first_of("?#", slash) - slash);
    }
  }
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path == "/" || path.empty() ? "/unsubscribe" : path;
}

}  // namespace postwork::http
