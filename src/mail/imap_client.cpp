#include "mail/imap_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

#include "mail/mail_error.hpp"
#include "webhook/curl_handles.hpp"

namespace postwork::mail {
namespace {
using webhook::CurlEasy;

// Bounds memory when a server streams an endless response.
constexpr size_t kMaxTranscriptBytes = 16 * 1024 * 1024;

bool IsHostName(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
           c == ':' || c == '[' || c == ']';
  });
}

// The mailbox as a URL path: curl decodes it again and quotes it in SELECT.
std::string EncodeMailbox(std::string_view mailbox) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : mailbox) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}
}  // namespace

struct ImapClient::Impl {
  ImapSettings settings;
  CurlEasy curl;
  std::string transcript;  // server lines of the current command (CRLF kept)
  bool overflow = false;
  long connections = 0;
  std::vector<std::string> capabilities;
  bool capabilities_known = false;
  char error_buffer[CURL_ERROR_SIZE] = {};

  std::string Redact(std::string text) const {
    return RedactSecret(std::move(text), settings.password);
  }

  std::string Where() const {
    return "IMAP " + settings.host + ":" + std::to_string(settings.port);
  }

  static size_t OnHeader(char* data, size_t size, size_t count, void* user) {
    auto* self = static_cast<Impl*>(user);
    size_t n = size * count;
    if (self->transcript.size() + n > kMaxTranscriptBytes) {
      self->overflow = true;
      return 0;  // aborts the transfer
    }
    self->transcript.append(data, n);
    return n;
  }
  // Untagged lines also arrive as "body"; the header stream has them all.
  static size_t OnBody(char*, size_t size, size_t count, void*) { return size * count; }

  std::string BaseUrl() const {
    std::string host = settings.host;
    if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
    return (settings.security == ImapSecurity::kTls ? "imaps://" : "imap://") + host + ":" +
           std::to_string(settings.port) + "/";
  }

  void Configure() {
    if (!IsHostName(settings.host)) throw ImapError(Where() + ": invalid host name", false);
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "imap,imaps");
    curl_easy_setopt(c, CURLOPT_VERBOSE, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     settings.security == ImapSecurity::kStartTls
                         ? static_cast<long>(CURLUSESSL_ALL)
                         : static_cast<long>(CURLUSESSL_NONE));
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, settings.verify_peer ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, settings.verify_peer ? 2L : 0L);
    if (!settings.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, settings.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_USERNAME, settings.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, settings.password.c_str());
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(settings.connect_timeout.count()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(settings.timeout.count()));
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &Impl::OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Impl::OnBody);
  }

  [[noreturn]] void Fail(CURLcode rc) const {
    std::string what = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
    if (overflow) what = "response too large";
    std::string refused = TaggedFailure(transcript);
    std::string message = Where() + ": " + Redact(what);
    if (!refused.empty()) message += " (server said: " + Redact(refused) + ")";
    bool retryable = false;
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_CONNECT:
      case CURLE_GOT_NOTHING:
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_WEIRD_SERVER_REPLY:
        retryable = true;
        break;
      case CURLE_QUOTE_ERROR: {
        // A command the server refused (NO/BAD). Most refusals pass: another
        // session moved or expunged the message, the mailbox is busy
        // ([INUSE], [EXPUNGEISSUED], [UNAVAILABLE], [SERVERBUG]); the job's
        // attempts bound the retries. The response codes below (RFC 5530)
        // will not change by trying again.
        retryable = true;
        for (const char* code :
             {"[AUTHENTICATIONFAILED]", "[AUTHORIZATIONFAILED]", "[NOPERM]", "[NONEXISTENT]",
              "[CANNOT]", "[CLIENTBUG]", "[PRIVACYREQUIRED]", "[EXPIRED]"}) {
          if (refused.find(code) != std::string::npos) retryable = false;
        }
        break;
      }
      default:
        break;
    }
    throw ImapError(message, retryable);
  }

  // Runs `command` (after SELECTing `mailbox` unless empty); returns the
  // server's response lines.
  const std::string& Run(const std::string& mailbox, const std::string& command) {
    transcript.clear();
    overflow = false;
    error_buffer[0] = '\0';
    std::string url = BaseUrl() + EncodeMailbox(mailbox);
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, command.c_str());
    CURLcode rc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, nullptr);
    long opened = 0;
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &opened);
    connections += opened;
    if (rc != CURLE_OK) Fail(rc);
    return transcript;
  }
};

ImapClient::ImapClient(ImapSettings settings) : impl_(std::make_unique<Impl>()) {
  webhook::EnsureCurlGlobalInit();  // failure shows as curl_easy_init failing
  impl_->settings = std::move(settings);
  impl_->curl.reset(curl_easy_init());
  if (!impl_->curl) throw ImapError("IMAP: curl_easy_init failed", true);
  impl_->Configure();
}

ImapClient::~ImapClient() = default;
ImapClient::ImapClient(ImapClient&&) noexcept = default;
ImapClient& ImapClient::operator=(ImapClient&&) noexcept = default;

long ImapClient::connections_opened() const noexcept { return impl_->connections; }

std::vector<std::string> ImapClient::Capabilities() {
  if (!impl_->capabilities_known) {
    impl_->capabilities = ParseCapabilities(impl_->Run("", "CAPABILITY"));
    impl_->capabilities_known = true;
  }
  return impl_->capabilities;
}

bool ImapClient::HasCapability(std::string_view name) {
  auto caps = Capabilities();
  std::string upper(name);
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return std::find(caps.begin(), caps.end(), upper) != caps.end();
}

std::vector<ImapMailbox> ImapClient::ListMailboxes() {
  return ParseList(impl_->Run("", "LIST \"\" \"*\""));
}

std::vector<uint32_t> ImapClient::SearchUids(const std::string& mailbox,
                                             const std::string& criteria) {
  return ParseSearch(impl_->Run(mailbox, "UID SEARCH " + criteria));
}

std::vector<ImapFetched> ImapClient::FetchHeaders(const std::string& mailbox,
                                                  const std::vector<uint32_t>& uids,
                                                  const std::vector<std::string>& header_fields) {
  if (uids.empty()) return {};
  std::string fields;
  for (const auto& f : header_fields) {
    bool atom = !f.empty() && std::all_of(f.begin(), f.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
    });
    if (!atom) throw ImapError("IMAP: invalid header field name", false);
    fields += (fields.empty() ? "" : " ") + f;
  }
  std::vector<ImapFetched> out =
      ParseFetch(impl_->Run(mailbox, "UID FETCH " + UidSet(uids) +
                                         " (UID FLAGS BODY.PEEK[HEADER.FIELDS (" + fields + ")])"));
  // Unsolicited FETCH responses (flag changes of other messages) carry no UID.
  std::erase_if(out, [](const ImapFetched& f) { return !f.uid; });
  return out;
}

void ImapClient::AddFlags(const std::string& mailbox, const std::vector<uint32_t>& uids,
                          const std::vector<std::string>& flags) {
  if (uids.empty() || flags.empty()) return;
  std::string list;
  for (const auto& f : flags) {
    bool ok = !f.empty() && std::all_of(f.begin(), f.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '\\' || c == '$' || c == '-';
    });
    if (!ok) throw ImapError("IMAP: invalid flag", false);
    list += (list.empty() ? "" : " ") + f;
  }
  impl_->Run(mailbox, "UID STORE " + UidSet(uids) + " +FLAGS.SILENT (" + list + ")");
}

void ImapClient::Move(const std::string& mailbox, const std::vector<uint32_t>& uids,
                      const std::string& target) {
  if (uids.empty()) return;
  std::string set = UidSet(uids);
  if (HasCapability("MOVE")) {
    impl_->Run(mailbox, "UID MOVE " + set + " " + ImapQuote(target));
    return;
  }
  impl_->Run(mailbox, "UID COPY " + set + " " + ImapQuote(target));
  impl_->Run(mailbox, "UID STORE " + set + " +FLAGS.SILENT (\\Deleted)");
  // Plain EXPUNGE would also remove messages someone else marked \Deleted.
  impl_->Run(mailbox, HasCapability("UIDPLUS") ? "UID EXPUNGE " + set : "EXPUNGE");
}

}  // namespace postwork::mail
