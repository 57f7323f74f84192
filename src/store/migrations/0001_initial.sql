-- leadstage store, version 1: workspaces, connections, cursors, contacts, events, decisions,
-- stage history, CRM links, sync runs and per-record errors.

CREATE TABLE connections (
  id text PRIMARY KEY,
  vendor text NOT NULL,
  account_id text,
  base_url text NOT NULL,
  scopes jsonb NOT NULL DEFAULT '[]',
  config jsonb NOT NULL DEFAULT '{}',
  -- AES-256-GCM sealed JSON of the credentials; never stored in clear.
  credentials_sealed text,
  expires_at timestamptz,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reconnect')),
  status_message text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX connections_vendor_account ON connections (vendor, account_id);

CREATE TABLE workspaces (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  source_vendor text NOT NULL,
  crm_vendor text,
  source_connection_id text REFERENCES connections (id) ON DELETE SET NULL,
  crm_connection_id text REFERENCES connections (id) ON DELETE SET NULL,
  model_text text NOT NULL,
  model_ref text NOT NULL,
  model_version text NOT NULL,
  -- The model version every stored contact was last qualified with; differs after a model change.
  qualified_model_version text,
  mappings jsonb NOT NULL DEFAULT '{}',
  settings jsonb NOT NULL DEFAULT '{}',
  schedule_interval_minutes integer NOT NULL DEFAULT 15 CHECK (schedule_interval_minutes > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cursors (
  owner_kind text NOT NULL CHECK (owner_kind IN ('connection', 'workspace')),
  owner_id text NOT NULL,
  stream text NOT NULL,
  cursor jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_kind, owner_id, stream)
);

CREATE TABLE contacts (
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  contact_id text NOT NULL,
  properties jsonb NOT NULL DEFAULT '{}',
  -- Facts read back from the CRM (SALES_FACTS keys), kept apart so a source pull never erases them.
  sales_facts jsonb NOT NULL DEFAULT '{}',
  source_stage text,
  source_updated_at timestamptz,
  needs_qualification boolean NOT NULL DEFAULT true,
  stored_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, contact_id)
);
CREATE INDEX contacts_needing_qualification ON contacts (workspace_id, contact_id) WHERE needs_qualification;

CREATE TABLE engagement_events (
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  event_id text NOT NULL,
  contact_id text NOT NULL,
  type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  properties jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (workspace_id, event_id)
);
CREATE INDEX engagement_events_by_contact ON engagement_events (workspace_id, contact_id, occurred_at);

CREATE TABLE decisions (
  workspace_id text NOT NULL,
  contact_id text NOT NULL,
  stage text NOT NULL,
  scores jsonb NOT NULL,
  reasons jsonb NOT NULL,
  summary text NOT NULL,
  recycled boolean NOT NULL DEFAULT false,
  model_version text NOT NULL,
  decided_at timestamptz NOT NULL,
  -- What the source system was last sent for this contact.
  written_stage text,
  written_scores jsonb,
  written_model_version text,
  written_at timestamptz,
  PRIMARY KEY (workspace_id, contact_id),
  FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, contact_id) ON DELETE CASCADE
);

CREATE TABLE stage_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id text NOT NULL,
  contact_id text NOT NULL,
  stage text NOT NULL,
  entered_at timestamptz NOT NULL,
  exited_at timestamptz,
  FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, contact_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX stage_history_one_open ON stage_history (workspace_id, contact_id) WHERE exited_at IS NULL;
CREATE INDEX stage_history_by_stage ON stage_history (workspace_id, stage, entered_at);

CREATE TABLE crm_links (
  workspace_id text NOT NULL,
  contact_id text NOT NULL,
  external_id text NOT NULL,
  crm_object text,
  crm_id text,
  converted_contact_id text,
  converted_opportunity_id text,
  -- What the CRM was last sent, so only real changes are handed off again.
  handed_stage text,
  handed_scores jsonb,
  handed_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, contact_id),
  UNIQUE (workspace_id, external_id),
  FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, contact_id) ON DELETE CASCADE
);
CREATE INDEX crm_links_by_crm_id ON crm_links (workspace_id, crm_id);
CREATE INDEX crm_links_by_converted_contact ON crm_links (workspace_id, converted_contact_id);
CREATE INDEX crm_links_by_converted_opportunity ON crm_links (workspace_id, converted_opportunity_id);

CREATE TABLE sync_runs (
  id text PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  kind text NOT NULL DEFAULT 'sync',
  full_sync boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  counts jsonb NOT NULL DEFAULT '{}',
  api_calls jsonb NOT NULL DEFAULT '{}',
  error text
);
CREATE INDEX sync_runs_by_workspace ON sync_runs (workspace_id, started_at DESC);

CREATE TABLE record_errors (
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  step text NOT NULL,
  record_id text NOT NULL,
  vendor_code text NOT NULL,
  message text NOT NULL,
  retry_count integer NOT NULL DEFAULT 1,
  quarantined boolean NOT NULL DEFAULT false,
  first_failed_at timestamptz NOT NULL,
  last_failed_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, step, record_id)
);
