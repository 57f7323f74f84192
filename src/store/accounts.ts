/** Accounts per workspace: name and the account dimensions last computed from their contacts. */
import type { Scores } from '../model.ts';

import type { Db } from './db.ts';

export interface StoredAccount {
  id: string;
  name: string | null;
  scores: Scores;
}

export class AccountRepo {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async list(workspaceId: string): Promise<StoredAccount[]> {
    const { rows } = await this.db.query<{ account_id: string; name: string | null; scores: Scores }>(
      'SELECT account_id, name, scores FROM accounts WHERE workspace_id = $1 ORDER BY account_id',
      [workspaceId],
    );
    return rows.map((r) => ({ id: r.account_id, name: r.name, scores: r.scores }));
  }

  /** The stored accounts among `accountIds`. */
  async forIds(workspaceId: string, accountIds: string[]): Promise<StoredAccount[]> {
    if (accountIds.length === 0) return [];
    const { rows } = await this.db.query<{ account_id: string; name: string | null; scores: Scores }>(
      'SELECT account_id, name, scores FROM accounts WHERE workspace_id = $1 AND account_id = ANY($2::text[])',
      [workspaceId, accountIds],
    );
    return rows.map((r) => ({ id: r.account_id, name: r.name, scores: r.scores }));
  }

  async save(workspaceId: string, accounts: StoredAccount[], at: Date): Promise<void> {
    if (accounts.length === 0) return;
    await this.db.query(
      `INSERT INTO accounts (workspace_id, account_id, name, scores, updated_at)
       SELECT $1, a.id, a.name, a.scores, $3 FROM jsonb_to_recordset($2::jsonb) AS a(id text, name text, scores jsonb)
       ON CONFLICT (workspace_id, account_id) DO UPDATE SET name = EXCLUDED.name, scores = EXCLUDED.scores,
         updated_at = EXCLUDED.updated_at`,
      [workspaceId, JSON.stringify(accounts), at],
    );
  }
}
