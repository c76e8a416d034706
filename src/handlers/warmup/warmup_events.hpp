#pragma once
// warmup_events: the log of warmup actions. Unique keys make every record
// idempotent: one event per (account, type, message), and one placement
// (landed_inbox or landed_spam) per (account, message).
#include <nlohmann/json.hpp>
#include <string>

#include "pg/connection.hpp"

namespace postwork::handlers::warmup {

struct WarmupEvent {
  std::string tenant_id;
  std::string account_id;  // the account that acted, or whose mailbox was looked at
  std::string type;  // sent, received, landed_inbox, landed_spam, rescued, replied, bounced, paused
  std::string message_id;  // without <>
  std::string peer_account_id{};
  std::string folder{};
  std::string job_id{};
  nlohmann::json details = nlohmann::json::object();
};

// True when this call recorded it; false when it was recorded before.
bool RecordEvent(pg::Connection& conn, const WarmupEvent& event);

bool HasEvent(pg::Connection& conn, const std::string& tenant_id, const std::string& account_id,
              const std::string& type, const std::string& message_id);

}  // namespace postwork::handlers::warmup
