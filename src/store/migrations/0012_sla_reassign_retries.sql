-- Reassignment on an SLA breach, per breached stay: 'pending' while it is still to be done (tried
-- again by later syncs after a refusal), then 'done', 'given_up' after the last attempt, or
-- 'stopped' when the stay ended (or the rule no longer applies) first. Breaches found before this
-- migration were tried once already: 'none', never tried again.
ALTER TABLE sla_outcomes ADD COLUMN reassign text NOT NULL DEFAULT 'none'
  CHECK (reassign IN ('none', 'pending', 'done', 'given_up', 'stopped'));
ALTER TABLE sla_outcomes ADD COLUMN reassign_attempts integer NOT NULL DEFAULT 0;
-- The owner the first attempt chose, reused by the next ones (a round-robin turn is taken once).
ALTER TABLE sla_outcomes ADD COLUMN reassign_owner text;
ALTER TABLE sla_outcomes ADD COLUMN reassign_error text;
ALTER TABLE sla_outcomes ADD COLUMN reassigned_at timestamptz;
CREATE INDEX sla_outcomes_to_reassign ON sla_outcomes (workspace_id, stay_id) WHERE reassign = 'pending';
