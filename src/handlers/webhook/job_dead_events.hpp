#pragma once
// job.dead: the engine's dead-letter listener that publishes one event per
// dead-lettered job that acts for a tenant. Jobs of the webhook queue itself
// never produce one (a dead delivery would otherwise publish an event whose
// delivery could die in turn).
#include <memory>

#include "core/types.hpp"
#include "handlers/webhook/event_publisher.hpp"

namespace postwork::handlers::webhook {

core::DeadLetterListener JobDeadPublisher(std::shared_ptr<const EventPublisher> events);

}  // namespace postwork::handlers::webhook
