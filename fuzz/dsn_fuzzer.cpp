// Bounce (DSN) parsing. The input is tried twice: as a whole message (MIME
// first, as the bounce job does) and as the already-extracted pieces
// (delivery-status body, returned headers, text body, X-Failed-Recipients),
// so the field parsers are reached without a valid MIME wrapper.
// Property: only MimeError may escape, and only from the MIME step.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mail/dsn.hpp"
#include "mail/mail_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace postwork::mail;
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  try {
    (void)ParseDsn(raw);
  } catch (const MimeError&) {
  }

  ParsedMessage pieces;
  pieces.delivery_status = std::string(raw);
  pieces.returned_headers = std::string(raw);
  pieces.text_body = std::string(raw);
  pieces.is_dsn = true;
  (void)ParseDsn(pieces);

  ParsedMessage exim;  // plain-text bounce: no delivery-status part
  std::string_view first_line = raw.substr(0, raw.find('\n'));
  exim.headers.push_back({.name = "X-Failed-Recipients", .value = std::string(first_line)});
  exim.text_body = std::string(raw);
  (void)ParseDsn(exim);

  (void)ClassifyBounce(first_line, raw, DsnAction::kUnknown);
  return 0;
}
