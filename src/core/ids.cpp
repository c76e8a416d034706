#include "core/ids.hpp"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <random>

namespace postwork::core {
namespace {
std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}() ^
                                   (static_cast<uint64_t>(::getpid()) << 32)};
  return rng;
}
}  // namespace

std::string NewJobId(int64_t now_ms) {
  std::array<uint8_t, 16> b{};
  uint64_t ms = static_cast<uint64_t>(now_ms);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  uint64_t r1 = Rng()(), r2 = Rng()();
  for (int i = 6; i < 16; ++i) b[i] = static_cast<uint8_t>((i < 11 ? r1 : r2) >> (8 * (i % 8)));
  b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x70);  // version 7
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof(out),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

std::string NewWorkerId() {
  char host[256] = {0};
  ::gethostname(host, sizeof(host) - 1);
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string random;
  for (int i = 0; i < 9; ++i) random.push_back(kAlphabet[Rng()() % 36]);
  return "worker-" + std::string(host) + "-" + std::to_string(::getpid()) + "-" + random;
}

}  // namespace postwork::core
