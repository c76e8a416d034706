#pragma once
// MIME building and parsing live in postwork-mail.so (with GMime, GLib and
// GObject, whose type system initialises when they are loaded), loaded on the
// first BuildMessage / ParseMessage: a worker that handles no email never
// maps them. See app/module_loader.hpp.
#include <string_view>

#include "mail/mime_builder.hpp"
#include "mail/mime_parser.hpp"

namespace postwork::mail {

// The module's entry points (postwork_mail_api()).
struct MailModuleApi {
  BuiltMessage (*build_message)(const OutgoingMessage&);
  ParsedMessage (*parse_message)(std::string_view, const ParseLimits&);
};

// The implementations behind BuildMessage and ParseMessage, inside the module.
namespace gmime {
BuiltMessage BuildMessage(const OutgoingMessage& message);
ParsedMessage ParseMessage(std::string_view raw, const ParseLimits& limits);
}  // namespace gmime

}  // namespace postwork::mail
