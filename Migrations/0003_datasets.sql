-- The dataset check (Training's DatasetCheck, as JSON) of a dataset, computed on the stored dataset the first time it
-- is asked for and kept, since it reads every image; NULL until then, and again after a caption edit changes it.
ALTER TABLE datasets ADD COLUMN check_json TEXT CHECK (check_json IS NULL OR json_valid(check_json));
