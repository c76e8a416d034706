#include "core/digest.hpp"

#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "core/hex.hpp"

namespace postwork::core {

std::string Sha1(std::string_view bytes) {
  sha1_ctx ctx;
  sha1_init(&ctx);
  sha1_update(&ctx, bytes.size(), reinterpret_cast<const uint8_t*>(bytes.data()));
  std::string out(SHA1_DIGEST_SIZE, '\0');
  sha1_digest(&ctx, out.size(), reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

std::string Sha256(std::string_view bytes) {
  sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, bytes.size(), reinterpret_cast<const uint8_t*>(bytes.data()));
  std::string out(SHA256_DIGEST_SIZE, '\0');
  sha256_digest(&ctx, out.size(), reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

std::string Sha1Hex(std::string_view bytes) { return HexEncode(Sha1(bytes)); }

std::string Sha256Hex(std::string_view bytes) { return HexEncode(Sha256(bytes)); }

}  // namespace postwork::core
