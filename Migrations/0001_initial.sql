-- The server's first schema. A shipped migration never changes: later changes go in a new, higher-numbered file.
-- Conventions: ids are lowercase UUID text; times are unix milliseconds (UTC) in INTEGER columns; JSON columns hold
-- text that SQLite checks with json_valid; a column that names a blob holds its sha256 and references blobs, so that
-- start-up collection can find every reference through the foreign keys.

-- Large bytes (images, sample PNGs, LoRA files, resume states) live in the blob store; this is their registry.
CREATE TABLE blobs (
  sha256 TEXT PRIMARY KEY NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
  size INTEGER NOT NULL CHECK (size >= 0),
  media_type TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

-- Base models found in the models folder.
CREATE TABLE models (
  id TEXT PRIMARY KEY NOT NULL,
  path TEXT NOT NULL UNIQUE,
  architecture TEXT NOT NULL,
  format TEXT NOT NULL,
  size INTEGER NOT NULL CHECK (size >= 0),
  found_at INTEGER NOT NULL
);

CREATE TABLE datasets (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  source TEXT NOT NULL
);

-- One row per training image, in the dataset's order.
CREATE TABLE dataset_images (
  dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  position INTEGER NOT NULL CHECK (position >= 0),
  blob_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
  file_name TEXT NOT NULL,
  caption TEXT,
  width INTEGER NOT NULL CHECK (width > 0),
  height INTEGER NOT NULL CHECK (height > 0),
  PRIMARY KEY (dataset_id, position)
);
CREATE INDEX dataset_images_blob ON dataset_images(blob_sha256);

CREATE TABLE jobs (
  id TEXT PRIMARY KEY NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'preparing', 'training', 'succeeded', 'failed', 'canceled')),
  priority INTEGER NOT NULL DEFAULT 0,
  config TEXT NOT NULL CHECK (json_valid(config)),
  model_id TEXT NOT NULL REFERENCES models(id),
  dataset_id TEXT NOT NULL REFERENCES datasets(id),
  idempotency_key TEXT UNIQUE,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  error TEXT,
  worker TEXT,
  heartbeat_at INTEGER,
  progress TEXT CHECK (progress IS NULL OR json_valid(progress)),
  resume_state_sha256 TEXT REFERENCES blobs(sha256)
);
-- The queue claim: the queued job of highest priority, oldest first (rowid breaks ties within a millisecond).
CREATE INDEX jobs_queue ON jobs(state, priority DESC, created_at);
CREATE INDEX jobs_resume_state ON jobs(resume_state_sha256) WHERE resume_state_sha256 IS NOT NULL;

-- Every progress event, numbered per job from 1, so that an SSE client reconnecting with Last-Event-ID misses nothing.
-- The primary key is the replay index.
CREATE TABLE job_events (
  job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL CHECK (seq >= 1),
  type TEXT NOT NULL,
  data TEXT NOT NULL CHECK (json_valid(data)),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;

-- A run may save an intermediate and the final checkpoint at the same step, hence is_final in the key.
CREATE TABLE checkpoints (
  job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL CHECK (step >= 0),
  epoch INTEGER NOT NULL CHECK (epoch >= 0),
  blob_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
  is_final INTEGER NOT NULL DEFAULT 0 CHECK (is_final IN (0, 1)),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (job_id, step, is_final)
);
CREATE INDEX checkpoints_blob ON checkpoints(blob_sha256);

CREATE TABLE samples (
  job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL CHECK (step >= 0),
  prompt_index INTEGER NOT NULL CHECK (prompt_index >= 0),
  blob_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (job_id, step, prompt_index)
);
CREATE INDEX samples_blob ON samples(blob_sha256);
