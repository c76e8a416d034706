// `postwork top`: a live terminal view of queues, workers and rates,
// redrawn every second; q (or Ctrl-C) quits.
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <sstream>

#include "cli/context.hpp"
#include "cli/signals.hpp"
#include "core/clock.hpp"
#include "core/queue_overview.hpp"
#include "postwork/error.hpp"

namespace postwork::cli {
namespace {

// Raw keyboard input and the alternate screen while the view runs; the
// terminal is put back however the command ends.
class TerminalSession {
 public:
  TerminalSession() {
    interactive_ = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
    if (!interactive_) return;
    ::tcgetattr(STDIN_FILENO, &saved_);
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    ::tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    std::fputs("\x1b[?1049h\x1b[?25l", stdout);  // alternate screen, hide cursor
    std::fflush(stdout);
  }
  ~TerminalSession() {
    if (!interactive_) return;
    std::fputs("\x1b[?25h\x1b[?1049l", stdout);
    std::fflush(stdout);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  TerminalSession(const TerminalSession&) = delete;
  TerminalSession& operator=(const TerminalSession&) = delete;

  bool interactive() const { return interactive_; }
  int rows() const {
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) return ws.ws_row;
    return 50;
  }
  // Waits up to `ms` for a key; true when it was q or Q.
  bool WaitForQuit(int ms) {
    if (!interactive_) {
      ::usleep(static_cast<useconds_t>(ms) * 1000);
      return false;
    }
    pollfd p{.fd = STDIN_FILENO, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, ms) <= 0) return false;
    char c = 0;
    while (::read(STDIN_FILENO, &c, 1) == 1) {
      if (c == 'q' || c == 'Q') return true;
    }
    return false;
  }

 private:
  bool interactive_ = false;
  termios saved_{};
};

std::string Clock(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string Age(double s) {
  char buf[32];
  if (s <= 0) return "-";
  if (s < 120) {
    std::snprintf(buf, sizeof(buf), "%.1fs", s);
  } else if (s < 7200) {
    std::snprintf(buf, sizeof(buf), "%.0fm", s / 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1fh", s / 3600);
  }
  return buf;
}

double Rate(const std::vector<int64_t>& per_second) {
  // The current second is still filling up: average the complete ones.
  if (per_second.size() < 2) return 0;
  int64_t sum = 0;
  for (size_t i = 0; i + 1 < per_second.size(); ++i) sum += per_second[i];
  return static_cast<double>(sum) / static_cast<double>(per_second.size() - 1);
}

std::string Frame(redis::Broker& broker, pg::OperatorStore& store, int max_rows) {
  int64_t now = core::SystemClock::Instance().NowMs();
  std::vector<nlohmann::json> workers;
  std::vector<std::string> worker_queues;
  for (const auto& w : broker.ListWorkers(now, 60000)) {
    auto h = nlohmann::json::parse(w.health_json, nullptr, false);
    if (!h.is_object()) continue;
    if (h.contains("queues") && h["queues"].is_array()) {
      for (const auto& q : h["queues"]) {
        if (q.is_string()) worker_queues.push_back(q.get<std::string>());
      }
    }
    workers.push_back(std::move(h));
  }
  auto o = core::ReadOverview(broker, &store, worker_queues, now);
  auto recent = core::ReadThroughput(broker, "11s", "", now);

  std::ostringstream out;
  char line[256];
  out << "postwork top   " << Clock(now) << "   (q quits)\n";
  std::snprintf(line, sizeof(line),
                "rate (10 s): %.1f processed/s  %.1f failed/s   last minute: %lld processed, "
                "%lld failed   last hour: %lld processed, %lld failed\n",
                Rate(recent.processed), Rate(recent.failed), static_cast<long long>(o.processed_1m),
                static_cast<long long>(o.failed_1m), static_cast<long long>(o.processed_1h),
                static_cast<long long>(o.failed_1h));
  out << line;
  std::snprintf(line, sizeof(line),
                "jobs: %lld ready  %lld scheduled  %lld in flight  %lld dead   workers: %zu\n",
                static_cast<long long>(o.ready), static_cast<long long>(o.scheduled),
                static_cast<long long>(o.in_flight), static_cast<long long>(o.dead),
                workers.size());
  out << line;
  if (!o.postgres_error.empty()) out << "PostgreSQL: " << o.postgres_error << "\n";
  out << "\n";
  std::snprintf(line, sizeof(line), "%-32s %8s %9s %8s %7s %8s %8s %8s\n", "QUEUE", "READY",
                "SCHEDULED", "RUNNING", "DEAD", "DONE/1M", "FAIL/1M", "OLDEST");
  out << line;
  int used = 6;
  int budget = std::max(3, max_rows - 8 - static_cast<int>(workers.size()));
  for (const auto& q : o.queues) {
    if (used - 6 >= budget) {
      out << "  ... (" << o.queues.size() - static_cast<size_t>(used - 6) << " more)\n";
      break;
    }
    std::snprintf(line, sizeof(line), "%-32s %8lld %9lld %8lld %7lld %8lld %8lld %8s\n",
                  q.queue.c_str(), static_cast<long long>(q.ready),
                  static_cast<long long>(q.scheduled), static_cast<long long>(q.in_flight),
                  static_cast<long long>(q.dead), static_cast<long long>(q.processed_1m),
                  static_cast<long long>(q.failed_1m), Age(q.oldest_ready_age_s).c_str());
    out << line;
    ++used;
  }
  out << "\n";
  std::snprintf(line, sizeof(line), "%-44s %-9s %10s %8s %8s %8s %9s\n", "WORKER", "STATUS",
                "PROCESSED", "FAILED", "AVG_MS", "RSS_MB", "UPTIME");
  out << line;
  for (const auto& w : workers) {
    double rss = 0;
    if (w.contains("memory_usage") && w["memory_usage"].is_object()) {
      rss = w["memory_usage"].value("rss_bytes", 0.0) / (1024.0 * 1024.0);
    }
    std::snprintf(
        line, sizeof(line), "%-44.44s %-9.9s %10lld %8lld %8.1f %8.1f %9s\n",
        w.value("worker_id", std::string("?")).c_str(), w.value("status", std::string("?")).c_str(),
        static_cast<long long>(w.value("jobs_processed", int64_t{0})),
        static_cast<long long>(w.value("jobs_failed", int64_t{0})),
        w.value("average_processing_time", 0.0), rss, Age(w.value("uptime", 0.0)).c_str());
    out << line;
  }
  if (workers.empty()) out << "(no live workers)\n";
  return out.str();
}

}  // namespace

void AddTop(CLI::App& app, Context& ctx, int& exit_code) {
  auto* cmd = app.add_subcommand("top", "Live view of queues, workers and rates (q quits)");
  auto iterations = std::make_shared<int>(0);
  cmd->add_option("--iterations", *iterations,
                  "Draw this many frames, then exit (0 = until q; for scripts)")
      ->check(CLI::Range(0, 1000000));
  cmd->callback([&ctx, &exit_code, iterations] {
    auto cfg = ctx.Load();
    app::RequireRedis(cfg);
    app::RequireDatabase(cfg);
    std::atomic<bool> stop{false};
    SignalWatcher signals([&stop](int) { stop = true; });
    redis::Broker broker(redis::ParseRedisUrl(cfg.redis_url));
    pg::OperatorStore store(cfg.database_url);
    TerminalSession term;
    for (int frame = 1; !stop; ++frame) {
      std::string text;
      try {
        text = Frame(broker, store, term.rows());
      } catch (const UnavailableError& e) {
        text = std::string("postwork top: ") + e.what() + "\n(retrying every second; q quits)\n";
      }
      if (term.interactive()) {
        std::string screen = "\x1b[H\x1b[2J" + text;
        std::fwrite(screen.data(), 1, screen.size(), stdout);
      } else {
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fputs("\n", stdout);
      }
      std::fflush(stdout);
      if (*iterations > 0 && frame >= *iterations) break;
      if (term.WaitForQuit(1000)) break;
    }
    exit_code = 0;
  });
}

}  // namespace postwork::cli
