/**
 * SLA outcomes: one row per stay (a `stage_history` row) whose SLA ran out or was met, and the
 * webhook delivery of each breach. Open stays without a row are the ones still being watched.
 */
import type { Db } from './db.ts';
import { iso, isoOrNull } from './rows.ts';

/** A stay in a stage with an SLA that has no outcome yet, with what decides one. */
export interface WatchedStay {
  stayId: string;
  contactId: string;
  stage: string;
  enteredAt: Date;
  exitedAt: Date | null;
  salesStatus: string | null;
}

export interface CurrentStay {
  stage: string;
  enteredAt: Date;
  outcome: 'met' | 'breached' | null;
}

export interface NewSlaOutcome {
  stayId: string;
  contactId: string;
  stage: string;
  enteredAt: Date;
  dueAt: Date;
  outcome: 'met' | 'breached';
  /** Breaches only: queue it for the webhook. */
  notify: boolean;
  /** Breaches of a stay still open only: queue the CRM record's reassignment. */
  reassign?: boolean;
}

/** A breached stay whose CRM record is still to be reassigned, with what decides whether it still is. */
export interface PendingReassignment {
  stayId: string;
  contactId: string;
  stage: string;
  /** Attempts made so far (refused or failed). */
  attempts: number;
  /** The owner an earlier attempt chose (kept so a retry takes no new round-robin turn). */
  ownerId: string | null;
  /** Still in the stage. */
  open: boolean;
  salesStatus: string | null;
}

/** What one attempt came to, for one breached stay. */
export type ReassignAttempt =
  | { stayId: string; result: 'done'; ownerId: string }
  /** Refused or failed: `giveUp` on the last attempt, else tried again by a later sync. */
  | { stayId: string; result: 'failed'; ownerId: string | null; error: string; giveUp: boolean }
  /** The stay ended or the rule no longer applies: nothing left to do. */
  | { stayId: string; result: 'stopped' };

export interface SlaBreach {
  stayId: string;
  contactId: string;
  stage: string;
  enteredAt: string;
  dueAt: string;
  foundAt: string;
  /** Still in the stage (else it left late). */
  open: boolean;
  notify: 'none' | 'pending' | 'sent';
  notifyAttempts: number;
  notifyError: string | null;
  notifiedAt: string | null;
  /** Reassignment on the breach (settings.handoff.reassign); 'none' when no rule applied. */
  reassign: ReassignState;
  reassignAttempts: number;
  /** The owner the attempts gave (or tried to give) the CRM record. */
  reassignOwner: string | null;
  /** The last refusal or failure, while pending or once given up. */
  reassignError: string | null;
  reassignedAt: string | null;
  email: string | null;
  crmId: string | null;
}

/** Where a breached stay's reassignment stands (migration 0012). */
export type ReassignState = 'none' | 'pending' | 'done' | 'given_up' | 'stopped';

interface BreachRow {
  stay_id: string;
  contact_id: string;
  stage: string;
  entered_at: Date;
  due_at: Date;
  found_at: Date;
  open: boolean;
  notify: SlaBreach['notify'];
  notify_attempts: number;
  notify_error: string | null;
  notified_at: Date | null;
  reassign: ReassignState;
  reassign_attempts: number;
  reassign_owner: string | null;
  reassign_error: string | null;
  reassigned_at: Date | null;
  email: string | null;
  crm_id: string | null;
}

const BREACH_COLUMNS = `o.stay_id::text AS stay_id, o.contact_id, o.stage, o.entered_at, o.due_at, o.found_at,
  (h.exited_at IS NULL) AS open, o.notify, o.notify_attempts, o.notify_error, o.notified_at,
  o.reassign, o.reassign_attempts, o.reassign_owner, o.reassign_error, o.reassigned_at,
  c.properties->>'email' AS email, l.crm_id`;
const BREACH_JOINS = `JOIN stage_history h ON h.id = o.stay_id
  LEFT JOIN contacts c ON c.workspace_id = o.workspace_id AND c.contact_id = o.contact_id
  LEFT JOIN crm_links l ON l.workspace_id = o.workspace_id AND l.contact_id = o.contact_id`;

function toBreach(r: BreachRow): SlaBreach {
  return {
    stayId: r.stay_id,
    contactId: r.contact_id,
    stage: r.stage,
    enteredAt: iso(r.entered_at),
    dueAt: iso(r.due_at),
    foundAt: iso(r.found_at),
    open: r.open,
    notify: r.notify,
    notifyAttempts: r.notify_attempts,
    notifyError: r.notify_error,
    notifiedAt: isoOrNull(r.notified_at),
    reassign: r.reassign,
    reassignAttempts: r.reassign_attempts,
    reassignOwner: r.reassign_owner,
    reassignError: r.reassign_error,
    reassignedAt: isoOrNull(r.reassigned_at),
    email: r.email,
    crmId: r.crm_id,
  };
}

export class SlaRepo {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /**
   * Stays in the given stages with no outcome yet, entered since `since`: every open one, and
   * closed ones the last run did not settle (their contact left the stage in this run).
   */
  /**
   * Stays in these stages entered since `since` with no outcome yet, in id order, `limit` at a time
   * after `afterId` (every MQL of a large portal can be waiting on its SLA).
   */
  async watched(
    workspaceId: string,
    stages: string[],
    since: Date,
    page: { limit: number; afterId?: string } = { limit: 1000 },
  ): Promise<WatchedStay[]> {
    if (stages.length === 0) return [];
    const { rows } = await this.db.query<{
      id: string;
      contact_id: string;
      stage: string;
      entered_at: Date;
      exited_at: Date | null;
      sales_status: string | null;
    }>(
      `SELECT h.id::text AS id, h.contact_id, h.stage, h.entered_at, h.exited_at,
              c.sales_facts->>'sales_status' AS sales_status
       FROM stage_history h
       JOIN contacts c ON c.workspace_id = h.workspace_id AND c.contact_id = h.contact_id
       WHERE h.workspace_id = $1 AND h.stage = ANY($2::text[]) AND h.entered_at >= $3
         AND ($4::bigint IS NULL OR h.id > $4::bigint)
         AND NOT EXISTS (SELECT 1 FROM sla_outcomes o WHERE o.stay_id = h.id)
       ORDER BY h.id
       LIMIT $5`,
      [workspaceId, stages, since, page.afterId ?? null, page.limit],
    );
    return rows.map((r) => ({
      stayId: r.id,
      contactId: r.contact_id,
      stage: r.stage,
      enteredAt: new Date(r.entered_at),
      exitedAt: r.exited_at ? new Date(r.exited_at) : null,
      salesStatus: r.sales_status,
    }));
  }

  /** Records outcomes; a stay that already has one keeps it (a rerun finds nothing twice). */
  async record(workspaceId: string, outcomes: NewSlaOutcome[], foundAt: Date): Promise<number> {
    if (outcomes.length === 0) return 0;
    const { rows } = await this.db.query<{ stay_id: string }>(
      `INSERT INTO sla_outcomes (stay_id, workspace_id, contact_id, stage, entered_at, due_at, outcome, found_at, notify,
                                 reassign)
       SELECT o.stay_id::bigint, $1, o.contact_id, o.stage, o.entered_at, o.due_at, o.outcome, $3, o.notify, o.reassign
       FROM jsonb_to_recordset($2::jsonb) AS o(stay_id text, contact_id text, stage text, entered_at timestamptz,
                                               due_at timestamptz, outcome text, notify text, reassign text)
       ON CONFLICT (stay_id) DO NOTHING
       RETURNING stay_id::text`,
      [
        workspaceId,
        JSON.stringify(
          outcomes.map((o) => ({
            stay_id: o.stayId,
            contact_id: o.contactId,
            stage: o.stage,
            entered_at: o.enteredAt.toISOString(),
            due_at: o.dueAt.toISOString(),
            outcome: o.outcome,
            notify: o.outcome === 'breached' && o.notify ? 'pending' : 'none',
            reassign: o.outcome === 'breached' && o.reassign ? 'pending' : 'none',
          })),
        ),
        foundAt,
      ],
    );
    return rows.length;
  }

  /** The open stay of each contact with its SLA outcome, if one was found (null: still watched). */
  async currentStays(workspaceId: string, contactIds: string[]): Promise<Map<string, CurrentStay>> {
    if (contactIds.length === 0) return new Map();
    const { rows } = await this.db.query<{
      contact_id: string;
      stage: string;
      entered_at: Date;
      outcome: 'met' | 'breached' | null;
    }>(
      `SELECT h.contact_id, h.stage, h.entered_at, o.outcome FROM stage_history h
       LEFT JOIN sla_outcomes o ON o.stay_id = h.id
       WHERE h.workspace_id = $1 AND h.contact_id = ANY($2::text[]) AND h.exited_at IS NULL`,
      [workspaceId, contactIds],
    );
    return new Map(
      rows.map((r) => [
        r.contact_id,
        { stage: r.stage, enteredAt: new Date(r.entered_at), outcome: r.outcome },
      ]),
    );
  }

  /** Breaches waiting for the webhook, oldest first. */
  async toNotify(workspaceId: string, limit: number): Promise<SlaBreach[]> {
    const { rows } = await this.db.query<BreachRow>(
      `SELECT ${BREACH_COLUMNS} FROM sla_outcomes o ${BREACH_JOINS}
       WHERE o.workspace_id = $1 AND o.notify = 'pending' ORDER BY o.stay_id LIMIT $2`,
      [workspaceId, limit],
    );
    return rows.map(toBreach);
  }

  async markNotified(stayId: string, at: Date): Promise<void> {
    await this.db.query(
      `UPDATE sla_outcomes SET notify = 'sent', notified_at = $2, notify_attempts = notify_attempts + 1,
              notify_error = NULL
       WHERE stay_id = $1::bigint AND notify = 'pending'`,
      [stayId, at],
    );
  }

  async markNotifyFailed(stayId: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE sla_outcomes SET notify_attempts = notify_attempts + 1, notify_error = $2
       WHERE stay_id = $1::bigint AND notify = 'pending'`,
      [stayId, error.slice(0, 500)],
    );
  }

  /** Breached stays whose CRM record is still to be reassigned, oldest first. */
  async toReassign(workspaceId: string, limit: number): Promise<PendingReassignment[]> {
    const { rows } = await this.db.query<{
      stay_id: string;
      contact_id: string;
      stage: string;
      reassign_attempts: number;
      reassign_owner: string | null;
      open: boolean;
      sales_status: string | null;
    }>(
      `SELECT o.stay_id::text AS stay_id, o.contact_id, o.stage, o.reassign_attempts, o.reassign_owner,
              (h.exited_at IS NULL) AS open, c.sales_facts->>'sales_status' AS sales_status
       FROM sla_outcomes o JOIN stage_history h ON h.id = o.stay_id
       LEFT JOIN contacts c ON c.workspace_id = o.workspace_id AND c.contact_id = o.contact_id
       WHERE o.workspace_id = $1 AND o.reassign = 'pending' ORDER BY o.stay_id LIMIT $2`,
      [workspaceId, limit],
    );
    return rows.map((r) => ({
      stayId: r.stay_id,
      contactId: r.contact_id,
      stage: r.stage,
      attempts: Number(r.reassign_attempts),
      ownerId: r.reassign_owner,
      open: r.open,
      salesStatus: r.sales_status,
    }));
  }

  /** The owner each pending stay's attempt is about to set (kept for its retries). */
  async keepReassignOwners(owners: { stayId: string; ownerId: string }[]): Promise<void> {
    if (owners.length === 0) return;
    await this.db.query(
      `UPDATE sla_outcomes o SET reassign_owner = a.owner_id
       FROM jsonb_to_recordset($1::jsonb) AS a(stay_id text, owner_id text)
       WHERE o.stay_id = a.stay_id::bigint AND o.reassign = 'pending'`,
      [JSON.stringify(owners.map((x) => ({ stay_id: x.stayId, owner_id: x.ownerId })))],
    );
  }

  /**
   * Records what attempts came to. Only a pending row changes: a stay done, given up or stopped
   * is never tried again.
   */
  async recordReassignments(attempts: ReassignAttempt[], at: Date): Promise<void> {
    if (attempts.length === 0) return;
    await this.db.query(
      `UPDATE sla_outcomes o SET
         reassign = CASE a.result WHEN 'done' THEN 'done' WHEN 'stopped' THEN 'stopped'
                                  ELSE CASE WHEN a.give_up THEN 'given_up' ELSE 'pending' END END,
         reassign_attempts = o.reassign_attempts + CASE WHEN a.result = 'stopped' THEN 0 ELSE 1 END,
         reassign_owner = CASE WHEN a.result = 'stopped' THEN o.reassign_owner ELSE a.owner_id END,
         reassign_error = CASE a.result WHEN 'failed' THEN a.error WHEN 'done' THEN NULL ELSE o.reassign_error END,
         reassigned_at = CASE WHEN a.result = 'done' THEN $2::timestamptz ELSE o.reassigned_at END
       FROM jsonb_to_recordset($1::jsonb) AS a(stay_id text, result text, owner_id text, error text, give_up boolean)
       WHERE o.stay_id = a.stay_id::bigint AND o.reassign = 'pending'`,
      [
        JSON.stringify(
          attempts.map((a) => ({
            stay_id: a.stayId,
            result: a.result,
            owner_id: a.result === 'stopped' ? null : a.ownerId,
            error: a.result === 'failed' ? a.error.slice(0, 500) : null,
            give_up: a.result === 'failed' && a.giveUp,
          })),
        ),
        at,
      ],
    );
  }

  /** The latest breaches of a workspace, newest deadline first (dashboard, API). */
  async recentBreaches(workspaceId: string, limit = 50): Promise<SlaBreach[]> {
    const { rows } = await this.db.query<BreachRow>(
      `SELECT ${BREACH_COLUMNS} FROM sla_outcomes o ${BREACH_JOINS}
       WHERE o.workspace_id = $1 AND o.outcome = 'breached' ORDER BY o.due_at DESC, o.stay_id DESC LIMIT $2`,
      [workspaceId, limit],
    );
    return rows.map(toBreach);
  }

  /** Outcomes per workspace, stage and kind, for `/metrics`. */
  async counts(): Promise<{ workspace: string; stage: string; outcome: string; count: number }[]> {
    const { rows } = await this.db.query<{
      workspace: string;
      stage: string;
      outcome: string;
      count: string;
    }>(
      `SELECT w.name AS workspace, o.stage, o.outcome, count(*)::text AS count
       FROM sla_outcomes o JOIN workspaces w ON w.id = o.workspace_id
       GROUP BY w.name, o.stage, o.outcome`,
    );
    return rows.map((r) => ({ ...r, count: Number(r.count) }));
  }

  /** Breached stays per workspace and reassignment state, 'none' left out (for `/metrics`). */
  async reassignments(): Promise<{ workspace: string; state: ReassignState; count: number }[]> {
    const { rows } = await this.db.query<{ workspace: string; state: ReassignState; count: string }>(
      `SELECT w.name AS workspace, o.reassign AS state, count(*)::text AS count
       FROM sla_outcomes o JOIN workspaces w ON w.id = o.workspace_id
       WHERE o.reassign <> 'none' GROUP BY w.name, o.reassign`,
    );
    return rows.map((r) => ({ ...r, count: Number(r.count) }));
  }

  /** Breaches whose webhook delivery is still pending, per workspace (for `/metrics`). */
  async pendingNotifications(): Promise<{ workspace: string; count: number }[]> {
    const { rows } = await this.db.query<{ workspace: string; count: string }>(
      `SELECT w.name AS workspace, count(*)::text AS count FROM sla_outcomes o JOIN workspaces w ON w.id = o.workspace_id
       WHERE o.notify = 'pending' GROUP BY w.name`,
    );
    return rows.map((r) => ({ workspace: r.workspace, count: Number(r.count) }));
  }
}
