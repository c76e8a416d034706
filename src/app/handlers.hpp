#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/cron.hpp"
#include "core/handler_registry.hpp"
#include "handlers/webhook/event_publisher.hpp"

namespace postwork::app {

struct Config;

// What handlers may use: the servers (a handler opens its per-slot connection
// with pg::ThreadConnection(database_url)) and the whole configuration.
struct HandlerDeps {
  std::string database_url;
  std::string redis_url;
  const Config* config = nullptr;
};

// The composition root for handlers: every queue kind and what runs it.
// Every handler that publishes webhook events shares one EventPublisher; the
// engine's dead-letter listener publishes job.dead through it too.
core::HandlerRegistry BuildHandlers(const HandlerDeps& deps);
// The publisher BuildHandlers wires (for code outside a job: HTTP endpoints).
std::shared_ptr<const handlers::webhook::EventPublisher> BuildEventPublisher(const HandlerDeps& deps);

// The recurring jobs handlers need, added to `cron` unless an entry of the same
// name is configured ([[cron]] with that name replaces the schedule):
//   warmup-planner  "10 0 * * *"  queue:warmup:process {"plan": true}
// POSTWORK_WARMUP_PLANNER_CRON=<expr> changes its schedule; "off" drops it.
void AddBuiltinCron(std::vector<core::CronEntry>& cron);

}  // namespace postwork::app
