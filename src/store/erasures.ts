/**
 * Erasure in the store (GDPR art. 17): every row holding a person's data goes, in one transaction.
 * Stage history goes too, rather than staying as anonymous counts: a per-contact row with its
 * timestamps can still single a person out, and the funnel reads only the rows that remain.
 * CRM records of erased people wait in `crm_erasures` until the CRM answered.
 */
import type { Db } from './db.ts';
import { iso, json } from './rows.ts';

/** What the CRM knows a person by: the external id and the CRM ids the link recorded. */
export interface CrmErasureTarget {
  externalId: string;
  crmId: string | null;
  convertedContactId: string | null;
}

export interface PendingCrmErasure {
  id: string;
  workspaceId: string;
  targets: CrmErasureTarget[];
  requestedAt: string;
  attempts: number;
}

/** Rows removed, per kind of data. */
export type ErasedCounts = Record<
  | 'contact_snapshot'
  | 'engagement_events'
  | 'decisions_and_reasons'
  | 'stage_history'
  | 'crm_links'
  | 'record_errors',
  number
>;

export class ErasureRepo {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** Stored contacts whose `email` property is `email`, in any case. */
  async contactsByEmail(workspaceId: string, email: string): Promise<string[]> {
    const { rows } = await this.db.query<{ contact_id: string }>(
      `SELECT contact_id FROM contacts WHERE workspace_id = $1 AND lower(trim(properties->>'email')) = lower(trim($2))
       ORDER BY contact_id`,
      [workspaceId, email],
    );
    return rows.map((r) => r.contact_id);
  }

  /** The emails stored for `contactIds` (to suppress them too when erasing by id). */
  async emailsOf(workspaceId: string, contactIds: string[]): Promise<string[]> {
    if (!contactIds.length) return [];
    const { rows } = await this.db.query<{ email: string | null }>(
      `SELECT properties->>'email' AS email FROM contacts WHERE workspace_id = $1
         AND contact_id IN (SELECT jsonb_array_elements_text($2::jsonb))`,
      [workspaceId, json(contactIds)],
    );
    return [...new Set(rows.flatMap((r) => (r.email ? [r.email] : [])))];
  }

  /** Ids merged into `contactIds` earlier: the same person under the source's older ids. */
  async mergedInto(workspaceId: string, contactIds: string[]): Promise<string[]> {
    if (!contactIds.length) return [];
    const { rows } = await this.db.query<{ merged_id: string }>(
      `SELECT merged_id FROM contact_merges WHERE workspace_id = $1
         AND into_id IN (SELECT jsonb_array_elements_text($2::jsonb))`,
      [workspaceId, json(contactIds)],
    );
    return rows.map((r) => r.merged_id);
  }

  async crmTargets(workspaceId: string, contactIds: string[]): Promise<CrmErasureTarget[]> {
    if (!contactIds.length) return [];
    const { rows } = await this.db.query<{
      external_id: string;
      crm_id: string | null;
      converted_contact_id: string | null;
    }>(
      `SELECT external_id, crm_id, converted_contact_id FROM crm_links WHERE workspace_id = $1
         AND contact_id IN (SELECT jsonb_array_elements_text($2::jsonb)) ORDER BY external_id`,
      [workspaceId, json(contactIds)],
    );
    return rows.map((r) => ({
      externalId: r.external_id,
      crmId: r.crm_id,
      convertedContactId: r.converted_contact_id,
    }));
  }

  /** Deletes every row of `contactIds` (and of ids merged into them); returns the counts per kind. */
  async erase(workspaceId: string, contactIds: string[]): Promise<ErasedCounts> {
    const ids = json(contactIds);
    const run = async (sql: string) => (await this.db.query(sql, [workspaceId, ids])).rowCount;
    const inIds = '(SELECT jsonb_array_elements_text($2::jsonb))';
    return this.db.transaction(async () => {
      const counts: ErasedCounts = {
        record_errors: await run(
          `DELETE FROM record_errors WHERE workspace_id = $1 AND record_id IN ${inIds}`,
        ),
        engagement_events: await run(
          `DELETE FROM engagement_events WHERE workspace_id = $1 AND contact_id IN ${inIds}`,
        ),
        stage_history: await run(
          `DELETE FROM stage_history WHERE workspace_id = $1 AND contact_id IN ${inIds}`,
        ),
        decisions_and_reasons: await run(
          `DELETE FROM decisions WHERE workspace_id = $1 AND contact_id IN ${inIds}`,
        ),
        crm_links: await run(`DELETE FROM crm_links WHERE workspace_id = $1 AND contact_id IN ${inIds}`),
        contact_snapshot: await run(
          `DELETE FROM contacts WHERE workspace_id = $1 AND contact_id IN ${inIds}`,
        ),
      };
      // The merge trail names the person's ids: it goes too (suppression keeps them out).
      await run(
        `DELETE FROM contact_merges WHERE workspace_id = $1 AND (into_id IN ${inIds} OR merged_id IN ${inIds})`,
      );
      return counts;
    });
  }

  async queueCrm(workspaceId: string, targets: CrmErasureTarget[], at: Date): Promise<void> {
    if (!targets.length) return;
    await this.db.query(
      'INSERT INTO crm_erasures (workspace_id, targets, requested_at) VALUES ($1, $2::jsonb, $3)',
      [workspaceId, json(targets), at],
    );
  }

  async pendingCrm(workspaceId: string): Promise<PendingCrmErasure[]> {
    const { rows } = await this.db.query<{
      id: string;
      workspace_id: string;
      targets: CrmErasureTarget[];
      requested_at: Date;
      attempts: number;
    }>(
      'SELECT id::text AS id, workspace_id, targets, requested_at, attempts FROM crm_erasures WHERE workspace_id = $1 ORDER BY id',
      [workspaceId],
    );
    return rows.map((r) => ({
      id: r.id,
      workspaceId: r.workspace_id,
      targets: r.targets,
      requestedAt: iso(r.requested_at),
      attempts: r.attempts,
    }));
  }

  async finishCrm(id: string): Promise<void> {
    await this.db.query('DELETE FROM crm_erasures WHERE id = $1::bigint', [id]);
  }

  async failCrm(id: string, error: string): Promise<void> {
    await this.db.query(
      'UPDATE crm_erasures SET attempts = attempts + 1, last_error = $2 WHERE id = $1::bigint',
      [id, error],
    );
  }
}
