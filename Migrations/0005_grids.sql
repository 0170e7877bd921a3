-- Checkpoint × LoRA-weight grids of a finished job: for each prompt, one image per checkpoint and weight, rendered by
-- a worker. `spec` holds what was asked (prompts, checkpoints, weights, seed) as JSON; `progress` counts the cells
-- stored so far. A grid a crash left `rendering` is queued again at start-up and keeps the cells it has.
CREATE TABLE grids (
  id TEXT PRIMARY KEY NOT NULL,
  job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'rendering', 'succeeded', 'failed')),
  spec TEXT NOT NULL CHECK (json_valid(spec)),
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  error TEXT,
  progress INTEGER NOT NULL DEFAULT 0 CHECK (progress >= 0)
);
CREATE INDEX grids_job ON grids(job_id, created_at);
-- The claim: the oldest queued grid.
CREATE INDEX grids_queue ON grids(state, created_at);

-- One rendered image of a grid: a prompt (its position in the spec's prompts) through a checkpoint at a weight.
CREATE TABLE grid_cells (
  grid_id TEXT NOT NULL REFERENCES grids(id) ON DELETE CASCADE,
  prompt_index INTEGER NOT NULL CHECK (prompt_index >= 0),
  checkpoint TEXT NOT NULL,
  weight REAL NOT NULL,
  blob_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (grid_id, prompt_index, checkpoint, weight)
) WITHOUT ROWID;
CREATE INDEX grid_cells_blob ON grid_cells(blob_sha256);
