#pragma once
#include <string>

#include "postwork/handler.hpp"

namespace postwork::handlers {
// queue:diagnostic, for tests and benchmarks. Payload
// {"sleep_ms": N, "fail_attempts": K, "permanent": bool, "record": bool}: works
// N ms (ending early when cancelled), fails its first K attempts (permanently if
// asked), then succeeds with {"ok": true}. With "record", each execution that
// gets past the work inserts a row in diagnostic_effects (a side effect chaos
// tests can count).
Outcome RunDiagnostic(JobContext& ctx);
// The same, recording side effects through `database_url`.
Handler DiagnosticHandler(std::string database_url);
}  // namespace postwork::handlers
