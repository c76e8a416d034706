// `postwork dashboard`: the web dashboard and its JSON API, until Ctrl-C.
#include <condition_variable>
#include <iostream>
#include <mutex>

#include "cli/context.hpp"
#include "cli/signals.hpp"
#include "http/http_module.hpp"

namespace postwork::cli {

void AddDashboard(CLI::App& app, Context& ctx, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "dashboard", "Serve the web dashboard and its JSON API (token: POSTWORK_DASHBOARD_TOKEN)");
  auto listen = std::make_shared<std::optional<std::string>>();
  cmd->add_option("--listen", *listen,
                  "HOST:PORT (default 127.0.0.1:8080; a non-loopback address needs the token)");
  cmd->callback([&ctx, &exit_code, listen] {
    auto cfg = ctx.Load();
    app::RequireRedis(cfg);
    app::RequireDatabase(cfg);
    std::mutex mu;
    std::condition_variable cv;
    bool stop = false;
    SignalWatcher signals([&](int) {
      std::lock_guard lock(mu);
      stop = true;
      cv.notify_all();
    });
    auto server = http::StartDashboard({.listen = listen->value_or(cfg.dashboard_listen),
                                        .token = cfg.dashboard_token,
                                        .redis_url = cfg.redis_url,
                                        .database_url = cfg.database_url});
    std::cout << "postwork dashboard on " << server->url() << "/"
              << (cfg.dashboard_token.empty()
                      ? "  (read-only: set POSTWORK_DASHBOARD_TOKEN to allow retry/cancel/delete)"
                      : "")
              << "\n"
              << std::flush;
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return stop; });
    exit_code = 0;
  });
}

}  // namespace postwork::cli
