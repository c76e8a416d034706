#include "http/unsubscribe_server.hpp"

#include <httplib.h>

#include <regex>

#include "app/log.hpp"
#include "handlers/email_common/secrets.hpp"
#include "handlers/email_common/unsubscribe.hpp"
#include "http/listener.hpp"
#include "pg/thread_connection.hpp"

namespace postwork::http {
namespace {
namespace email = handlers::email;

constexpr const char* kPageHead =
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" "
    "content=\"width=device-width\"><title>Unsubscribe</title></head><body>";
constexpr const char* kPageTail = "</body></html>";

void Page(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(std::string(kPageHead) + body + kPageTail, "text/html; charset=utf-8");
}

void BadLink(httplib::Response& res) {
  Page(res, 400, "<p>This unsubscribe link is not valid.</p>");
}

std::string TokenOf(const httplib::Request& req) {
  if (req.matches.size() > 1 && req.matches[1].matched) return req.matches[1].str();
  return req.get_param_value("token");
}

std::optional<email::UnsubscribeSubject> Verify(const email::EmailSettings& settings,
                                                const std::string& token) {
  if (token.empty()) return std::nullopt;
  for (const auto& key : email::UnsubscribeVerificationKeys(settings)) {
    if (auto s = email::VerifyUnsubscribeToken(key, token)) return s;
  }
  return std::nullopt;
}
}  // namespace

UnsubscribeServer::UnsubscribeServer(UnsubscribeServerOptions options)
    : options_(std::move(options)), path_(UnsubscribePath(options_.email.unsubscribe_base_url)) {
  auto server = std::make_unique<httplib::Server>();
  // As everywhere else, except that the page's own form may post back here.
  server->set_default_headers({
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Content-Security-Policy",
       "default-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
  });
  server->set_payload_max_length(4096);  // "List-Unsubscribe=One-Click" is all a client sends
  const std::string pattern =
      std::regex_replace(path_, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)");
  const std::string with_token = pattern + "/([A-Za-z0-9_.-]{1,2048})";

  auto confirm = [this](const httplib::Request& req, httplib::Response& res) {
    if (!Verify(options_.email, TokenOf(req))) return BadLink(res);
    // A GET changes nothing: link scanners and previews follow links.
    Page(res, 200,
         "<p>Unsubscribe from these emails?</p><form method=\"post\">"
         "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
         "<button type=\"submit\">Unsubscribe</button></form>");
  };
  auto unsubscribe = [this](const httplib::Request& req, httplib::Response& res) {
    auto subject = Verify(options_.email, TokenOf(req));
    if (!subject) return BadLink(res);
    auto out = email::ApplyUnsubscribe(pg::ThreadConnection(options_.database_url),
                                       options_.redis_url, options_.events.get(), *subject);
    log::Info("unsubscribe", {{"tenant_id", subject->tenant_id},
                              {"lead_id", subject->lead_id},
                              {"changed", out.changed ? "true" : "false"},
                              {"cancelled_sends", std::to_string(out.cancelled_sends)}});
    Page(res, 200, "<p>You have been unsubscribed. You will not receive these emails again.</p>");
  };
  server->Get(pattern, confirm);
  server->Get(with_token, confirm);
  server->Post(pattern, unsubscribe);
  server->Post(with_token, unsubscribe);
  server->set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = ExceptionMessage(ep);
        log::Error("unsubscribe request failed",
                   {{"path", req.path}, {"error", log::MaskSecrets(what)}});
        Page(res, 503, "<p>Something went wrong. Please try again in a few minutes.</p>");
      });
  listener_ = std::make_unique<Listener>(std::move(server), ParseListenAddress(options_.listen));
  log::Info("unsubscribe endpoint listening", {{"url", listener_->url() + path_}});
}

UnsubscribeServer::~UnsubscribeServer() { listener_->Stop(); }

}  // namespace postwork::http
