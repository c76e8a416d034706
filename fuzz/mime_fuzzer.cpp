// MIME parsing of inbound mail (replies, auto-replies, bounces): anyone on the
// internet writes these. Property: a parse either succeeds or throws MimeError
// (a permanent job failure); any other exception or a sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mail/mail_error.hpp"
#include "mail/mime_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  try {
    auto m = postwork::mail::ParseMessage(raw);
    (void)m.FindHeader("Auto-Submitted");
  } catch (const postwork::mail::MimeError&) {
  }
  // Tight limits reach the limit checks with small inputs.
  try {
    (void)postwork::mail::ParseMessage(raw, {.max_depth = 3, .max_parts = 8, .max_size = 4096});
  } catch (const postwork::mail::MimeError&) {
  }
  return 0;
}
