#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/context.hpp"
#include "cli/progress.hpp"
#include "core/clock.hpp"
#include "postwork/client.hpp"
#include "postwork/error.hpp"

namespace postwork::cli {
namespace {
// "2026-11-28T10:00:00Z" (or with +hh:mm) -> epoch ms.
int64_t ParseIso8601(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) throw ConfigError("--at: '" + text + "' is not an ISO 8601 time (2026-01-31T09:00:00Z)");
  int64_t secs = timegm(&tm);
  std::string rest;
  in >> rest;
  if (!rest.empty() && rest[0] == '.') {
    size_t i = 1;
    while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) ++i;
    rest = rest.substr(i);
  }
  if (rest.empty() || rest == "Z") return secs * 1000;
  if ((rest[0] == '+' || rest[0] == '-') && rest.size() == 6 && rest[3] == ':') {
    int off = std::stoi(rest.substr(1, 2)) * 3600 + std::stoi(rest.substr(4, 2)) * 60;
    return (secs - (rest[0] == '+' ? off : -off)) * 1000;
  }
  throw ConfigError("--at: '" + text + "' has an unknown time zone suffix (use Z or +hh:mm)");
}
}  // namespace

void AddEnqueue(CLI::App& app, Context& ctx, int& exit_code) {
  auto* cmd = app.add_subcommand("enqueue", "Enqueue a job (prints its id) or a file of jobs");
  struct Flags {
    std::string queue, payload, key, tenant, at, file;
    std::optional<double> delay;
    int max_attempts = 0;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("queue", f->queue, "Queue, with or without the queue: prefix")->required();
  cmd->add_option("payload", f->payload, "Payload JSON");
  cmd->add_option("--max-attempts", f->max_attempts, "Attempts before dead-lettering")
      ->check(CLI::Range(1, 1000));
  auto* delay = cmd->add_option("--delay", f->delay, "Run after this many seconds")
                    ->check(CLI::Range(0.0, 1e9));
  cmd->add_option("--at", f->at, "Run at this ISO 8601 time")->excludes(delay);
  cmd->add_option("--key", f->key, "Idempotency key");
  cmd->add_option("--tenant", f->tenant, "Tenant id");
  cmd->add_option("--file", f->file, "Bulk: one payload JSON per line (ndjson)")
      ->check(CLI::ExistingFile);
  cmd->callback([&ctx, &exit_code, f] {
    auto cfg = ctx.Load();
    app::RequireRedis(cfg);
    app::RequireDatabase(cfg);
    if (f->file.empty() == f->payload.empty()) {
      throw ConfigError("enqueue: give either a PAYLOAD_JSON argument or --file, not both or neither");
    }
    EnqueueOptions opts{.max_attempts = f->max_attempts,
                        .idempotency_key = f->key,
                        .tenant_id = f->tenant};
    int64_t now = core::SystemClock::Instance().NowMs();
    if (f->delay) opts.run_at_ms = now + static_cast<int64_t>(*f->delay * 1000);
    if (!f->at.empty()) opts.run_at_ms = ParseIso8601(f->at);
    Client client(ClientOptions{.redis_url = cfg.redis_url,
                                .database_url = cfg.database_url,
                                .default_max_attempts = cfg.worker.default_max_attempts,
                                .max_attempts_by_queue = cfg.worker.max_attempts_by_queue,
                                .max_payload_bytes = cfg.max_payload_bytes});
    if (!f->payload.empty()) {
      auto payload = nlohmann::json::parse(f->payload, nullptr, false);
      if (payload.is_discarded()) throw ConfigError("enqueue: PAYLOAD_JSON is not valid JSON");
      std::cout << client.Enqueue(f->queue, payload, opts).id << "\n";
      exit_code = 0;
      return;
    }
    if (!f->key.empty()) throw ConfigError("enqueue: --key applies to one job, not to --file");
    std::ifstream in(f->file);
    std::vector<nlohmann::json> payloads;
    size_t line_no = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto p = nlohmann::json::parse(line, nullptr, false);
      if (p.is_discarded()) {
        throw ConfigError("enqueue: " + f->file + " line " + std::to_string(line_no) +
                          " is not valid JSON; nothing was enqueued");
      }
      payloads.push_back(std::move(p));
    }
    Progress progress("enqueue", payloads.size());
    size_t done = 0;
    for (size_t start = 0; start < payloads.size(); start += 1000) {
      std::vector<nlohmann::json> chunk(
          payloads.begin() + static_cast<long>(start),
          payloads.begin() + static_cast<long>(std::min(payloads.size(), start + 1000)));
      done += client.EnqueueMany(f->queue, chunk, opts).size();
      progress.Update(done);
    }
    progress.Finish();
    std::cout << "enqueued " << done << " jobs on " << f->queue << "\n";
    exit_code = 0;
  });
}

}  // namespace postwork::cli
