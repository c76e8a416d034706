#pragma once
// glibc malloc settings of the postwork binary and of a worker. Both leave
// malloc alone when GLIBC_TUNABLES names a malloc setting: the operator's
// settings win (docs/operations.md).

namespace postwork::core {

// The binary, at start-up. A batch of jobs with payloads the size of an email
// allocates and frees buffers of megabytes each time (the COPY data, the Redis
// command, hiredis's output buffer). glibc hands such blocks back to the
// kernel as soon as they are free, and takes them again with one page fault
// per 4 KiB: with 2 kB payloads that was half of the bulk producer's CPU
// (docs/benchmarks.md, eighth session). Up to 64 MiB of free heap stays
// mapped instead, and blocks up to 32 MiB come from the heap.
void KeepLargeBlocksInTheHeap();

// A worker, once per process. glibc gives each thread that allocates
// concurrently its own arena (up to 8 per core), and returns freed memory to
// the kernel as soon as an arena's top exceeds 128 KiB: with a hundred job
// slots that is a page fault and an munmap per batch, and an arena's worth of
// RSS per busy thread. One arena suits a process whose slots mostly wait
// (measured: the same throughput as two, 0.4 MiB less peak RSS), and a fixed
// 16 MiB trim threshold keeps a batch's buffers mapped between batches.
void TuneMallocForWorker();

}  // namespace postwork::core
