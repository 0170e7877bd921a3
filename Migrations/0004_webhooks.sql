-- Webhooks: a job may name a URL that receives some of its events, each POST signed with HMAC-SHA256.

-- The webhook of a job, written in the transaction that inserts the job. `secret` is NULL when the job gave none:
-- deliveries are then signed with the server's secret (`--webhook-secret`) of the moment.
CREATE TABLE job_webhooks (
  job_id TEXT PRIMARY KEY NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  events TEXT NOT NULL CHECK (json_valid(events) AND json_type(events) = 'array'),
  secret TEXT
);

-- The outbox: one row per event to deliver, written in the transaction that appends the event, so that neither can
-- exist without the other. A row is pending until delivered_at or abandoned_at is set; its attempts and next attempt
-- time are recorded, so that retries survive a restart.
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY NOT NULL,
  job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  event_seq INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at INTEGER NOT NULL,
  delivered_at INTEGER,
  abandoned_at INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (job_id, event_seq),
  FOREIGN KEY (job_id, event_seq) REFERENCES job_events(job_id, seq) ON DELETE CASCADE
);
-- The pending rows, by job and event order: the delivery service takes the first pending row of each job.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(job_id, event_seq)
  WHERE delivered_at IS NULL AND abandoned_at IS NULL;
