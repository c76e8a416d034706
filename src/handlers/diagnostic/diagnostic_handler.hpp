#pragma once
#include "postwork/handler.hpp"

namespace postwork::handlers {
// queue:diagnostic, for tests and benchmarks. Payload
// {"sleep_ms": N, "fail_attempts": K, "permanent": bool}: works N ms (ending
// early when cancelled), fails its first K attempts (permanently if asked),
// then succeeds with {"ok": true}.
Outcome RunDiagnostic(JobContext& ctx);
}  // namespace postwork::handlers
