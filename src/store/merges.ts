/**
 * Merges of source contacts: what the merged-away contact had (events, stage history, decision,
 * CRM link, sales facts) moves to the surviving contact, and the merged-away id is retired so it
 * is never stored or handed off again.
 */
import type { Db } from './db.ts';
import { json } from './rows.ts';

export interface MergeOutcome {
  mergedId: string;
  /** False when the merged-away contact was never stored (only its id is retired). */
  moved: boolean;
  /** Both had a CRM record: the survivor's link is kept, this external id is no longer synced. */
  droppedExternalId?: string;
}

export class MergeRepo {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** Moves each of `mergedIds` into `intoId`, in one transaction. */
  async merge(workspaceId: string, intoId: string, mergedIds: string[], at: Date): Promise<MergeOutcome[]> {
    const ids = [...new Set(mergedIds)].filter((id) => id !== intoId);
    if (!ids.length) return [];
    return this.db.transaction(async (tx) => {
      const out: MergeOutcome[] = [];
      for (const mergedId of ids) out.push(await mergeOne(tx, workspaceId, intoId, mergedId, at));
      return out;
    });
  }

  /** Of `ids`, those merged into another contact. */
  async retired(workspaceId: string, ids: string[]): Promise<Set<string>> {
    return new Set((await this.intoOf(workspaceId, ids)).keys());
  }

  /** Of `ids`, those merged into another contact, with the contact they live on as. */
  async intoOf(workspaceId: string, ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const { rows } = await this.db.query<{ merged_id: string; into_id: string }>(
      `SELECT merged_id, into_id FROM contact_merges WHERE workspace_id = $1
         AND merged_id IN (SELECT jsonb_array_elements_text($2::jsonb))`,
      [workspaceId, json(ids)],
    );
    return new Map(rows.map((r) => [r.merged_id, r.into_id]));
  }
}

async function mergeOne(tx: Db, ws: string, into: string, merged: string, at: Date): Promise<MergeOutcome> {
  const p = [ws, into, merged];
  await tx.query(
    `INSERT INTO contact_merges (workspace_id, merged_id, into_id, merged_at) VALUES ($1, $3, $2, $4)
     ON CONFLICT (workspace_id, merged_id) DO UPDATE SET into_id = EXCLUDED.into_id, merged_at = EXCLUDED.merged_at`,
    [...p, at],
  );
  // Earlier merges into the merged-away contact now point at the survivor.
  await tx.query('UPDATE contact_merges SET into_id = $2 WHERE workspace_id = $1 AND into_id = $3', p);
  // Events arrive by contact id, stored or not: they follow the survivor either way.
  await tx.query(
    'UPDATE engagement_events SET contact_id = $2 WHERE workspace_id = $1 AND contact_id = $3',
    p,
  );
  const own = [ws, merged];
  await tx.query(
    "DELETE FROM record_errors WHERE workspace_id = $1 AND record_id = $2 AND step <> 'sales_outcomes'",
    own,
  );
  const { rows } = await tx.query<{ contact_id: string }>(
    'SELECT contact_id FROM contacts WHERE workspace_id = $1 AND contact_id IN ($2, $3)',
    p,
  );
  const stored = new Set(rows.map((r) => r.contact_id));
  if (!stored.has(merged)) return { mergedId: merged, moved: false };
  if (!stored.has(into)) {
    // The survivor is not pulled yet: it starts as the merged-away snapshot; its own pull overwrites it.
    await tx.query(
      `INSERT INTO contacts (workspace_id, contact_id, properties, sales_facts, source_stage, source_updated_at, needs_qualification, stored_at)
       SELECT workspace_id, $2, properties, sales_facts, source_stage, source_updated_at, true, stored_at
       FROM contacts WHERE workspace_id = $1 AND contact_id = $3`,
      p,
    );
  } else {
    await tx.query(
      `UPDATE contacts s SET sales_facts = m.sales_facts || s.sales_facts, needs_qualification = true
       FROM contacts m WHERE s.workspace_id = $1 AND s.contact_id = $2 AND m.workspace_id = $1 AND m.contact_id = $3`,
      p,
    );
  }
  // History: a person has one timeline, the survivor's. Stays in stages the survivor also entered
  // go; the others move over (the funnel counts the person once per stage reached) but keep only
  // time the survivor's own stays do not account for (see clipToSurvivor).
  await tx.query(
    `DELETE FROM stage_history m WHERE m.workspace_id = $1 AND m.contact_id = $3 AND EXISTS (
       SELECT 1 FROM stage_history s WHERE s.workspace_id = $1 AND s.contact_id = $2 AND s.stage = m.stage)`,
    p,
  );
  await tx.query(
    `UPDATE stage_history SET exited_at = greatest($4, entered_at) WHERE workspace_id = $1 AND contact_id = $3 AND exited_at IS NULL
       AND EXISTS (SELECT 1 FROM stage_history WHERE workspace_id = $1 AND contact_id = $2 AND exited_at IS NULL)`,
    [...p, at],
  );
  await clipToSurvivor(tx, p);
  await tx.query('UPDATE stage_history SET contact_id = $2 WHERE workspace_id = $1 AND contact_id = $3', p);
  // The decision and the CRM link move when the survivor has none of its own.
  await tx.query(
    `UPDATE decisions SET contact_id = $2 WHERE workspace_id = $1 AND contact_id = $3
       AND NOT EXISTS (SELECT 1 FROM decisions WHERE workspace_id = $1 AND contact_id = $2)`,
    p,
  );
  const moved = await tx.query(
    `UPDATE crm_links SET contact_id = $2, updated_at = now() WHERE workspace_id = $1 AND contact_id = $3
       AND NOT EXISTS (SELECT 1 FROM crm_links WHERE workspace_id = $1 AND contact_id = $2)`,
    p,
  );
  let dropped: string | undefined;
  if (moved.rowCount === 0) {
    const { rows: left } = await tx.query<{ external_id: string }>(
      'SELECT external_id FROM crm_links WHERE workspace_id = $1 AND contact_id = $2',
      own,
    );
    dropped = left[0]?.external_id;
  }
  // What did not move (a second decision, a second link) goes with the merged-away contact.
  await tx.query('DELETE FROM contacts WHERE workspace_id = $1 AND contact_id = $2', own);
  return { mergedId: merged, moved: true, ...(dropped ? { droppedExternalId: dropped } : {}) };
}

interface StayRow {
  id: string;
  contact_id: string;
  entered_at: Date | string;
  exited_at: Date | string | null;
}

/** A stay as milliseconds, open stays running to +Infinity. */
const span = (r: StayRow) => ({
  start: new Date(r.entered_at).getTime(),
  end: r.exited_at === null ? Infinity : new Date(r.exited_at).getTime(),
});

/**
 * Clips the merged-away contact's remaining stays (all in stages the survivor never entered) to the
 * survivor's timeline, so time is never counted twice: each keeps its first stretch the survivor's
 * stays leave free; one the survivor's stays cover entirely becomes a zero-length stay at the
 * instant it was entered, a fact that the stage was reached, with no time in it.
 */
async function clipToSurvivor(tx: Db, p: string[]): Promise<void> {
  const { rows } = await tx.query<StayRow>(
    `SELECT id::text AS id, contact_id, entered_at, exited_at FROM stage_history
     WHERE workspace_id = $1 AND contact_id IN ($2, $3) ORDER BY entered_at, id`,
    p,
  );
  const survivor = rows.filter((r) => r.contact_id === p[1]).map(span);
  if (!survivor.length) return;
  for (const row of rows.filter((r) => r.contact_id === p[2])) {
    const original = span(row);
    let { start, end } = original;
    for (const s of survivor) {
      if (s.end <= start) continue;
      if (s.start <= start) {
        start = s.end; // begins inside a survivor stay: starts where that one ends
        continue;
      }
      end = Math.min(end, s.start); // ends before the next survivor stay begins
      break;
    }
    const [entered, exited] = start < end ? [start, end] : [original.start, original.start];
    if (entered === original.start && exited === original.end) continue;
    await tx.query('UPDATE stage_history SET entered_at = $2, exited_at = $3 WHERE id = $1::bigint', [
      row.id,
      new Date(entered),
      Number.isFinite(exited) ? new Date(exited) : null,
    ]);
  }
}
