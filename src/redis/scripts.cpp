#include "redis/scripts.hpp"

#include <openssl/sha.h>

#include <map>
#include <mutex>
#include <stdexcept>

namespace postwork::embedded {
const std::map<std::string, std::string_view>& lua_scripts();
}

namespace postwork::redis {
namespace {
std::string Sha1Hex(std::string_view text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

const std::map<std::string, Script, std::less<>>& AllScripts() {
  static const auto* scripts = [] {
    auto* m = new std::map<std::string, Script, std::less<>>();
    for (const auto& [file, body] : embedded::lua_scripts()) {
      std::string name = file.substr(0, file.rfind(".lua"));
      (*m)[name] = Script{.name = name, .body = std::string(body), .sha1 = Sha1Hex(body)};
    }
    return m;
  }();
  return *scripts;
}
}  // namespace

const Script& GetScript(std::string_view name) {
  const auto& all = AllScripts();
  auto it = all.find(name);
  if (it == all.end()) throw std::out_of_range("no Lua script named " + std::string(name));
  return it->second;
}

}  // namespace postwork::redis
