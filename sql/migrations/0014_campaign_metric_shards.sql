-- 0014: campaign counters spread over 16 rows per campaign. Every send, bounce
-- and reply bumped the campaign's one campaign_metrics row in the transaction
-- that records it, so a campaign's sends committed one at a time behind that
-- row lock (the email-send benchmark: 252 sends/s at concurrency 50, nearly
-- all of it waiting). Each transaction now bumps the shard of its own
-- connection (pg_backend_pid() % 16); campaign_metrics is a view that adds
-- the shards up, so every reader sees the same columns as before.
ALTER TABLE campaign_metrics RENAME TO campaign_metric_shards;
ALTER TABLE campaign_metric_shards ADD COLUMN shard smallint NOT NULL DEFAULT 0;
ALTER TABLE campaign_metric_shards DROP CONSTRAINT campaign_metrics_pkey;
ALTER TABLE campaign_metric_shards ADD PRIMARY KEY (tenant_id, campaign_id, shard);

CREATE VIEW campaign_metrics AS
SELECT tenant_id, campaign_id,
       sum(sent)::bigint AS sent, sum(delivered)::bigint AS delivered,
       sum(hard_bounces)::bigint AS hard_bounces, sum(soft_bounces)::bigint AS soft_bounces,
       sum(replies)::bigint AS replies, sum(auto_replies)::bigint AS auto_replies,
       sum(suppressed)::bigint AS suppressed, sum(skipped)::bigint AS skipped,
       sum(failed)::bigint AS failed, sum(unknown)::bigint AS unknown,
       sum(unsubscribes)::bigint AS unsubscribes, max(updated_at) AS updated_at
FROM campaign_metric_shards
GROUP BY tenant_id, campaign_id;
