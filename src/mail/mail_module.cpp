#include "mail/mail_module.hpp"

#include <algorithm>
#include <cctype>

#include "app/module_loader.hpp"

// Defined by postwork-mail.so, or by this process itself when the module's
// sources are linked in statically (tests, fuzzers): then no file is loaded.
extern "C" const postwork::mail::MailModuleApi* postwork_mail_api() __attribute__((weak));

namespace postwork::mail {
namespace {

const MailModuleApi& Api() {
  if (postwork_mail_api != nullptr) return *postwork_mail_api();
  return app::LoadModuleApi<MailModuleApi>("mail", POSTWORK_MODULE_ABI("mail"));
}

}  // namespace

BuiltMessage BuildMessage(const OutgoingMessage& message) { return Api().build_message(message); }

ParsedMessage ParseMessage(std::string_view raw, const ParseLimits& limits) {
  return Api().parse_message(raw, limits);
}

std::optional<std::string> ParsedMessage::FindHeader(std::string_view name) const {
  auto same = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  };
  for (const Header& h : headers) {
    if (std::ranges::equal(h.name, name, same)) return h.value;
  }
  return std::nullopt;
}

}  // namespace postwork::mail
