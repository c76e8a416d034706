#pragma once
// Decoding of a leased queue entry into the envelope a handler sees. Pure (no
// I/O): the entry's text comes from Redis but is producer-written, so this is
// where hostile input first meets typed code, and it is fuzzed on its own
// (fuzz/envelope_fuzzer.cpp).
#include <string_view>

#include "core/types.hpp"

namespace postwork::core {

// Fills job.envelope and job.attempt from job.id, job.queue and job.raw; the
// attempt and max-attempt counters are the ones Redis keeps beside the entry
// (decimal text; anything else falls back). An entry that is not a JSON object
// sets job.malformed_reason (the job is dead-lettered with it, never run); a
// reason set beforehand (by the fetch script) is kept and the JSON not read.
// job.raw is released once decoded; a malformed entry keeps it (its dead-letter
// row records it).
// Never throws on any input.
void DecodeEnvelope(LeasedJob& job, std::string_view attempts, std::string_view max,
                    int default_max);

}  // namespace postwork::core
