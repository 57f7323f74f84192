-- A handoff sales can act on: who owns a handed-off record, the "why" Task or note written with
-- it, the round-robin rotations that choose owners, and the moments ownership passed between
-- marketing, SDRs and sales.

-- The owner leadstage chose on the first handoff (null: Salesforce's assignment rules or default
-- chose), and the Task or note that explains the handoff, updated in place on later handoffs.
ALTER TABLE crm_links ADD COLUMN owner_id text;
ALTER TABLE crm_links ADD COLUMN why_object text;
ALTER TABLE crm_links ADD COLUMN why_id text;

-- Round-robin within a queue: how many records the rotation has handed out. The next owner is
-- users[position mod n]; reserving slots is one atomic UPDATE, so workers never hand two records the
-- same turn, and the rotation continues where it stopped after a restart.
CREATE TABLE owner_rotations (
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  rotation text NOT NULL,
  position bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, rotation)
);

-- Ownership moments: a contact's stage moved to a stage another team owns (marketing → sdr,
-- sdr → sales, or back when recycled), dated when the stage changed.
CREATE TABLE owner_handoffs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id text NOT NULL,
  contact_id text NOT NULL,
  from_owner text,
  to_owner text NOT NULL,
  stage text NOT NULL,
  at timestamptz NOT NULL,
  FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, contact_id) ON DELETE CASCADE
);
CREATE INDEX owner_handoffs_by_owner ON owner_handoffs (workspace_id, to_owner, at);
