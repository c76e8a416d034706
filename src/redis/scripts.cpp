#include "redis/scripts.hpp"

#include <map>
#include <mutex>
#include <stdexcept>

#include "core/digest.hpp"

namespace postwork::embedded {
const std::map<std::string, std::string_view>& lua_scripts();
}

namespace postwork::redis {
namespace {
const std::map<std::string, Script, std::less<>>& AllScripts() {
  static const auto* scripts = [] {
    auto* m = new std::map<std::string, Script, std::less<>>();
    const auto& files = embedded::lua_scripts();
    for (const auto& [file, raw] : files) {
      if (file.rfind("lib/", 0) == 0) continue;
      // `-- @include NAME` splices lua/lib/NAME.lua in: shared helpers live once.
      std::string body(raw);
      static const std::string kInclude = "-- @include ";
      for (size_t at; (at = body.find(kInclude)) != std::string::npos;) {
        size_t end = body.find('\n', at);
        std::string lib = body.substr(at + kInclude.size(), end - at - kInclude.size());
        auto it = files.find("lib/" + lib + ".lua");
        if (it == files.end()) throw std::logic_error("Lua include not found: " + lib);
        body.replace(at, end - at, std::string(it->second));
      }
      std::string name = file.substr(0, file.rfind(".lua"));
      (*m)[name] = Script{.name = name, .body = body, .sha1 = core::Sha1Hex(body)};
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
