#include "core/malloc_tuning.hpp"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace postwork::core {
namespace {
bool SetByEnvironment() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr;
}
}  // namespace

void KeepLargeBlocksInTheHeap() {
  if (SetByEnvironment()) return;
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

void TuneMallocForWorker() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (SetByEnvironment()) return;
    ::mallopt(M_ARENA_MAX, 1);
    ::mallopt(M_TRIM_THRESHOLD, 16 << 20);
    ::mallopt(M_MMAP_THRESHOLD, 4 << 20);
  });
}

}  // namespace postwork::core
