#pragma once
#include <cstdint>
#include <string>

namespace postwork::core {
// A UUIDv7 (time-ordered): job ids sort by creation time.
std::string NewJobId(int64_t now_ms);
// The seed's generateWorkerId: worker-<hostname>-<pid>-<random9>.
std::string NewWorkerId();
}  // namespace postwork::core
