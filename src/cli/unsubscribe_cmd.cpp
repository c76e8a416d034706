// `postwork unsubscribe-server`: the public one-click unsubscribe endpoint
// that email.unsubscribe_base_url points at, until Ctrl-C.
#include <condition_variable>
#include <iostream>
#include <mutex>

#include "app/handlers.hpp"
#include "cli/context.hpp"
#include "cli/signals.hpp"
#include "http/http_module.hpp"

namespace postwork::cli {

void AddUnsubscribe(CLI::App& app, Context& ctx, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "unsubscribe-server",
      "Serve the one-click unsubscribe links (RFC 8058) at the path of email.unsubscribe_base_url");
  auto listen = std::make_shared<std::string>("127.0.0.1:8090");
  cmd->add_option("--listen", *listen,
                  "HOST:PORT (default 127.0.0.1:8090; put a TLS proxy in front)");
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
    app::HandlerDeps deps{
        .database_url = cfg.database_url, .redis_url = cfg.redis_url, .config = &cfg};
    auto server = http::StartUnsubscribeServer({.listen = *listen,
                                                .database_url = cfg.database_url,
                                                .redis_url = cfg.redis_url,
                                                .email = cfg.email,
                                                .events = app::BuildEventPublisher(deps)});
    std::cout << "postwork unsubscribe-server on " << server->url()
              << http::UnsubscribePath(cfg.email.unsubscribe_base_url) << "\n"
              << std::flush;
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return stop; });
    exit_code = 0;
  });
}

}  // namespace postwork::cli
