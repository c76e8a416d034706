#include "mail/auto_reply.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace postwork::mail {
namespace {

// Subject prefixes used by Exchange/Outlook, Gmail, Zimbra, Apple Mail and
// common autoresponders, in the languages seen most in B2B outreach. Matched at
// the start only: a human may well write "Re: out of office next week?".
constexpr std::array<std::string_view, 22> kSubjectPrefixes = {
    "automatic reply",     "auto reply",           "auto-reply",
    "autoreply",           "auto response",        "auto-response",
    "autoresponse",        "out of office",        "out of the office",
    "ooo:",                "vacation reply",       "away from the office",
    "abwesenheitsnotiz",   "automatische antwort", "réponse automatique",
    "respuesta automática", "risposta automatica", "automatisch antwoord",
    "resposta automática", "autosvar",             "automaattinen vastaus",
    "odpowiedź automatyczna"};

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c < 0x80 ? std::tolower(c) : c);
  });
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

bool HeaderSaysAuto(const Header& h) {
  std::string name = AsciiLower(h.name);
  std::string value = Trim(AsciiLower(h.value));
  if (name == "auto-submitted") {
    // RFC 3834: "no" (optionally with parameters) marks a human message.
    std::string keyword = Trim(value.substr(0, value.find(';')));
    return !keyword.empty() && keyword != "no";
  }
  if (name == "x-autoreply" || name == "x-autorespond" || name == "x-autoresponder") {
    return !value.empty() && value != "no" && value != "false" && value != "0";
  }
  // Precedence: bulk alone is any newsletter; with an OOO subject the subject
  // check below catches it.
  return name == "precedence" && value == "auto_reply";
}

}  // namespace

bool LooksLikeAutoReply(const std::vector<Header>& headers, std::string_view subject) {
  if (std::any_of(headers.begin(), headers.end(), HeaderSaysAuto)) return true;
  std::string s = Trim(AsciiLower(subject));
  return std::any_of(kSubjectPrefixes.begin(), kSubjectPrefixes.end(),
                     [&](std::string_view p) { return s.rfind(p, 0) == 0; });
}

}  // namespace postwork::mail
