-- What the API shows of a job's outputs: a sample's epoch and prompt, and a checkpoint's file name (unique per job,
-- since a later save under the same name replaces the earlier file).
ALTER TABLE samples ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0 CHECK (epoch >= 0);
ALTER TABLE samples ADD COLUMN prompt TEXT NOT NULL DEFAULT '';
ALTER TABLE checkpoints ADD COLUMN name TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX checkpoints_name ON checkpoints(job_id, name);
