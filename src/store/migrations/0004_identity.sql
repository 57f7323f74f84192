-- Identity and privacy: merges of source contacts, erasure (GDPR art. 17) with suppression,
-- CRM erasures waiting to reach the CRM, and an audit trail that holds no personal data.

-- A contact the source merged into another: its id never comes back as a contact of its own.
CREATE TABLE contact_merges (
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  merged_id text NOT NULL,
  into_id text NOT NULL,
  merged_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, merged_id)
);
CREATE INDEX contact_merges_into ON contact_merges (workspace_id, into_id);

-- Erased people: keyed hashes (HMAC-SHA256, key derived from the encryption key) of their email
-- and source ids, so a later pull or handoff never re-creates them. Never the values themselves.
CREATE TABLE suppressions (
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('email', 'source_id')),
  digest text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, kind, digest)
);

-- CRM records of erased people still to be deleted or reported, by their CRM ids and external
-- ids (pointers, not personal data); a row goes once the CRM answered.
CREATE TABLE crm_erasures (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  targets jsonb NOT NULL,
  requested_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  last_error text
);

-- Who did what to whose data, in kinds and counts only. Kept when the workspace goes.
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id text NOT NULL,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  data_kinds jsonb NOT NULL DEFAULT '[]',
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_by_workspace ON audit_log (workspace_id, at);
