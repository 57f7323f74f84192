/**
 * The last decision per contact, what was last written back to the source, and the stage history
 * (one row per stay in a stage, with the time entered and exited) the funnel report reads.
 */
import type { Decision, Reason, Scores } from '../model.ts';

import type { Db } from './db.ts';
import { NO_STATISTICS, type TableStatistics } from './statistics.ts';
import { iso, isoOrNull, json } from './rows.ts';

export interface StoredDecision {
  contactId: string;
  stage: string;
  scores: Scores;
  reasons: Reason[];
  summary: string;
  recycled: boolean;
  modelVersion: string;
  decidedAt: string;
  /** When the outcome can next change with no new data (null: decided before this was recorded). */
  nextChangeAt: string | null;
  written: { stage: string; scores: Scores; modelVersion: string | null; at: string } | null;
}

interface DecisionRow {
  contact_id: string;
  stage: string;
  scores: Scores;
  reasons: Reason[];
  summary: string;
  recycled: boolean;
  model_version: string;
  decided_at: Date;
  next_change_at: Date | null;
  written_stage: string | null;
  written_scores: Scores | null;
  written_model_version: string | null;
  written_at: Date | null;
}

function toStored(r: DecisionRow): StoredDecision {
  return {
    contactId: r.contact_id,
    stage: r.stage,
    scores: r.scores,
    reasons: r.reasons,
    summary: r.summary,
    recycled: r.recycled,
    modelVersion: r.model_version,
    decidedAt: iso(r.decided_at),
    nextChangeAt: isoOrNull(r.next_change_at),
    written:
      r.written_stage === null
        ? null
        : {
            stage: r.written_stage,
            scores: r.written_scores ?? {},
            modelVersion: r.written_model_version,
            at: iso(r.written_at),
          },
  };
}

/** A decision whose stage or scores differ from what the source was last sent. */
export interface PendingWrite {
  contactId: string;
  stage: string;
  /** The stage the source shows now, as last seen or written. */
  sourceStage: string | null;
  scores: Scores;
  summary: string;
  recycled: boolean;
  modelVersion: string;
}

/** When a decision's stage change happened and when its outcome can next change without new data. */
export interface DecisionTiming {
  changedAt?: Date;
  nextChangeAt?: Date;
}

export interface StageTransition {
  contactId: string;
  from: string | null;
  to: string;
}

export interface StageStay {
  stage: string;
  enteredAt: string;
  exitedAt: string | null;
}

export interface PendingWriteOptions {
  afterId?: string;
  /** @default 100 */
  limit?: number;
  ids?: string[];
  /** Leave out contacts quarantined for this step in `record_errors`. */
  skipQuarantinedStep?: string;
}

export class DecisionRepo {
  private readonly db: Db;
  private readonly statistics: TableStatistics;

  constructor(db: Db, statistics: TableStatistics = NO_STATISTICS) {
    this.db = db;
    this.statistics = statistics;
  }

  /**
   * Stores decisions and moves the stage history of contacts whose stage changed (the open stay is
   * closed and a new one opens at the time the change happened: `timing`'s `changedAt` where the
   * data says, else `decidedAt`). Returns those stage transitions.
   */
  async save(
    workspaceId: string,
    decisions: Decision[],
    decidedAt: Date,
    timing: Map<string, DecisionTiming> = new Map(),
  ): Promise<StageTransition[]> {
    if (decisions.length === 0) return [];
    const changedAt = (id: string) => timing.get(id)?.changedAt ?? decidedAt;
    return this.db.transaction(async (tx) => {
      const ids = decisions.map((d) => d.contactId);
      const previous = await tx.query<{ contact_id: string; stage: string }>(
        `SELECT contact_id, stage FROM decisions
         WHERE workspace_id = $1 AND contact_id = ANY($2::text[])`,
        [workspaceId, ids],
      );
      const before = new Map(previous.rows.map((r) => [r.contact_id, r.stage]));
      await tx.query(
        `INSERT INTO decisions (workspace_id, contact_id, stage, scores, reasons, summary, recycled, model_version,
                               decided_at, next_change_at)
         SELECT $1, d.contact_id, d.stage, d.scores, d.reasons, d.summary, d.recycled, d.model_version, $3,
                d.next_change_at
         FROM jsonb_to_recordset($2::jsonb) AS d(contact_id text, stage text, scores jsonb, reasons jsonb,
                                                 summary text, recycled boolean, model_version text,
                                                 next_change_at timestamptz)
         ON CONFLICT (workspace_id, contact_id) DO UPDATE SET
           stage = EXCLUDED.stage, scores = EXCLUDED.scores, reasons = EXCLUDED.reasons, summary = EXCLUDED.summary,
           recycled = EXCLUDED.recycled, model_version = EXCLUDED.model_version, decided_at = EXCLUDED.decided_at,
           next_change_at = EXCLUDED.next_change_at`,
        [
          workspaceId,
          json(
            decisions.map((d) => ({
              contact_id: d.contactId,
              stage: d.stage,
              scores: d.scores,
              reasons: d.reasons,
              summary: d.summary,
              recycled: d.recycled,
              model_version: d.modelVersion,
              next_change_at: timing.get(d.contactId)?.nextChangeAt?.toISOString() ?? null,
            })),
          ),
          decidedAt,
        ],
      );
      const transitions = decisions
        .filter((d) => before.get(d.contactId) !== d.stage)
        .map((d) => ({ contactId: d.contactId, from: before.get(d.contactId) ?? null, to: d.stage }));
      if (transitions.length > 0) {
        const moved = transitions.map((t) => t.contactId);
        const at = transitions.map((t) => changedAt(t.contactId).toISOString());
        // Arrays joined by index keep the plan an index lookup per moved contact whatever the
        // statistics say; a stay never ends before it began (a change dated by its data may
        // predate the last sync).
        const closed = await tx.query<{ contact_id: string; exited_at: Date | string }>(
          `UPDATE stage_history h SET exited_at = greatest(t.at, h.entered_at)
           FROM unnest($2::text[], $3::timestamptz[]) AS t(contact_id, at)
           WHERE h.workspace_id = $1 AND h.exited_at IS NULL AND h.contact_id = t.contact_id
           RETURNING h.contact_id, h.exited_at`,
          [workspaceId, moved, at],
        );
        // The next stay begins where the last one ended, never before it (read from the UPDATE
        // instead of a per-row lookup of the history, whose plan would depend on statistics).
        const endedAt = new Map(closed.rows.map((r) => [r.contact_id, new Date(r.exited_at).getTime()]));
        const enteredAt = transitions.map((t, i) =>
          new Date(Math.max(Date.parse(at[i]!), endedAt.get(t.contactId) ?? -Infinity)).toISOString(),
        );
        await tx.query(
          `INSERT INTO stage_history (workspace_id, contact_id, stage, entered_at)
           SELECT $1, t.contact_id, t.stage, t.at
           FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS t(contact_id, stage, at)`,
          [workspaceId, moved, transitions.map((t) => t.to), enteredAt],
        );
      }
      await this.statistics.added(tx, 'decisions', decisions.length - before.size);
      await this.statistics.added(tx, 'stage_history', transitions.length);
      return transitions;
    });
  }

  /**
   * Contacts whose decision is due (its outcome can have changed with time alone by `at`) and that
   * are not flagged already, with the instant each became due. Reads the `decisions_due` index.
   */
  async due(workspaceId: string, at: Date): Promise<Map<string, Date>> {
    const { rows } = await this.db.query<{ contact_id: string; next_change_at: Date }>(
      `SELECT d.contact_id, d.next_change_at FROM decisions d
       JOIN contacts c USING (workspace_id, contact_id)
       WHERE d.workspace_id = $1 AND d.next_change_at IS NOT NULL AND d.next_change_at <= $2
         AND NOT c.needs_qualification`,
      [workspaceId, at],
    );
    return new Map(rows.map((r) => [r.contact_id, new Date(r.next_change_at)]));
  }

  async get(workspaceId: string, contactId: string): Promise<StoredDecision | null> {
    return (await this.forContacts(workspaceId, [contactId])).get(contactId) ?? null;
  }

  async forContacts(workspaceId: string, contactIds: string[]): Promise<Map<string, StoredDecision>> {
    if (contactIds.length === 0) return new Map();
    const { rows } = await this.db.query<DecisionRow>(
      `SELECT * FROM decisions WHERE workspace_id = $1 AND contact_id = ANY($2::text[])`,
      [workspaceId, contactIds],
    );
    return new Map(rows.map((r) => [r.contact_id, toStored(r)]));
  }

  async pendingWrites(workspaceId: string, options: PendingWriteOptions = {}): Promise<PendingWrite[]> {
    // The quarantine filter stands outside any OR (a null step matches no row) so the planner makes it an
    // anti-join, not a subquery rerun per row.
    const { rows } = await this.db.query<{
      contact_id: string;
      stage: string;
      source_stage: string | null;
      scores: Scores;
      summary: string;
      recycled: boolean;
      model_version: string;
    }>(
      `SELECT d.contact_id, d.stage, c.source_stage, d.scores, d.summary, d.recycled, d.model_version
       FROM decisions d JOIN contacts c USING (workspace_id, contact_id)
       WHERE d.workspace_id = $1
         AND (d.written_stage IS DISTINCT FROM d.stage OR d.written_scores IS DISTINCT FROM d.scores)
         AND ($2::text IS NULL OR d.contact_id > $2)
         AND ($3::text[] IS NULL OR d.contact_id = ANY($3::text[]))
         AND NOT EXISTS (
               SELECT 1 FROM record_errors e
               WHERE e.workspace_id = d.workspace_id AND e.step = $4::text AND e.record_id = d.contact_id AND e.quarantined)
       ORDER BY d.contact_id
       LIMIT $5`,
      [
        workspaceId,
        options.afterId ?? null,
        options.ids ?? null,
        options.skipQuarantinedStep ?? null,
        options.limit ?? 100,
      ],
    );
    return rows.map((r) => ({
      contactId: r.contact_id,
      stage: r.stage,
      sourceStage: r.source_stage,
      scores: r.scores,
      summary: r.summary,
      recycled: r.recycled,
      modelVersion: r.model_version,
    }));
  }

  async countPendingWrites(workspaceId: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM decisions
       WHERE workspace_id = $1 AND (written_stage IS DISTINCT FROM stage OR written_scores IS DISTINCT FROM scores)`,
      [workspaceId],
    );
    return rows[0]?.n ?? 0;
  }

  /** Records what the source now holds for these contacts. */
  async markWritten(
    workspaceId: string,
    written: { contactId: string; stage: string; scores: Scores; modelVersion: string }[],
    at: Date,
  ): Promise<void> {
    if (written.length === 0) return;
    await this.db.query(
      `UPDATE decisions d SET written_stage = w.stage, written_scores = w.scores,
              written_model_version = w.model_version, written_at = $3
       FROM jsonb_to_recordset($2::jsonb) AS w(contact_id text, stage text, scores jsonb, model_version text)
       WHERE d.workspace_id = $1 AND d.contact_id = w.contact_id`,
      [
        workspaceId,
        json(
          written.map((w) => ({
            contact_id: w.contactId,
            stage: w.stage,
            scores: w.scores,
            model_version: w.modelVersion,
          })),
        ),
        at,
      ],
    );
  }

  /** Every decision, in id order, a page at a time. */
  async page(
    workspaceId: string,
    options: { afterId?: string; limit?: number } = {},
  ): Promise<StoredDecision[]> {
    const { rows } = await this.db.query<DecisionRow>(
      `SELECT * FROM decisions WHERE workspace_id = $1 AND ($2::text IS NULL OR contact_id > $2)
       ORDER BY contact_id LIMIT $3`,
      [workspaceId, options.afterId ?? null, options.limit ?? 500],
    );
    return rows.map(toStored);
  }

  async countByStage(workspaceId: string): Promise<Record<string, number>> {
    const { rows } = await this.db.query<{ stage: string; n: number }>(
      'SELECT stage, count(*)::int AS n FROM decisions WHERE workspace_id = $1 GROUP BY stage ORDER BY stage',
      [workspaceId],
    );
    return Object.fromEntries(rows.map((r) => [r.stage, r.n]));
  }

  async history(workspaceId: string, contactId: string): Promise<StageStay[]> {
    const { rows } = await this.db.query<{ stage: string; entered_at: Date; exited_at: Date | null }>(
      `SELECT stage, entered_at, exited_at FROM stage_history WHERE workspace_id = $1 AND contact_id = $2
       ORDER BY entered_at, id`,
      [workspaceId, contactId],
    );
    return rows.map((r) => ({
      stage: r.stage,
      enteredAt: iso(r.entered_at),
      exitedAt: isoOrNull(r.exited_at),
    }));
  }

  /** Every stay of the workspace (for the funnel), optionally only those still open at or entered after `since`. */
  async stays(
    workspaceId: string,
    since?: Date,
  ): Promise<{ contactId: string; stage: string; enteredAt: string; exitedAt: string | null }[]> {
    const { rows } = await this.db.query<{
      contact_id: string;
      stage: string;
      entered_at: Date;
      exited_at: Date | null;
    }>(
      `SELECT contact_id, stage, entered_at, exited_at FROM stage_history
       WHERE workspace_id = $1 AND ($2::timestamptz IS NULL OR entered_at >= $2 OR exited_at IS NULL OR exited_at >= $2)
       ORDER BY contact_id, entered_at, id`,
      [workspaceId, since ?? null],
    );
    return rows.map((r) => ({
      contactId: r.contact_id,
      stage: r.stage,
      enteredAt: iso(r.entered_at),
      exitedAt: isoOrNull(r.exited_at),
    }));
  }
}
