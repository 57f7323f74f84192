-- Every mapping a workspace has saved per vendor, linked to the model version in use when it was
-- saved, so a model rollback can bring back the mapping that went with that model. A NULL text
-- records a reset to the vendor default.
CREATE TABLE mapping_versions (
  id bigserial PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  vendor text NOT NULL,
  text text,
  model_version_id bigint REFERENCES model_versions (id) ON DELETE SET NULL,
  actor text NOT NULL,
  saved_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mapping_versions_by_workspace ON mapping_versions (workspace_id, vendor, id);

-- History starts with each workspace's own mappings, linked to the model it uses now.
INSERT INTO mapping_versions (workspace_id, vendor, text, model_version_id, actor, saved_at)
SELECT w.id, m.key, m.value ->> 'text',
       (SELECT max(v.id) FROM model_versions v WHERE v.workspace_id = w.id), 'migration', w.updated_at
FROM workspaces w, jsonb_each(w.mappings) m
WHERE jsonb_typeof(m.value) = 'object' AND m.value ? 'text';
