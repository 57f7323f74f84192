/** Stream positions, one flat JSON object per owner (workspace or connection) and stream. */
import type { Cursor } from '../pipeline/ports.ts';

import type { Db } from './db.ts';
import { json } from './rows.ts';

export interface CursorOwner {
  kind: 'workspace' | 'connection';
  id: string;
}

export class CursorRepo {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async get(owner: CursorOwner, stream: string): Promise<Cursor | null> {
    const { rows } = await this.db.query<{ cursor: Cursor }>(
      'SELECT cursor FROM cursors WHERE owner_kind = $1 AND owner_id = $2 AND stream = $3',
      [owner.kind, owner.id, stream],
    );
    return rows[0]?.cursor ?? null;
  }

  async set(owner: CursorOwner, stream: string, cursor: Cursor): Promise<void> {
    await this.db.query(
      `INSERT INTO cursors (owner_kind, owner_id, stream, cursor) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (owner_kind, owner_id, stream) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now()`,
      [owner.kind, owner.id, stream, json(cursor)],
    );
  }

  async list(owner: CursorOwner): Promise<Record<string, Cursor>> {
    const { rows } = await this.db.query<{ stream: string; cursor: Cursor }>(
      'SELECT stream, cursor FROM cursors WHERE owner_kind = $1 AND owner_id = $2 ORDER BY stream',
      [owner.kind, owner.id],
    );
    return Object.fromEntries(rows.map((r) => [r.stream, r.cursor]));
  }

  /** Forgets every position of the owner (or one stream), so the next pull starts from the beginning. */
  async clear(owner: CursorOwner, stream?: string): Promise<void> {
    await this.db.query(
      `DELETE FROM cursors WHERE owner_kind = $1 AND owner_id = $2 AND ($3::text IS NULL OR stream = $3)`,
      [owner.kind, owner.id, stream ?? null],
    );
  }
}
