/**
 * Suppression of erased people: keyed hashes of their email and source ids, so a later pull or
 * handoff never re-creates them. The store never holds the values themselves; the key is derived
 * from the encryption key, so a leaked table cannot be matched against guessed emails.
 */
import type { Db } from './db.ts';
import type { Sealer } from './encryption.ts';
import { json } from './rows.ts';

export type SuppressionKind = 'email' | 'source_id';

const PURPOSE = 'suppression v1';

/** Emails compare as their owners mean them: case and surrounding space never matter. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export class SuppressionRepo {
  private readonly db: Db;
  private readonly sealer: Sealer;

  constructor(db: Db, sealer: Sealer) {
    this.db = db;
    this.sealer = sealer;
  }

  digest(kind: SuppressionKind, value: string): string {
    return this.sealer.digest(`${kind}:${kind === 'email' ? normalizeEmail(value) : value}`, PURPOSE);
  }

  async add(
    workspaceId: string,
    values: { kind: SuppressionKind; value: string }[],
    at: Date,
  ): Promise<number> {
    const rows = values
      .filter((v) => v.value.trim() !== '')
      .map((v) => ({ kind: v.kind, digest: this.digest(v.kind, v.value) }));
    if (!rows.length) return 0;
    const { rowCount } = await this.db.query(
      `INSERT INTO suppressions (workspace_id, kind, digest, created_at)
       SELECT $1, s.kind, s.digest, $3 FROM jsonb_to_recordset($2::jsonb) AS s(kind text, digest text)
       ON CONFLICT DO NOTHING`,
      [workspaceId, json(rows), at],
    );
    return rowCount;
  }

  /** Of `people` (source id and email, when known), the source ids of those suppressed. */
  async suppressedIds(
    workspaceId: string,
    people: { id: string; email?: string | null }[],
  ): Promise<Set<string>> {
    if (!people.length) return new Set();
    const byDigest = new Map<string, string[]>();
    const note = (digest: string, id: string) => byDigest.set(digest, [...(byDigest.get(digest) ?? []), id]);
    for (const p of people) {
      note(this.digest('source_id', p.id), p.id);
      if (p.email) note(this.digest('email', p.email), p.id);
    }
    const { rows } = await this.db.query<{ digest: string }>(
      `SELECT digest FROM suppressions WHERE workspace_id = $1
         AND digest IN (SELECT jsonb_array_elements_text($2::jsonb))`,
      [workspaceId, json([...byDigest.keys()])],
    );
    return new Set(rows.flatMap((r) => byDigest.get(r.digest) ?? []));
  }

  async count(workspaceId: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM suppressions WHERE workspace_id = $1',
      [workspaceId],
    );
    return rows[0]?.n ?? 0;
  }
}
