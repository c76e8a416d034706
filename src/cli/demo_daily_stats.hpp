#pragma once
#include <functional>
#include <string>
#include <vector>

namespace postwork::cli {

// Runs queue:analytics:daily-aggregate for yesterday and today (UTC) through
// the engine, waits up to `timeout_s` and returns one line per day with the
// tenant's totals from daily_stats; stops waiting once `stopping()`.
std::vector<std::string> RunDemoDailyStats(const std::string& database_url,
                                           const std::string& redis_url,
                                           const std::string& tenant_id, int timeout_s,
                                           const std::function<bool()>& stopping);

}  // namespace postwork::cli
