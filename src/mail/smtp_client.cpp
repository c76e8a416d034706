#include "mail/smtp_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "mail/address.hpp"
#include "mail/mail_error.hpp"
#include "webhook/curl_handles.hpp"

namespace postwork::mail {
namespace {

// Keeps memory bounded when a server streams an endless multi-line reply.
constexpr size_t kMaxReplyLines = 64;

struct CurlEasyCleanup {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyCleanup>;

struct CurlSlistFree {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistFree>;

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_' || c == ':' || c == '[' || c == ']';
}

bool IsHostName(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), IsHostChar);
}

int ReplyCode(std::string_view line) {
  if (line.size() < 3) return 0;
  for (int i = 0; i < 3; ++i) {
    if (line[i] < '0' || line[i] > '9') return 0;
  }
  if (line.size() > 3 && line[3] != ' ' && line[3] != '-') return 0;
  return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

// "550 5.1.1 ..." / "550-5.1.1 ...": the recipient's mailbox or domain is bad.
// 5.1.7 and 5.1.8 are about the sender and so not a bounce of the recipient.
bool IsRecipientHardBounce(std::string_view line) {
  if (line.size() < 9 || line.compare(4, 4, "5.1.") != 0) return false;
  size_t end = line.find_first_not_of("0123456789", 8);
  std::string_view detail = line.substr(8, end == std::string_view::npos ? line.npos : end - 8);
  return !detail.empty() && detail != "7" && detail != "8";
}

}  // namespace

struct SmtpClient::Impl {
  SmtpSettings settings;
  CurlEasy curl;
  std::vector<std::string> reply_lines;  // server replies of the current Send()
  std::string_view upload;
  size_t upload_pos = 0;
  long connections = 0;
  char error_buffer[CURL_ERROR_SIZE] = {};

  // Everything that leaves this class goes through here: a server or curl
  // could in theory echo the credentials back.
  std::string Redact(std::string text) const {
    return RedactSecret(std::move(text), settings.password);
  }

  std::string Where() const {
    return "SMTP " + settings.host + ":" + std::to_string(settings.port);
  }

  // The reply that ended a failed transaction: the last 4xx/5xx line. Not
  // simply the last line, because after a failure curl closes the connection
  // with QUIT and the server's "221 Bye" arrives last.
  std::string FailingReply() const {
    for (auto it = reply_lines.rbegin(); it != reply_lines.rend(); ++it) {
      if (ReplyCode(*it) >= 400) return *it;
    }
    return {};
  }

  [[noreturn]] void Fail(std::string what, bool retryable, SmtpFailure failure, int code,
                         bool hard_bounce, bool outcome_unknown = false) const {
    std::string last = Redact(FailingReply());
    std::string message = Where() + ": " + Redact(std::move(what));
    if (!last.empty()) message += " (server said: " + last + ")";
    throw SmtpError(message, retryable, failure, code, last, hard_bounce, outcome_unknown);
  }

  static size_t OnHeader(char* data, size_t size, size_t count, void* user) {
    auto* self = static_cast<Impl*>(user);
    std::string line(data, size * count);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (self->reply_lines.size() == kMaxReplyLines) {
      self->reply_lines.erase(self->reply_lines.begin());
    }
    self->reply_lines.push_back(std::move(line));
    return size * count;
  }

  static size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
    auto* self = static_cast<Impl*>(user);
    size_t n = std::min(size * count, self->upload.size() - self->upload_pos);
    std::memcpy(buffer, self->upload.data() + self->upload_pos, n);
    self->upload_pos += n;
    return n;
  }

  void Configure() {
    if (!IsHostName(settings.host))
      Fail("invalid host name", false, SmtpFailure::kProtocol, 0, false);
    if (!settings.helo_domain.empty() && !IsHostName(settings.helo_domain)) {
      Fail("invalid HELO domain", false, SmtpFailure::kProtocol, 0, false);
    }
    std::string host = settings.host;
    if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
    std::string url = (settings.security == SmtpSecurity::kTls ? "smtps://" : "smtp://") + host +
                      ":" + std::to_string(settings.port) + "/" + settings.helo_domain;

    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_VERBOSE, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     settings.security == SmtpSecurity::kStartTls
                         ? static_cast<long>(CURLUSESSL_ALL)
                         : static_cast<long>(CURLUSESSL_NONE));
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, settings.verify_peer ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, settings.verify_peer ? 2L : 0L);
    if (!settings.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, settings.ca_file.c_str());
    if (!settings.username.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, settings.username.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, settings.password.c_str());
    }
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(settings.connect_timeout.count()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(settings.timeout.count()));
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    // SMTP server replies arrive through the header callback, so the final
    // reply text is captured without turning on verbose (which would also show
    // our AUTH command).
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &Impl::OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, &Impl::OnRead);
    curl_easy_setopt(c, CURLOPT_READDATA, this);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  }

  // `body_sent`: curl had read the whole message, so the failure may have hit
  // after the final "." while the server was deciding.
  [[noreturn]] void Classify(CURLcode rc, bool body_sent) const {
    std::string what = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
    std::string failing = FailingReply();
    int code = ReplyCode(failing);
    bool unknown = body_sent && code == 0;
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:
        Fail(what, true, SmtpFailure::kTimeout, code, false, unknown);
      case CURLE_LOGIN_DENIED:
        // 454 is a temporary authentication failure; 535 means wrong credentials.
        Fail(what, code >= 400 && code < 500, SmtpFailure::kAuth, code, false);
      case CURLE_SSL_CONNECT_ERROR:
        Fail(what, true, SmtpFailure::kTls, code, false);
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_USE_SSL_FAILED:
        Fail(what, false, SmtpFailure::kTls, code, false);
      default:
        break;
    }
    if (code >= 400 && code < 600) {
      bool permanent = code >= 500;
      bool hard = permanent && IsRecipientHardBounce(failing);
      Fail(what, !permanent, SmtpFailure::kRejected, code, hard);
    }
    switch (rc) {
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_CONNECT:
      case CURLE_GOT_NOTHING:
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_WEIRD_SERVER_REPLY:
      case CURLE_PARTIAL_FILE:
        Fail(what, true, SmtpFailure::kConnect, code, false, unknown);
      default:
        Fail(what, false, SmtpFailure::kProtocol, code, false);
    }
  }
};

SmtpClient::SmtpClient(SmtpSettings settings) : impl_(std::make_unique<Impl>()) {
  webhook::EnsureCurlGlobalInit();  // failure shows as curl_easy_init failing
  impl_->settings = std::move(settings);
  impl_->curl.reset(curl_easy_init());
  if (!impl_->curl) {
    throw SmtpError("SMTP: curl_easy_init failed", true, SmtpFailure::kProtocol, 0, "", false);
  }
  impl_->Configure();
}

SmtpClient::~SmtpClient() = default;
SmtpClient::SmtpClient(SmtpClient&&) noexcept = default;
SmtpClient& SmtpClient::operator=(SmtpClient&&) noexcept = default;

long SmtpClient::connections_opened() const noexcept { return impl_->connections; }

SmtpResult SmtpClient::Send(std::string_view envelope_from,
                            const std::vector<std::string>& recipients, std::string_view message) {
  Impl& s = *impl_;
  s.reply_lines.clear();
  s.error_buffer[0] = '\0';
  // Addresses go into MAIL/RCPT command lines: a CR/LF or '>' would inject
  // commands, so anything but a plain address is refused here.
  if (!IsValidAddress(envelope_from)) {
    s.Fail("invalid envelope sender address", false, SmtpFailure::kProtocol, 0, false);
  }
  if (recipients.empty()) s.Fail("no recipients", false, SmtpFailure::kProtocol, 0, false);
  CurlSlist rcpt;
  for (const std::string& r : recipients) {
    if (!IsValidAddress(r))
      s.Fail("invalid recipient address", false, SmtpFailure::kProtocol, 0, false);
    curl_slist* next = curl_slist_append(rcpt.get(), ("<" + r + ">").c_str());
    if (next == nullptr) s.Fail("out of memory", true, SmtpFailure::kProtocol, 0, false);
    rcpt.release();
    rcpt.reset(next);
  }

  std::string from = "<" + std::string(envelope_from) + ">";
  CURL* c = s.curl.get();
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  s.upload = message;
  s.upload_pos = 0;

  CURLcode rc = curl_easy_perform(c);

  long opened = 0;
  curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &opened);
  s.connections += opened;
  // The list and buffer die with this call; never leave curl pointing at them.
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, nullptr);
  bool body_sent = !message.empty() && s.upload_pos == message.size();
  s.upload = {};

  if (rc != CURLE_OK) s.Classify(rc, body_sent);
  std::string last = s.reply_lines.empty() ? "" : s.reply_lines.back();
  int code = ReplyCode(last);
  if (code == 0) {
    long info = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &info);
    code = static_cast<int>(info);
  }
  return {.code = code, .response = s.Redact(last)};
}

}  // namespace postwork::mail
