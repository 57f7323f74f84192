/**
 * The audit trail of privacy operations: who, when, what, and which kinds of data, in counts.
 * Entries never hold personal data (no email, name or source id), so they outlive an erasure.
 */
import type { Db } from './db.ts';
import { iso, json } from './rows.ts';

export interface AuditEntry {
  workspaceId: string;
  at: string;
  /** `cli:<user>`, `api`, `webhook:hubspot`, … */
  actor: string;
  action: string;
  /** The kinds of data the action touched: `contact_snapshot`, `engagement_events`, … */
  dataKinds: string[];
  details: Record<string, unknown>;
}

interface AuditRow {
  workspace_id: string;
  at: Date;
  actor: string;
  action: string;
  data_kinds: string[];
  details: Record<string, unknown>;
}

export class AuditRepo {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async append(entry: Omit<AuditEntry, 'at'> & { at: Date }): Promise<void> {
    await this.db.query(
      `INSERT INTO audit_log (workspace_id, at, actor, action, data_kinds, details)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)`,
      [entry.workspaceId, entry.at, entry.actor, entry.action, json(entry.dataKinds), json(entry.details)],
    );
  }

  async list(workspaceId: string): Promise<AuditEntry[]> {
    const { rows } = await this.db.query<AuditRow>(
      'SELECT * FROM audit_log WHERE workspace_id = $1 ORDER BY at, id',
      [workspaceId],
    );
    return rows.map((r) => ({
      workspaceId: r.workspace_id,
      at: iso(r.at),
      actor: r.actor,
      action: r.action,
      dataKinds: r.data_kinds,
      details: r.details,
    }));
  }
}
