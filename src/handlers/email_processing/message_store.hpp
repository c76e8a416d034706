#pragma once
// Writes an incoming message as the seed does (email_content + email_messages)
// plus its attachments, and applies what the classification means for the
// campaigns, all in one transaction. A message is stored once per
// (tenant, Message-ID): a second run finds it and changes nothing.
#include <cstdint>
#include <string>

#include "handlers/email_common/email_settings.hpp"
#include "handlers/email_processing/inbound_classifier.hpp"
#include "handlers/email_processing/incoming_message.hpp"
#include "pg/connection.hpp"

namespace postwork::handlers::email {

struct StoredMessage {
  std::string storage_key;
  int64_t message_row_id = 0;
  bool created = false;  // false: the message was already stored
};

// Throws PermanentError when email_account_id is not one of the tenant's accounts.
StoredMessage StoreIncoming(pg::Connection& conn, const std::string& tenant_id,
                            const IncomingEmail& email, const Classification& classification,
                            const EmailSettings& settings, int64_t now_ms);

}  // namespace postwork::handlers::email
