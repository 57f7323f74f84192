-- SLAs: one outcome per stay in a stage whose SLA ran (met or breached), so a breach is counted,
-- shown and sent once per stay however many syncs see it. Open stays still inside their SLA have
-- no row yet. `notify` follows the webhook delivery of a breach: pending until the receiver
-- accepted it (retried on each sync), sent, or none (no webhook configured when it was found).
CREATE TABLE sla_outcomes (
  stay_id bigint PRIMARY KEY REFERENCES stage_history (id) ON DELETE CASCADE,
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  contact_id text NOT NULL,
  stage text NOT NULL,
  entered_at timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('met', 'breached')),
  found_at timestamptz NOT NULL,
  notify text NOT NULL DEFAULT 'none' CHECK (notify IN ('none', 'pending', 'sent')),
  notify_attempts integer NOT NULL DEFAULT 0,
  notify_error text,
  notified_at timestamptz
);
CREATE INDEX sla_outcomes_breaches ON sla_outcomes (workspace_id, due_at) WHERE outcome = 'breached';
CREATE INDEX sla_outcomes_to_notify ON sla_outcomes (workspace_id, stay_id) WHERE notify = 'pending';

-- Accounts: the company each contact rolls up to (source company, else its email domain), with the
-- company's fields and the account dimensions computed from its contacts before qualification.
ALTER TABLE contacts ADD COLUMN account_id text;
CREATE INDEX contacts_by_account ON contacts (workspace_id, account_id) WHERE account_id IS NOT NULL;
CREATE TABLE accounts (
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  account_id text NOT NULL,
  name text,
  domain text,
  properties jsonb NOT NULL DEFAULT '{}',
  scores jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, account_id)
);
