#pragma once
// Warmup emails that read like mail between colleagues: subject and body put
// together from phrase lists, chosen by a seed (the job id), so a retry writes
// the same email and two jobs rarely write the same one. The tag header lets
// pool members recognise warmup mail (see WarmupTag).
#include <string>

namespace postwork::handlers::warmup {

inline constexpr const char* kWarmupHeader = "X-Postwork-Warmup";

struct GeneratedText {
  std::string subject;
  std::string body;  // plain text, paragraphs separated by blank lines
};

// `sender_name` / `recipient_name` are display names (may be empty).
GeneratedText GenerateWarmupEmail(const std::string& seed, const std::string& sender_name,
                                  const std::string& recipient_name);

// A short answer to `original_subject`: "Re: <subject>" (no "Re: Re:").
GeneratedText GenerateWarmupReply(const std::string& seed, const std::string& original_subject,
                                  const std::string& sender_name,
                                  const std::string& recipient_name);

// The X-Postwork-Warmup value of mail sent by one account: 16 hex characters
// derived from tenant and account, so a message with the header but another
// value (or from outside the pool) is not taken for warmup mail.
std::string WarmupTag(const std::string& tenant_id, const std::string& account_id);

// True when the message `message_id` (without <>) is among the `rate_pct` per
// cent answered; the same answer for the same id on every run.
bool ChosenForReply(const std::string& message_id, int rate_pct);

}  // namespace postwork::handlers::warmup
