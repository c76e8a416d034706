// `postwork dev`: private Redis + PostgreSQL under .postwork/, migrated, and a
// worker, in one command. `postwork services -- CMD`: the same servers in a
// temporary folder around one command (used by `make test`).
#include <openssl/rand.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>

#include "app/handlers.hpp"
#include "app/log.hpp"
#include "cli/context.hpp"
#include "cli/demo_daily_stats.hpp"
#include "cli/email_demo.hpp"
#include "cli/signals.hpp"
#include "core/worker.hpp"
#include "devenv/dovecot_server.hpp"
#include "devenv/servers.hpp"
#include "http/http_module.hpp"
#include "mail/secret_box.hpp"
#include "pg/migrator.hpp"
#include "postwork/client.hpp"
#include "postwork/error.hpp"

namespace postwork::cli {
namespace fs = std::filesystem;
namespace {
std::string RandomToken() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1)
    throw std::runtime_error("no random bytes for a token");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// The demo's mail servers: an SMTP sink delivering each recipient's copy into
// <root>/mail/<address>/, and dovecot serving the demo's mailboxes from there
// with passwords made for this run. Without dovecot (package dovecot-imapd)
// the demo runs without its warmup part.
class DemoMailServers {
 public:
  explicit DemoMailServers(const fs::path& root) {
    std::vector<devenv::DovecotUser> users;
    for (const DemoMailbox& box : EmailDemo::kMailboxes) {
      users.push_back({.address = box.address, .password = RandomToken()});
    }
    try {
      // First: it gives the mail root to the user it runs as, and the sink's
      // deliveries take the owner of the root.
      imap_.emplace(devenv::DovecotServerOptions{
          .dir = root / "imap", .mail_root = root / "mail", .users = users});
      imap_->DeliverToJunk(EmailDemo::kJunkMailbox);
      imap_->Start();
      for (const auto& u : users) passwords_[u.address] = u.password;
    } catch (const std::exception& e) {
      log::Warn(std::string("no IMAP server for the demo, so no warmup: ") + e.what());
      imap_.reset();
    }
    sink_.emplace(devenv::SmtpSinkOptions{
        .maildir = root / "mail", .delivery = devenv::SmtpSinkOptions::Delivery::kPerRecipient});
    sink_->Start();
  }
  ~DemoMailServers() { Stop(); }
  void Stop() {
    if (sink_) sink_->Stop();
    if (imap_) imap_->Stop();
  }
  const devenv::SmtpSinkServer& sink() const { return *sink_; }
  std::optional<DemoImap> imap() const {
    if (!imap_) return std::nullopt;
    return DemoImap{.port = imap_->port(), .passwords = passwords_};
  }
  std::string Describe() const {
    std::string text = "  SMTP sink   127.0.0.1:" + std::to_string(sink_->port()) +
                       "   (messages: " + (sink_->maildir() / "<recipient>" / "new").string() +
                       ")\n";
    if (imap_) {
      text += "  IMAP        127.0.0.1:" + std::to_string(imap_->port()) +
              "   (dovecot: the demo mailboxes; " + EmailDemo::kJunkMailbox +
              " gets its mail in Junk)\n";
    }
    return text;
  }

 private:
  std::optional<devenv::DovecotServer> imap_;
  std::optional<devenv::SmtpSinkServer> sink_;
  std::map<std::string, std::string> passwords_;
};

// The configured address, or a free port on the same host when it is taken.
std::unique_ptr<http::RunningServer> StartDashboardOrFreePort(http::DashboardOptions options) {
  try {
    return http::StartDashboard(options);
  } catch (const ConfigError& e) {
    auto address = http::ParseListenAddress(options.listen);
    if (address.port == 0) throw;
    log::Warn(std::string(e.what()) + "; using a free port instead");
    options.listen = address.host + ":0";
    return http::StartDashboard(options);
  }
}
}  // namespace

void AddDev(CLI::App& app, Context& ctx, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "dev", "Start private Redis + PostgreSQL (data in .postwork/), migrate, run a worker");
  auto dir = std::make_shared<std::string>(".postwork");
  auto concurrency = std::make_shared<int>(10);
  auto http_listen = std::make_shared<std::string>("127.0.0.1:0");
  auto dashboard_listen = std::make_shared<std::optional<std::string>>();
  auto no_demo = std::make_shared<bool>(false);
  cmd->add_option("--dir", *dir, "Where the servers keep their data");
  cmd->add_option("--concurrency", *concurrency)->check(CLI::Range(1, 10000));
  cmd->add_option("--http", *http_listen,
                  "The worker's /health, /ready, /metrics (default a free loopback port)");
  cmd->add_option("--dashboard", *dashboard_listen,
                  "The dashboard's HOST:PORT (default 127.0.0.1:8080, or a free port if taken)");
  cmd->add_flag(
      "--no-demo", *no_demo,
      "Do not seed the demo tenant, start its SMTP and IMAP servers or enqueue demo jobs");
  cmd->callback([&ctx, &exit_code, dir, concurrency, http_listen, dashboard_listen, no_demo] {
    auto cfg = ctx.Load();
    fs::path root = fs::absolute(*dir);
    fs::create_directories(root);
    fs::permissions(root, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
    devenv::RedisServer redis({.dir = root / "redis", .append_only = true});
    devenv::PostgresServer postgres({.data_dir = root / "pg" / "data"});
    fs::create_directories(root / "pg");
    redis.Start();
    postgres.Start();
    // The demo's mailboxes send to a private SMTP sink, never to the world.
    std::optional<DemoMailServers> mail;
    if (!*no_demo) mail.emplace(root);
    // Account passwords need a key: without POSTWORK_SECRET_KEY, dev keeps one
    // in its folder (created once, mode 0600).
    const char* env_key = std::getenv("POSTWORK_SECRET_KEY");
    if (!(env_key && *env_key)) {
      if (cfg.email.secret_key_file == handlers::email::EmailSettings{}.secret_key_file) {
        cfg.email.secret_key_file = (root / "secret.key").string();
      }
      if (mail::CreateKeyFileIfMissing(cfg.email.secret_key_file)) {
        log::Info("created the secret key file " + cfg.email.secret_key_file);
      }
    }
    cfg.worker.redis_url = redis.url();
    cfg.worker.database_url = postgres.url();
    {
      pg::Connection conn(postgres.url());
      for (const auto& name : pg::Migrator(conn).Up()) log::Info("applied migration " + name);
    }
    auto queues = core::DefaultQueues();
    queues.push_back(std::string(core::kDiagnosticQueue));
    cfg.worker.queues = queues;
    cfg.worker.concurrency = *concurrency;
    app::AddBuiltinCron(cfg.worker.cron);
    // The demo's webhook receiver listens on loopback, which the SSRF guard
    // refuses unless allowed; dev allows 127.0.0.1 only.
    if (!*no_demo) cfg.webhook.allowlist.push_back("127.0.0.1");
    auto handlers = app::BuildHandlers(
        {.database_url = postgres.url(), .redis_url = redis.url(), .config = &cfg});
    core::Worker worker(cfg.worker, handlers);
    // Signals are taken by a watcher thread; threads started after it (the
    // HTTP servers') inherit the blocked mask.
    SignalWatcher signals([&worker](int) { worker.RequestStop(); });
    auto endpoints = http::StartWorkerServer({.listen = *http_listen,
                                              .redis_url = redis.url(),
                                              .database_url = postgres.url(),
                                              .queues = queues,
                                              .scaling = cfg.scaling},
                                             worker);
    bool generated_token = cfg.dashboard_token.empty();
    std::string token = generated_token ? RandomToken() : cfg.dashboard_token;
    auto dashboard =
        StartDashboardOrFreePort({.listen = dashboard_listen->value_or(cfg.dashboard_listen),
                                  .token = token,
                                  .redis_url = redis.url(),
                                  .database_url = postgres.url()});
    std::cout << "\npostwork dev is running (Ctrl-C stops everything)\n"
              << "  Redis       " << redis.url() << "   (data: " << (root / "redis").string()
              << ")\n"
              << "  PostgreSQL  " << postgres.url()
              << "   (data: " << (root / "pg" / "data").string() << ")\n"
              << "  worker      " << worker.id() << " on " << queues.size() << " queues\n"
              << "  endpoints   " << endpoints->url() << "/health  /ready  /metrics\n"
              << "  dashboard   " << dashboard->url() << "/"
              << (generated_token ? "   (token for actions: " + token + ")" : "") << "\n"
              << (mail ? mail->Describe() : std::string()) << "\n"
              << "In another terminal:\n"
              << "  export POSTWORK_REDIS_URL=" << redis.url() << "\n"
              << "  export POSTWORK_DATABASE_URL=" << postgres.url() << "\n"
              << "  build/postwork enqueue diagnostic '{\"sleep_ms\": 50}'\n"
              << "  build/postwork stats; build/postwork workers; build/postwork top\n\n"
              << std::flush;
    std::optional<EmailDemo> email_demo;
    std::unique_ptr<http::DemoWebhookSink> receiver;
    if (!*no_demo) {
      Client client(ClientOptions{.redis_url = redis.url(), .database_url = postgres.url()});
      std::vector<nlohmann::json> demo(20, nlohmann::json{{"sleep_ms", 20}});
      demo.push_back({{"fail_attempts", 1}});
      demo.push_back({{"fail_attempts", 1}, {"permanent", true}});
      client.EnqueueMany("diagnostic", demo);
      log::Info("enqueued 22 demo jobs on queue:diagnostic (one retries once, one dead-letters)");
      email_demo.emplace(EmailDemoOptions{
          .database_url = postgres.url(),
          .redis_url = redis.url(),
          .smtp_port = mail->sink().port(),
          .maildir = mail->sink().maildir().string(),
          .settings = cfg.email,
          .imap = mail->imap(),
          .final_report = [&](const std::function<bool()>& stopping) {
            std::vector<std::string> lines = {"webhooks received at " + receiver->url() + ": " +
                                              receiver->Summary()};
            for (auto& l :
                 RunDemoDailyStats(postgres.url(), redis.url(), EmailDemo::kTenant, 60, stopping)) {
              lines.push_back("daily stats " + l);
            }
            return lines;
          }});
      email_demo->Start();  // seeds tenant demo; the worker runs nothing before Run()
      receiver = http::StartDemoWebhookSink(postgres.url(), EmailDemo::kTenant, cfg.email);
      log::Info("webhook receiver for tenant demo listening at " + receiver->url() +
                " (every event type, signatures checked)");
    }
    worker.Run();
    email_demo.reset();
    receiver.reset();
    dashboard.reset();
    log::Info("stopping PostgreSQL and Redis");
    if (mail) mail->Stop();
    postgres.Stop();
    redis.Stop();
    exit_code = 0;
  });
}

void AddServices(CLI::App& app, Context&, int& exit_code) {
  auto* cmd =
      app.add_subcommand("services",
                         "Run CMD with private Redis + PostgreSQL (POSTWORK_TEST_REDIS_URL, "
                         "POSTWORK_TEST_DATABASE_URL set), then stop them");
  auto argv = std::make_shared<std::vector<std::string>>();
  cmd->add_option("command", *argv, "The command, after --")->required();
  cmd->callback([&exit_code, argv] {
    char tmpl[] = "/tmp/postwork-services-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    fs::path root = tmpl;
    // PostgreSQL runs as an unprivileged user when we are root: let it in.
    ::chmod(root.c_str(), 0755);
    int code = 1;
    {
      devenv::RedisServer redis({.dir = root / "redis"});
      devenv::PostgresServer postgres({.data_dir = root / "pg" / "data", .fsync = false});
      fs::create_directories(root / "pg");
      ::chmod((root / "pg").c_str(), 0755);
      redis.Start();
      postgres.Start();
      ::setenv("POSTWORK_TEST_REDIS_URL", redis.url().c_str(), 1);
      ::setenv("POSTWORK_TEST_DATABASE_URL", postgres.url().c_str(), 1);
      ::setenv("POSTWORK_TEST_PG_ADMIN_URL", postgres.url("postgres").c_str(), 1);
      std::cerr << "postwork services: Redis " << redis.url() << ", PostgreSQL " << postgres.url()
                << "\n";
      std::atomic<pid_t> child{0};
      // Ctrl-C / SIGTERM go to the command; the servers stop after it exits.
      SignalWatcher signals([&child](int sig) {
        if (child > 0) ::kill(child, sig);
      });
      pid_t pid = ::fork();
      if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
        std::vector<char*> args;
        for (auto& a : *argv) args.push_back(a.data());
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        std::perror("postwork services: exec");
        ::_exit(127);
      }
      child = pid;
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::error_code ec;
    fs::remove_all(root, ec);
    exit_code = code;
  });
}

}  // namespace postwork::cli
