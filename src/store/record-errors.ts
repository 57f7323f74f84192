/**
 * Per-record failures by step (e.g. `write_back`, `handoff`): retried on later runs, quarantined
 * once they failed `quarantineAfter` times, removed when the record succeeds.
 */
import type { Db } from './db.ts';
import { iso, json } from './rows.ts';

export interface RecordErrorEntry {
  step: string;
  recordId: string;
  vendorCode: string;
  message: string;
  retryCount: number;
  quarantined: boolean;
  firstFailedAt: string;
  lastFailedAt: string;
}

interface ErrorRow {
  step: string;
  record_id: string;
  vendor_code: string;
  message: string;
  retry_count: number;
  quarantined: boolean;
  first_failed_at: Date;
  last_failed_at: Date;
}

function toEntry(r: ErrorRow): RecordErrorEntry {
  return {
    step: r.step,
    recordId: r.record_id,
    vendorCode: r.vendor_code,
    message: r.message,
    retryCount: r.retry_count,
    quarantined: r.quarantined,
    firstFailedAt: iso(r.first_failed_at),
    lastFailedAt: iso(r.last_failed_at),
  };
}

/** Which failures an admin action applies to; every given field must match. */
export interface RecordErrorFilter {
  step?: string | undefined;
  /** The vendor's error code, e.g. `unmapped_stage`. */
  code?: string | undefined;
  recordIds?: string[] | undefined;
  /** Only quarantined entries (release); retry always takes quarantined ones. */
  quarantinedOnly?: boolean | undefined;
}

const FILTER_SQL = `($2::text IS NULL OR step = $2) AND ($3::text IS NULL OR vendor_code = $3)
  AND ($4::jsonb IS NULL OR record_id IN (SELECT jsonb_array_elements_text($4::jsonb)))
  AND (NOT $5::boolean OR quarantined)`;

function filterParams(workspaceId: string, f: RecordErrorFilter): unknown[] {
  return [
    workspaceId,
    f.step ?? null,
    f.code ?? null,
    f.recordIds ? json(f.recordIds) : null,
    f.quarantinedOnly ?? false,
  ];
}

export class RecordErrorRepo {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** Counts one more failure per record; returns the updated entries. */
  async recordFailures(
    workspaceId: string,
    step: string,
    failures: { recordId: string; code: string; message: string }[],
    options: { quarantineAfter: number; at: Date },
  ): Promise<RecordErrorEntry[]> {
    if (failures.length === 0) return [];
    const { rows } = await this.db.query<ErrorRow>(
      `INSERT INTO record_errors AS e (workspace_id, step, record_id, vendor_code, message, retry_count, quarantined,
                                       first_failed_at, last_failed_at)
       SELECT $1, $2, f.record_id, f.code, f.message, 1, 1 >= $4, $5, $5
       FROM jsonb_to_recordset($3::jsonb) AS f(record_id text, code text, message text)
       ON CONFLICT (workspace_id, step, record_id) DO UPDATE SET
         vendor_code = EXCLUDED.vendor_code, message = EXCLUDED.message,
         retry_count = e.retry_count + 1, quarantined = e.retry_count + 1 >= $4,
         last_failed_at = EXCLUDED.last_failed_at
       RETURNING *`,
      [
        workspaceId,
        step,
        json(
          [...new Map(failures.map((f) => [f.recordId, f])).values()].map((f) => ({
            record_id: f.recordId,
            code: f.code,
            message: f.message.slice(0, 1000),
          })),
        ),
        options.quarantineAfter,
        options.at,
      ],
    );
    return rows.map(toEntry);
  }

  /** Forgets the failures of records that have now succeeded. */
  async clear(workspaceId: string, step: string, recordIds: string[]): Promise<void> {
    if (recordIds.length === 0) return;
    await this.db.query(
      `DELETE FROM record_errors WHERE workspace_id = $1 AND step = $2
       AND record_id = ANY($3::text[])`,
      [workspaceId, step, recordIds],
    );
  }

  async list(
    workspaceId: string,
    filter: { step?: string; quarantined?: boolean } = {},
  ): Promise<RecordErrorEntry[]> {
    const { rows } = await this.db.query<ErrorRow>(
      `SELECT * FROM record_errors WHERE workspace_id = $1 AND ($2::text IS NULL OR step = $2)
       AND ($3::boolean IS NULL OR quarantined = $3) ORDER BY step, record_id`,
      [workspaceId, filter.step ?? null, filter.quarantined ?? null],
    );
    return rows.map(toEntry);
  }

  /**
   * Forgets the matching failures (quarantined or not): the records start afresh on the next run,
   * with a full set of tries. Returns how many were released.
   */
  async releaseWhere(workspaceId: string, filter: RecordErrorFilter): Promise<number> {
    const { rowCount } = await this.db.query(
      `DELETE FROM record_errors WHERE workspace_id = $1 AND ${FILTER_SQL}`,
      filterParams(workspaceId, filter),
    );
    return rowCount;
  }

  /**
   * Takes the matching records out of quarantine keeping their count: the next run tries each once
   * more, and a further failure quarantines it again. Returns how many were let out.
   */
  async retryWhere(workspaceId: string, filter: RecordErrorFilter): Promise<number> {
    const { rowCount } = await this.db.query(
      `UPDATE record_errors SET quarantined = false
       WHERE workspace_id = $1 AND quarantined AND ${FILTER_SQL}`,
      filterParams(workspaceId, filter),
    );
    return rowCount;
  }

  /** Lets a quarantined record be tried again (after the admin fixed the data). */
  async release(workspaceId: string, step: string, recordId: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'DELETE FROM record_errors WHERE workspace_id = $1 AND step = $2 AND record_id = $3',
      [workspaceId, step, recordId],
    );
    return rowCount > 0;
  }
}
