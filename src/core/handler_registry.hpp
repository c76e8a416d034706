#pragma once
#include <map>
#include <optional>
#include <string>

#include "core/types.hpp"
#include "postwork/handler.hpp"

namespace postwork::core {

// Which handler runs a queue: an exact queue name first, then the seed's
// executeJobLogic rule (queueName.includes('email-sending') ...).
class HandlerRegistry {
 public:
  void Register(const std::string& kind_or_queue, Handler handler);
  // nullopt: no handler -> "Unknown queue type: <queue>" (permanent).
  const Handler* Find(const std::string& queue) const;
  // Who hears about dead letters (e.g. the job.dead webhook event); optional.
  void OnDeadLetter(DeadLetterListener listener) { dead_letter_ = std::move(listener); }
  const DeadLetterListener& dead_letter_listener() const { return dead_letter_; }

 private:
  std::map<std::string, Handler> handlers_;
  DeadLetterListener dead_letter_;
};

// The seed's dispatch: "email:processing", "email-sending", "warmup", "bounce",
// "analytics", "webhook", plus "diagnostic"; "" when none matches.
std::string SeedKindOf(const std::string& queue);

}  // namespace postwork::core
