/**
 * Ownership: the round-robin rotations that choose owners for handed-off records, and the moments
 * a contact passed from one team to another (marketing → SDR → sales) that the funnel counts.
 */
import type { StageOwner } from '../model.ts';

import type { Db } from './db.ts';
import { iso, json } from './rows.ts';

export interface OwnerMoment {
  contactId: string;
  /** Null for a contact's first stage. */
  from: StageOwner | null;
  to: StageOwner;
  stage: string;
  /** ISO-8601. */
  at: string;
}

export class OwnershipRepo {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /**
   * Reserves `count` consecutive turns of a rotation and returns the first one (0 for a new
   * rotation). One UPSERT: concurrent callers get disjoint turns, and a restart continues.
   */
  async reserveTurns(workspaceId: string, rotation: string, count: number): Promise<number> {
    if (count <= 0) return 0;
    const { rows } = await this.db.query<{ position: string | number }>(
      `INSERT INTO owner_rotations (workspace_id, rotation, position) VALUES ($1, $2, $3)
       ON CONFLICT (workspace_id, rotation) DO UPDATE
         SET position = owner_rotations.position + EXCLUDED.position, updated_at = now()
       RETURNING position`,
      [workspaceId, rotation, count],
    );
    return Number(rows[0]!.position) - count;
  }

  async recordMoments(workspaceId: string, moments: OwnerMoment[]): Promise<void> {
    if (moments.length === 0) return;
    await this.db.query(
      `INSERT INTO owner_handoffs (workspace_id, contact_id, from_owner, to_owner, stage, at)
       SELECT $1, m.contact_id, m.from_owner, m.to_owner, m.stage, m.at
       FROM jsonb_to_recordset($2::jsonb) AS m(contact_id text, from_owner text, to_owner text, stage text, at timestamptz)`,
      [
        workspaceId,
        json(
          moments.map((m) => ({
            contact_id: m.contactId,
            from_owner: m.from,
            to_owner: m.to,
            stage: m.stage,
            at: m.at,
          })),
        ),
      ],
    );
  }

  /** Every ownership moment of the workspace (or one contact), oldest first. */
  async moments(workspaceId: string, contactId?: string): Promise<OwnerMoment[]> {
    const { rows } = await this.db.query<{
      contact_id: string;
      from_owner: StageOwner | null;
      to_owner: StageOwner;
      stage: string;
      at: Date;
    }>(
      `SELECT contact_id, from_owner, to_owner, stage, at FROM owner_handoffs
       WHERE workspace_id = $1 AND ($2::text IS NULL OR contact_id = $2) ORDER BY at, id`,
      [workspaceId, contactId ?? null],
    );
    return rows.map((r) => ({
      contactId: r.contact_id,
      from: r.from_owner,
      to: r.to_owner,
      stage: r.stage,
      at: iso(r.at),
    }));
  }
}
