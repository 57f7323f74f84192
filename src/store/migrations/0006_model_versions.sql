-- Every model a workspace has used, newest last: the console's history, diff and rollback read
-- it. A save records the text as written, where it came from and the admin's comment.
CREATE TABLE model_versions (
  id bigserial PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  version text NOT NULL,
  ref text NOT NULL,
  text text NOT NULL,
  comment text NOT NULL DEFAULT '',
  actor text NOT NULL,
  saved_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX model_versions_by_workspace ON model_versions (workspace_id, id);

-- History starts with the model each existing workspace has now.
INSERT INTO model_versions (workspace_id, version, ref, text, comment, actor, saved_at)
SELECT id, model_version, model_ref, model_text, 'in use when the history began', 'migration', updated_at
FROM workspaces;
