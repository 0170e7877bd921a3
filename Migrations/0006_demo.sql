-- The demo lorad ships (a small base model and a dataset of a concept it does not know), registered on the first
-- start of a server on an empty data directory, and never again: a user who deleted it keeps it deleted.

-- Where a model row comes from: 'folder', found in a --models-dir folder at start-up (gone from the list when its
-- files are); 'registered', added by the server itself (the demo model), listed until deleted through the API.
ALTER TABLE models ADD COLUMN origin TEXT NOT NULL DEFAULT 'folder' CHECK (origin IN ('folder', 'registered'));

-- One row once the demo is registered. Deleting the demo model or dataset empties its column, so the row still says
-- that the demo was registered after both are gone.
CREATE TABLE demo (
  id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
  model_id TEXT REFERENCES models(id) ON DELETE SET NULL,
  dataset_id TEXT REFERENCES datasets(id) ON DELETE SET NULL,
  registered_at INTEGER NOT NULL
);
