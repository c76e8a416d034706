#include "mail/address.hpp"

#include <algorithm>
#include <cctype>

#include "mail/mail_error.hpp"

namespace postwork::mail {
namespace {

constexpr size_t kMaxAddressLength = 254;  // RFC 5321 path limit less "<>"

bool IsForbidden(unsigned char c) {
  if (c <= 0x20 || c == 0x7f) return true;  // space and controls
  switch (c) {
    case '<': case '>': case '(': case ')': case ',': case ';': case ':':
    case '\\': case '"': case '[': case ']':
      return true;
    default:
      return false;
  }
}

}  // namespace

bool IsValidAddress(std::string_view address) {
  if (address.empty() || address.size() > kMaxAddressLength) return false;
  size_t at = address.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return false;
  if (address.find('@', at + 1) != std::string_view::npos) return false;
  if (std::any_of(address.begin(), address.end(),
                  [](char c) { return IsForbidden(static_cast<unsigned char>(c)); })) {
    return false;
  }
  std::string_view domain = address.substr(at + 1);
  return domain.front() != '.' && domain.back() != '.' &&
         domain.find("..") == std::string_view::npos;
}

std::string DomainOf(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) return {};
  std::string domain(address.substr(at + 1));
  std::transform(domain.begin(), domain.end(), domain.begin(), [](unsigned char c) {
    return static_cast<char>(c < 0x80 ? std::tolower(c) : c);
  });
  return domain;
}

std::string NormalizeMessageId(std::string_view id) {
  std::string_view inner = id;
  if (inner.size() >= 2 && inner.front() == '<' && inner.back() == '>') {
    inner = inner.substr(1, inner.size() - 2);
  }
  // Same character rules as an address; both halves of a msg-id are dot-atoms
  // in practice, and a stricter check keeps CR/LF and '>' out of headers.
  if (!IsValidAddress(inner)) {
    throw MimeError("invalid Message-ID (expected <left@right>)");
  }
  return std::string(inner);
}

}  // namespace postwork::mail
