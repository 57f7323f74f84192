/** One row per sync (or re-qualification) run: when, how it ended, counts per step, API calls. */
import { randomUUID } from 'node:crypto';

import type { Db } from './db.ts';
import { iso, isoOrNull, json } from './rows.ts';

export type SyncRunStatus = 'running' | 'succeeded' | 'failed';

export interface SyncRun {
  id: string;
  workspaceId: string;
  kind: string;
  full: boolean;
  status: SyncRunStatus;
  startedAt: string;
  finishedAt: string | null;
  counts: Record<string, unknown>;
  apiCalls: Record<string, number>;
  error: string | null;
}

interface RunRow {
  id: string;
  workspace_id: string;
  kind: string;
  full_sync: boolean;
  status: SyncRunStatus;
  started_at: Date;
  finished_at: Date | null;
  counts: Record<string, unknown>;
  api_calls: Record<string, number>;
  error: string | null;
}

function toRun(r: RunRow): SyncRun {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    kind: r.kind,
    full: r.full_sync,
    status: r.status,
    startedAt: iso(r.started_at),
    finishedAt: isoOrNull(r.finished_at),
    counts: r.counts,
    apiCalls: r.api_calls,
    error: r.error,
  };
}

export class SyncRunRepo {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async start(
    workspaceId: string,
    options: { kind?: string; full?: boolean; startedAt: Date },
  ): Promise<string> {
    const id = randomUUID();
    await this.db.query(
      'INSERT INTO sync_runs (id, workspace_id, kind, full_sync, started_at) VALUES ($1, $2, $3, $4, $5)',
      [id, workspaceId, options.kind ?? 'sync', options.full ?? false, options.startedAt],
    );
    return id;
  }

  async finish(
    id: string,
    result: {
      status: Exclude<SyncRunStatus, 'running'>;
      finishedAt: Date;
      counts: Record<string, unknown>;
      apiCalls: Record<string, number>;
      error?: string | null;
    },
  ): Promise<void> {
    await this.db.query(
      `UPDATE sync_runs SET status = $2, finished_at = $3, counts = $4::jsonb, api_calls = $5::jsonb, error = $6
       WHERE id = $1`,
      [
        id,
        result.status,
        result.finishedAt,
        json(result.counts),
        json(result.apiCalls),
        result.error ?? null,
      ],
    );
  }

  /** Marks sync runs still `running` as failed: called by the holder of the workspace's run lock, so they died. */
  async markInterrupted(workspaceId: string, at: Date): Promise<number> {
    const { rowCount } = await this.db.query(
      `UPDATE sync_runs SET status = 'failed', finished_at = $2, error = 'interrupted: the process running it stopped'
       WHERE workspace_id = $1 AND status = 'running' AND kind = 'sync'`,
      [workspaceId, at],
    );
    return rowCount;
  }

  async get(id: string): Promise<SyncRun | null> {
    const { rows } = await this.db.query<RunRow>('SELECT * FROM sync_runs WHERE id = $1', [id]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** Latest first; `offset` pages further back. */
  async list(workspaceId: string, limit = 20, offset = 0): Promise<SyncRun[]> {
    const { rows } = await this.db.query<RunRow>(
      'SELECT * FROM sync_runs WHERE workspace_id = $1 ORDER BY started_at DESC, id LIMIT $2 OFFSET $3',
      [workspaceId, limit, offset],
    );
    return rows.map(toRun);
  }

  async count(workspaceId: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM sync_runs WHERE workspace_id = $1',
      [workspaceId],
    );
    return rows[0]?.n ?? 0;
  }
}
