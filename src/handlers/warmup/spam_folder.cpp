#include "handlers/warmup/spam_folder.hpp"

#include <algorithm>
#include <cctype>

namespace postwork::handlers::warmup {
namespace {
// In order of preference.
const std::vector<std::string> kSpamNames = {
    "junk",       "spam",       "[gmail]/spam", "[google mail]/spam", "junk e-mail",
    "junk email", "bulk mail",  "bulk",         "inbox.junk",         "inbox.spam",
    "inbox/junk", "inbox/spam", "junk mail"};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

std::optional<std::string> FindSpamFolder(const std::vector<mail::ImapMailbox>& mailboxes) {
  for (const auto& m : mailboxes) {
    if (m.HasAttribute("\\Junk") && !m.HasAttribute("\\Noselect")) return m.name;
  }
  for (const auto& name : kSpamNames) {
    auto it = std::find_if(mailboxes.begin(), mailboxes.end(), [&](const mail::ImapMailbox& m) {
      return Lower(m.name) == name && !m.HasAttribute("\\Noselect");
    });
    if (it != mailboxes.end()) return it->name;
  }
  return std::nullopt;
}

}  // namespace postwork::handlers::warmup
