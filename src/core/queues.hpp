#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace postwork::core {

// The seed's getQueueList(), highest priority first.
const std::vector<std::string>& DefaultQueues();
// The test/benchmark queue, consumed only when listed explicitly.
inline constexpr std::string_view kDiagnosticQueue = "queue:diagnostic";

// "email-sending" -> "queue:email-sending"; names are validated (ConfigError).
std::string NormalizeQueueName(std::string_view name);
// "a,b,c" -> normalized list (ConfigError on an empty or duplicate entry).
std::vector<std::string> ParseQueueList(std::string_view csv);

enum class QueueOrder { kStrict, kWeighted };
QueueOrder ParseQueueOrder(std::string_view text);

// Strict: the queues as given. Weighted: a random order where queue i (0 =
// highest) leads with probability proportional to 2^(n-1-i), so a low queue is
// served now and then even while higher ones are never empty.
std::vector<std::string> OrderForFetch(const std::vector<std::string>& queues, QueueOrder order,
                                       std::mt19937_64& rng);

}  // namespace postwork::core
