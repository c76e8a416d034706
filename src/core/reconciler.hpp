#pragma once
#include <cstdint>

#include "pg/job_store.hpp"
#include "redis/broker.hpp"

namespace postwork::core {
// One pass: pushes every live PostgreSQL job (older than `grace_seconds`)
// whose Redis state is missing or terminal, and that PostgreSQL still holds
// as live when its page is checked. Reads the live jobs `page` at a time
// through one cursor. Returns how many were pushed.
int64_t ReconcileOnce(redis::Broker& broker, pg::JobStore& store, int grace_seconds, int64_t now_ms,
                      int page = 1000);
}  // namespace postwork::core
