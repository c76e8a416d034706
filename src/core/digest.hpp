#pragma once
// SHA-1 and SHA-256 over Nettle: Lua script SHAs and migration checksums are
// computed at start-up by every process, and Nettle is already mapped (by
// GnuTLS, under libcurl) where OpenSSL would be initialised for them alone.
#include <string>
#include <string_view>

namespace postwork::core {

// Raw digests (20 and 32 bytes).
std::string Sha1(std::string_view bytes);
std::string Sha256(std::string_view bytes);
// Lower-case hex of the digests.
std::string Sha1Hex(std::string_view bytes);
std::string Sha256Hex(std::string_view bytes);

}  // namespace postwork::core
