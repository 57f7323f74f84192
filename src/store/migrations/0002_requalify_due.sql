-- When each decision's outcome can next change without new data (decay crossing a threshold or the
-- written-back scores' tolerance, an event leaving a time window, inactivity recycling): scheduled
-- syncs re-qualify the contacts that are due, found through the index, not by scanning the portal.
ALTER TABLE decisions ADD COLUMN next_change_at timestamptz;
CREATE INDEX decisions_due ON decisions (workspace_id, next_change_at) WHERE next_change_at IS NOT NULL;
