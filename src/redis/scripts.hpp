#pragma once
#include <string>
#include <string_view>

namespace postwork::redis {

// A Lua script from lua/, embedded at build time, with its SHA-1 for EVALSHA.
struct Script {
  std::string name;
  std::string body;
  std::string sha1;
};

// Looks up "fetch" -> lua/fetch.lua. Throws std::out_of_range for an unknown name.
const Script& GetScript(std::string_view name);

}  // namespace postwork::redis
