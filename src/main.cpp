#include <malloc.h>

#include <cstdlib>
#include <cstring>

#include "cli/app.hpp"

namespace {
// A batch of jobs with payloads the size of an email allocates and frees
// buffers of megabytes each time (the COPY data, the Redis command, hiredis's
// output buffer). glibc hands such blocks back to the kernel as soon as they
// are free, and takes them again with one page fault per 4 KiB: with 2 kB
// payloads that was half of the bulk producer's CPU (docs/benchmarks.md,
// eighth session). Up to 64 MiB of free heap stays mapped instead, and blocks
// up to 32 MiB come from the heap. GLIBC_TUNABLES naming malloc wins.
void KeepLargeBlocksInTheHeap() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}
}  // namespace

int main(int argc, char** argv) {
  KeepLargeBlocksInTheHeap();
  return postwork::cli::Main(argc, argv);
}
