#pragma once
// Small byte encodings shared by the MIME parser (attachment digests) and the
// secret box (key ids, ciphertext framing).
#include <optional>
#include <string>
#include <string_view>

namespace postwork::mail {

std::string HexEncode(std::string_view bytes);
// Accepts upper or lower case; nullopt on odd length or a non-hex character.
std::optional<std::string> HexDecode(std::string_view hex);

// Standard alphabet with padding (RFC 4648 section 4).
std::string Base64Encode(std::string_view bytes);
// Strict: standard alphabet, padding required, no whitespace. nullopt otherwise.
std::optional<std::string> Base64Decode(std::string_view text);

// Raw 32-byte SHA-256 digest, and its lower-case hex form.
std::string Sha256(std::string_view bytes);
std::string Sha256Hex(std::string_view bytes);

}  // namespace postwork::mail
