#include "handlers/warmup/seeded_random.hpp"

#include "mail/codec.hpp"

namespace postwork::handlers::warmup {

uint64_t StableHash(std::string_view text) {
  std::string digest = mail::Sha256(text);
  uint64_t h = 0;
  for (int i = 0; i < 8; ++i) h = (h << 8) | static_cast<unsigned char>(digest[i]);
  return h;
}

SeededRandom::SeededRandom(std::string_view seed) : state_(StableHash(seed)) {}

uint64_t SeededRandom::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t SeededRandom::Below(uint64_t n) { return Next() % n; }

double SeededRandom::Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

}  // namespace postwork::handlers::warmup
