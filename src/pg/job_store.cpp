#include "pg/job_store.hpp"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "core/json_parse.hpp"
#include "pg/array_literal.hpp"
#include "pg/job_queries.hpp"

namespace postwork::pg {
namespace {
std::string Dump(const nlohmann::json& j) {
  return core::DumpJson(j, nlohmann::json::error_handler_t::replace);
}

std::string_view PgStatusFor(core::FinishRecord::Kind kind) {
  using Kind = core::FinishRecord::Kind;
  switch (kind) {
    case Kind::kCompleted:
      return "completed";
    case Kind::kRetry:
      return "retry_scheduled";
    case Kind::kReschedule:
    case Kind::kRequeue:
      return "queued";
    case Kind::kFailed:
      return "failed";
    case Kind::kCancelled:
      return "cancelled";
    case Kind::kSkip:
      return "";
  }
  return "";
}

StoredJob RowToJob(const Result& r, int i) {
  StoredJob j;
  j.id = r.Get(i, 0);
  j.queue = r.Get(i, 1);
  j.status = r.Get(i, 2);
  j.payload = nlohmann::json::parse(r.Get(i, 3), nullptr, false);
  j.attempt_count = static_cast<int>(r.GetInt(i, 4));
  j.max_attempts = static_cast<int>(r.GetInt(i, 5));
  j.worker_id = r.GetOptional(i, 6).value_or("");
  j.tenant_id = r.GetOptional(i, 7).value_or("");
  j.idempotency_key = r.GetOptional(i, 8).value_or("");
  j.last_error = r.GetOptional(i, 9).value_or("");
  if (auto res = r.GetOptional(i, 10)) j.result = nlohmann::json::parse(*res, nullptr, false);
  j.created_at = r.GetOptional(i, 11).value_or("");
  j.updated_at = r.GetOptional(i, 12).value_or("");
  j.started_at = r.GetOptional(i, 13).value_or("");
  j.completed_at = r.GetOptional(i, 14).value_or("");
  j.run_at = r.GetOptional(i, 15).value_or("");
  j.run_at_ms = r.GetInt(i, 16);
  j.lease_token = r.GetInt(i, 17);
  return j;
}

std::vector<StoredJob> RowsToJobs(const Result& r) {
  std::vector<StoredJob> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(RowToJob(r, i));
  return out;
}
}  // namespace

JobStore::JobStore(std::string url) : conn_(std::move(url)) {}

std::optional<std::vector<EnqueueOutcome>> JobStore::CopyFresh(
    const std::vector<core::NewJob>& jobs) {
  // One run_at for the batch (a client batch shares its options): either
  // every row takes the default now(), or every row gets its own time.
  const bool delayed = jobs.front().run_at_ms > 0;
  for (const auto& j : jobs) {
    if ((j.run_at_ms > 0) != delayed) return std::nullopt;
  }
  CopyRows rows;
  for (const auto& j : jobs) {
    rows.Add(j.id).Add(j.queue).Add(std::string_view("queued"));
    rows.Add(JsonbText(j.payload_json.empty() ? Dump(j.payload) : j.payload_json));
    rows.Add(int64_t{j.max_attempts});
    if (delayed) rows.Add(TimestampText(j.run_at_ms));
    rows.AddOrNull(j.tenant_id).EndRow();
  }
  try {
    conn_.CopyIn(delayed ? queries::kCopyFreshJobsAt : queries::kCopyFreshJobs, rows.text());
  } catch (const SqlError& e) {
    if (e.sqlstate() == "23505") return std::nullopt;  // a made-up id exists after all
    throw;
  }
  std::vector<EnqueueOutcome> out;
  out.reserve(jobs.size());
  for (const auto& j : jobs) out.push_back({j.id, true});
  return out;
}

std::vector<EnqueueOutcome> JobStore::Insert(const std::vector<core::NewJob>& jobs) {
  if (jobs.empty()) return {};
  // Ids the client made up, without idempotency keys, cannot conflict. A
  // batch of them skips the speculative insertion ON CONFLICT needs (a fifth
  // of PostgreSQL's CPU per enqueued job); a large one is loaded with COPY,
  // which also skips the array parsing of INSERT ... unnest() (COPY costs a
  // second round trip, so a few jobs take the prepared INSERT). Should a
  // made-up id conflict after all, the batch runs again with ON CONFLICT DO
  // NOTHING; the client runs this alone, outside any transaction.
  bool fresh = std::all_of(jobs.begin(), jobs.end(), [](const core::NewJob& j) {
    return j.generated_id && j.idempotency_key.empty();
  });
  if (fresh && jobs.size() >= kCopyMinJobs) {
    if (auto copied = CopyFresh(jobs)) return *std::move(copied);
  }
  Params params;
  const char* insert = queries::kInsertJobs;
  const char* insert_fresh = queries::kInsertFreshJobs;
  if (jobs.size() == 1) {
    const core::NewJob& j = jobs.front();
    auto null_if_empty = [](const std::string& v) -> std::optional<std::string> {
      if (v.empty()) return std::nullopt;
      return v;
    };
    params = {j.id,
              j.queue,
              JsonbText(j.payload_json.empty() ? Dump(j.payload) : j.payload_json),
              std::to_string(j.max_attempts),
              std::to_string(j.run_at_ms),
              null_if_empty(j.tenant_id),
              null_if_empty(j.idempotency_key)};
    insert = queries::kInsertJob;
    insert_fresh = queries::kInsertFreshJob;
  } else {
    ArrayLiteral ids, queues, payloads, max_attempts, run_at, tenants, keys_col;
    for (const auto& j : jobs) {
      ids.Add(j.id);
      queues.Add(j.queue);
      payloads.Add(JsonbText(j.payload_json.empty() ? Dump(j.payload) : j.payload_json));
      max_attempts.Add(int64_t{j.max_attempts});
      run_at.Add(j.run_at_ms);
      tenants.AddOrNull(j.tenant_id);
      keys_col.AddOrNull(j.idempotency_key);
    }
    params = {ids.Take(),    queues.Take(),  payloads.Take(), max_attempts.Take(),
              run_at.Take(), tenants.Take(), keys_col.Take()};
  }
  // A caller's own id (cron ticks, checks) or an idempotency key may exist
  // already: ON CONFLICT DO NOTHING, and the RETURNING says which rows are new.
  Result r;
  try {
    r = conn_.Exec(fresh ? insert_fresh : insert, params);
  } catch (const SqlError& e) {
    if (!fresh || e.sqlstate() != "23505") throw;
    r = conn_.Exec(insert, params);
  }
  std::set<std::string> created;
  for (int i = 0; i < r.rows(); ++i) created.insert(r.Get(i, 0));
  std::vector<std::string> keys;
  for (const auto& j : jobs) {
    if (!created.count(j.id) && !j.idempotency_key.empty()) keys.push_back(j.idempotency_key);
  }
  std::map<std::string, std::string> by_key;
  if (!keys.empty()) {
    Result k = conn_.Exec(queries::kLiveIdsByKey, {Dump(keys)});
    for (int i = 0; i < k.rows(); ++i) by_key[k.Get(i, 0)] = k.Get(i, 1);
  }
  std::vector<EnqueueOutcome> out;
  for (const auto& j : jobs) {
    if (created.count(j.id)) {
      out.push_back({j.id, true});
    } else if (auto it = by_key.find(j.idempotency_key);
               !j.idempotency_key.empty() && it != by_key.end()) {
      out.push_back({it->second, false});
    } else {
      out.push_back({j.id, false});
    }
  }
  return out;
}

std::vector<std::string> JobStore::MarkRunning(const std::vector<core::LeasedJob>& jobs,
                                               const std::string& worker_id) {
  if (jobs.empty()) return {};
  ArrayLiteral ids, queues, payloads, attempt_counts, max_attempts, tokens, started, tenants;
  for (const auto& j : jobs) {
    ids.Add(j.id);
    queues.Add(j.queue);
    if (!j.malformed_reason.empty()) {
      payloads.Add(JsonbText(Dump(nlohmann::json{{"raw", nlohmann::json(j.raw)}})));
    } else if (j.envelope.recorded) {
      payloads.AddNull();  // the row holds it (written before the push)
    } else {
      payloads.Add(JsonbText(Dump(j.envelope.payload)));
    }
    attempt_counts.Add(int64_t{j.envelope.attempt_count});
    max_attempts.Add(int64_t{j.envelope.max_attempts});
    tokens.Add(j.token);
    started.Add(j.fetched_at_ms);
    tenants.AddOrNull(j.envelope.tenant_id);
  }
  Result r =
      conn_.Exec(queries::kMarkRunning,
                 {ids.Take(), queues.Take(), payloads.Take(), attempt_counts.Take(),
                  max_attempts.Take(), tokens.Take(), started.Take(), tenants.Take(), worker_id});
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.Get(i, 0));
  return out;
}

std::vector<std::string> JobStore::ApplyFinishes(const std::vector<core::FinishRecord>& records) {
  std::vector<const core::FinishRecord*> refs;
  refs.reserve(records.size());
  for (const auto& r : records) refs.push_back(&r);
  return ApplyFinishes(refs);
}

std::vector<std::string> JobStore::ApplyFinishes(
    const std::vector<const core::FinishRecord*>& records) {
  // Completions first, with the narrow statement; the rest, and completions
  // it did not apply (no row yet, or fenced), with the general upsert. Each
  // statement is atomic on its own: a batch that fails between the two is
  // written again, and a completion the first statement already applied
  // then shows as completed under its own lease (the completer counts it as
  // applied, see Completer::WritePostgres).
  std::vector<const core::FinishRecord*> completions, rest;
  for (const core::FinishRecord* f : records) {
    if (f->kind == core::FinishRecord::Kind::kCompleted &&
        (completions.empty() || f->worker_id == completions.front()->worker_id)) {
      completions.push_back(f);
    } else {
      rest.push_back(f);
    }
  }
  std::vector<std::string> applied = CompleteJobs(completions);
  if (applied.size() < completions.size()) {
    std::unordered_set<std::string_view> done(applied.begin(), applied.end());
    for (const core::FinishRecord* f : completions) {
      if (!done.count(f->id)) rest.push_back(f);
    }
  }
  if (rest.empty()) return applied;
  auto more = Upsert(rest);
  applied.insert(applied.end(), std::make_move_iterator(more.begin()),
                 std::make_move_iterator(more.end()));
  return applied;
}

std::vector<std::string> JobStore::CompleteJobs(
    const std::vector<const core::FinishRecord*>& records) {
  if (records.empty()) return {};
  ArrayLiteral ids, tokens, results, attempt_counts, started, finished;
  for (const core::FinishRecord* f : records) {
    ids.Add(f->id);
    tokens.Add(f->token);
    if (f->result.is_null()) {
      results.AddNull();
    } else {
      results.Add(JsonbText(Dump(f->result)));
    }
    attempt_counts.Add(int64_t{f->attempt_count});
    started.Add(f->started_ms);
    finished.Add(f->finished_ms);
  }
  Result r = conn_.Exec(queries::kCompleteJobs,
                        {ids.Take(), tokens.Take(), results.Take(), attempt_counts.Take(),
                         started.Take(), finished.Take(), records.front()->worker_id});
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.Get(i, 0));
  return out;
}

std::vector<std::string> JobStore::Upsert(const std::vector<const core::FinishRecord*>& records) {
  ArrayLiteral ids, queues, tokens, statuses, results, errors, attempt_counts, max_attempts, run_at,
      attempts, workers, exec_statuses, started, finished, payloads, tenants;
  for (const core::FinishRecord* fp : records) {
    const core::FinishRecord& f = *fp;
    std::string_view status = PgStatusFor(f.kind);
    if (status.empty()) continue;
    ids.Add(f.id);
    queues.Add(f.queue);
    tokens.Add(f.token);
    statuses.Add(status);
    if (f.kind == core::FinishRecord::Kind::kCompleted && !f.result.is_null()) {
      results.Add(JsonbText(Dump(f.result)));
    } else {
      results.AddNull();
    }
    errors.AddOrNull(f.error);
    attempt_counts.Add(int64_t{f.attempt_count});
    max_attempts.Add(int64_t{f.max_attempts});
    run_at.Add(f.run_at_ms);
    attempts.Add(int64_t{f.attempt});
    workers.Add(f.worker_id);
    exec_statuses.Add(f.execution_status);
    started.Add(f.started_ms);
    finished.Add(f.finished_ms);
    if (f.payload.is_null()) {
      payloads.AddNull();
    } else {
      payloads.Add(JsonbText(Dump(f.payload)));
    }
    tenants.AddOrNull(f.tenant_id);
  }
  if (ids.size() == 0) return {};
  Result r = conn_.Exec(
      queries::kApplyFinishes,
      {ids.Take(), queues.Take(), tokens.Take(), statuses.Take(), results.Take(), errors.Take(),
       attempt_counts.Take(), max_attempts.Take(), run_at.Take(), attempts.Take(), workers.Take(),
       exec_statuses.Take(), started.Take(), finished.Take(), payloads.Take(), tenants.Take()});
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.Get(i, 0));
  return out;
}

std::vector<std::string> JobStore::ApplyReclaims(const std::vector<core::ReclaimedJob>& jobs) {
  if (jobs.empty()) return {};
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& j : jobs) {
    rows.push_back({{"id", j.id},
                    {"token", j.old_token},
                    {"status", j.dead ? "failed" : "queued"},
                    {"attempt_count", j.attempt_count},
                    {"worker_id", j.old_worker_id},
                    {"error", "lease expired: worker " + j.old_worker_id + " stopped reporting"}});
  }
  Result r = conn_.Exec(queries::kApplyReclaims, {Dump(rows)});
  std::vector<std::string> applied;
  for (int i = 0; i < r.rows(); ++i) applied.push_back(r.Get(i, 0));
  return applied;
}

std::map<std::string, std::pair<std::string, int64_t>> JobStore::Statuses(
    const std::vector<std::string>& ids) {
  std::map<std::string, std::pair<std::string, int64_t>> out;
  if (ids.empty()) return out;
  Result r = conn_.Exec(queries::kStatuses, {Dump(ids)});
  for (int i = 0; i < r.rows(); ++i) out[r.Get(i, 0)] = {r.Get(i, 1), r.GetInt(i, 2)};
  return out;
}

void JobStore::ForEachLiveJobOlderThan(int grace_s, int page,
                                       const std::function<void(std::vector<StoredJob>&)>& fn) {
  const std::string fetch = "FETCH " + std::to_string(std::max(1, page)) + " FROM pw_live_jobs";
  InTransaction(conn_, [&] {
    conn_.Exec(queries::kDeclareLiveOlderThan, {std::to_string(grace_s)});
    while (true) {
      auto jobs = RowsToJobs(conn_.Exec(fetch));
      if (jobs.empty()) break;
      fn(jobs);
    }
    conn_.Exec("CLOSE pw_live_jobs");
  });
}

std::vector<StoredJob> JobStore::LiveJobsOlderThan(const std::vector<std::string>& ids,
                                                   int grace_s) {
  if (ids.empty()) return {};
  return RowsToJobs(conn_.Exec(queries::kLiveByIds, {Dump(ids), std::to_string(grace_s)}));
}

std::optional<StoredJob> JobStore::Get(const std::string& id) {
  Result r = conn_.Exec(std::string(queries::kSelectJob) + " WHERE id = $1", {id});
  if (r.rows() == 0) return std::nullopt;
  return RowToJob(r, 0);
}

std::vector<Execution> JobStore::Executions(const std::string& id) {
  Result r = conn_.Exec(queries::kExecutions, {id});
  std::vector<Execution> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({.attempt = static_cast<int>(r.GetInt(i, 0)),
                   .worker_id = r.GetOptional(i, 1).value_or(""),
                   .status = r.Get(i, 2),
                   .error = r.GetOptional(i, 3).value_or(""),
                   .started_at = r.GetOptional(i, 4).value_or(""),
                   .finished_at = r.GetOptional(i, 5).value_or(""),
                   .duration_ms = r.GetInt(i, 6)});
  }
  return out;
}

std::vector<StoredJob> JobStore::List(const JobFilter& f) {
  std::string sql = std::string(queries::kSelectJob) +
                    " WHERE ($1 = '' OR queue = $1) AND ($2 = '' OR status = $2)"
                    " AND ($3 = '' OR tenant_id = $3)"
                    " AND ($4 = '' OR updated_at < now() - $4::interval)"
                    " ORDER BY updated_at DESC, id LIMIT $5";
  return RowsToJobs(
      conn_.Exec(sql, {f.queue, f.status, f.tenant, f.older_than, std::to_string(f.limit)}));
}

std::vector<StoredJob> JobStore::RetryDead(const std::vector<std::string>& ids,
                                           const std::string& queue, bool all) {
  return RowsToJobs(conn_.Exec(queries::kRetryDead, {Dump(ids), all ? "t" : "f", queue}));
}

std::vector<std::string> JobStore::PurgeDead(const std::string& queue,
                                             const std::string& older_than) {
  Result r = conn_.Exec(queries::kPurgeDead, {queue, older_than});
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.Get(i, 0));
  return out;
}

bool JobStore::Cancel(const std::string& id) {
  return conn_.Exec(queries::kCancel, {id}).affected() > 0;
}

bool JobStore::Delete(const std::string& id) {
  return conn_.Exec("DELETE FROM jobs WHERE id = $1 AND status <> 'running'", {id}).affected() > 0;
}

}  // namespace postwork::pg
