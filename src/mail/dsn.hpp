#pragma once
// RFC 3464 delivery status notifications (bounces): who failed, why, and
// whether the failure is hard (stop mailing the address) or soft (try later).
#include <string>
#include <string_view>
#include <vector>

#include "mail/mime_parser.hpp"

namespace postwork::mail {

enum class DsnAction { kUnknown, kFailed, kDelayed, kDelivered, kRelayed, kExpanded };

enum class BounceClass {
  kNone,  // not a failure (delivered, relayed, expanded) or nothing to go on
  kSoft,  // 4.x.x / 4xx / delayed: transient, the address stays valid
  kHard,  // 5.x.x / 5xx / failed: permanent
};

struct DsnRecipient {
  std::string final_recipient{};     // bare address, "rfc822;" and <> removed
  std::string original_recipient{};  // same form, empty when absent
  DsnAction action = DsnAction::kUnknown;
  std::string status{};           // RFC 3463 code such as "5.1.1"; empty when absent or malformed
  std::string diagnostic_code{};  // text after "smtp;", e.g. "550 5.1.1 User unknown"
  std::string remote_mta{};       // host after "dns;"
  BounceClass bounce = BounceClass::kNone;
};

struct DsnReport {
  std::string reporting_mta{};
  std::string original_message_id{};  // of the message that bounced, without <>
  std::vector<DsnRecipient> recipients{};
};

// Reads the message/delivery-status part; a bounce without one but with an
// X-Failed-Recipients header (plain-text Exim/cPanel style) yields one failed
// entry per listed address with the status found in the body. Any other
// message yields an empty report.
DsnReport ParseDsn(const ParsedMessage& message);
// Parses the raw message first; throws MimeError when it is not a message.
DsnReport ParseDsn(std::string_view raw, const ParseLimits& limits = {});

// RFC 3463 class of `status`; when it is missing, the SMTP reply code in
// `diagnostic_code` (5xx hard, 4xx soft); when that is missing too, the action
// (failed hard, delayed soft).
BounceClass ClassifyBounce(std::string_view status, std::string_view diagnostic_code,
                           DsnAction action);

}  // namespace postwork::mail
