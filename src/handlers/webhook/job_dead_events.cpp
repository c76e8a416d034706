#include "handlers/webhook/job_dead_events.hpp"

#include "app/log.hpp"
#include "core/queues.hpp"
#include "pg/thread_connection.hpp"

namespace postwork::handlers::webhook {
namespace {
std::string TenantOf(const EventPublisher& events, const core::DeadLetter& d) {
  if (!d.tenant_id.empty()) return d.tenant_id;
  auto r = pg::ThreadConnection(events.options().database_url)
               .Exec("SELECT coalesce(tenant_id, '') FROM jobs WHERE id = $1", {d.id});
  return r.rows() == 0 ? "" : r.Get(0, 0);
}
}  // namespace

core::DeadLetterListener JobDeadPublisher(std::shared_ptr<const EventPublisher> events) {
  return [events = std::move(events)](const std::vector<core::DeadLetter>& dead) {
    for (const auto& d : dead) {
      if (d.queue.find("webhook") != std::string::npos) continue;
      // One job's failure to publish must not cost the others theirs.
      try {
        std::string tenant = TenantOf(*events, d);
        if (tenant.empty()) continue;
        events->Publish(tenant, kJobDead,
                        {{"job_id", d.id},
                         {"queue", d.queue},
                         {"error", d.error},
                         {"attempts", d.attempt_count}},
                        EventId(kJobDead, tenant, d.id + "\n" + std::to_string(d.token)));
      } catch (const std::exception& e) {
        log::Error("job.dead event not published", {{"job_id", d.id}, {"error", e.what()}});
      }
    }
  };
}

}  // namespace postwork::handlers::webhook
