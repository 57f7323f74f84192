/** Links between a source contact and the CRM record it was handed off as (and what it became). */
import type { HandoffAccount, Properties, Scores } from '../model.ts';

import type { Db } from './db.ts';
import { NO_STATISTICS, type TableStatistics } from './statistics.ts';
import { isoOrNull, json } from './rows.ts';

export interface CrmLink {
  contactId: string;
  externalId: string;
  crmObject: string | null;
  crmId: string | null;
  convertedContactId: string | null;
  convertedOpportunityId: string | null;
  handedStage: string | null;
  handedScores: Scores | null;
  handedAt: string | null;
  /**
   * The owner leadstage last set: on creation, or on reassignment after an SLA breach (null: the
   * CRM chose, or the record was not created here).
   */
  ownerId: string | null;
  /** The Task or note that explains the handoff, updated on later handoffs. */
  why: { object: string; id: string } | null;
}

interface LinkRow {
  contact_id: string;
  external_id: string;
  crm_object: string | null;
  crm_id: string | null;
  converted_contact_id: string | null;
  converted_opportunity_id: string | null;
  handed_stage: string | null;
  handed_scores: Scores | null;
  handed_at: Date | null;
  owner_id: string | null;
  why_object: string | null;
  why_id: string | null;
}

function toLink(r: LinkRow): CrmLink {
  return {
    contactId: r.contact_id,
    externalId: r.external_id,
    crmObject: r.crm_object,
    crmId: r.crm_id,
    convertedContactId: r.converted_contact_id,
    convertedOpportunityId: r.converted_opportunity_id,
    handedStage: r.handed_stage,
    handedScores: r.handed_scores,
    handedAt: isoOrNull(r.handed_at),
    ownerId: r.owner_id ?? null,
    why: r.why_object && r.why_id ? { object: r.why_object, id: r.why_id } : null,
  };
}

/** A contact at a handoff stage whose stage or scores the CRM has not been sent yet. */
export interface PendingHandoff {
  contactId: string;
  stage: string;
  scores: Scores;
  summary: string;
  properties: Properties;
  link: CrmLink | null;
  /** The contact's account and its dimensions (null: no account, or accounts were not asked for). */
  account: HandoffAccount | null;
}

export class LinkRepo {
  private readonly db: Db;
  private readonly statistics: TableStatistics;

  constructor(db: Db, statistics: TableStatistics = NO_STATISTICS) {
    this.db = db;
    this.statistics = statistics;
  }

  async get(workspaceId: string, contactId: string): Promise<CrmLink | null> {
    const { rows } = await this.db.query<LinkRow>(
      'SELECT * FROM crm_links WHERE workspace_id = $1 AND contact_id = $2',
      [workspaceId, contactId],
    );
    return rows[0] ? toLink(rows[0]) : null;
  }

  /** The link a CRM record belongs to: by external id, else by the CRM id of the record or what it became. */
  async find(
    workspaceId: string,
    by: { externalId?: string | null; crmId?: string },
  ): Promise<CrmLink | null> {
    const { rows } = await this.db.query<LinkRow>(
      `SELECT * FROM crm_links WHERE workspace_id = $1 AND (
         external_id = $2 OR crm_id = $3 OR converted_contact_id = $3 OR converted_opportunity_id = $3)
       ORDER BY (external_id = $2) DESC NULLS LAST LIMIT 1`,
      [workspaceId, by.externalId ?? null, by.crmId ?? null],
    );
    return rows[0] ? toLink(rows[0]) : null;
  }

  /** `find` for many records in one statement: the link of each, in order, or null. */
  async findMany(
    workspaceId: string,
    keys: { externalId?: string | null; crmId?: string }[],
  ): Promise<(CrmLink | null)[]> {
    if (keys.length === 0) return [];
    const { rows } = await this.db.query<LinkRow & { n: number }>(
      `SELECT k.n::int AS n, l.* FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS k(external_id, crm_id, n)
       CROSS JOIN LATERAL (
         SELECT * FROM crm_links c WHERE c.workspace_id = $1 AND (
           c.external_id = k.external_id OR c.crm_id = k.crm_id
           OR c.converted_contact_id = k.crm_id OR c.converted_opportunity_id = k.crm_id)
         ORDER BY (c.external_id = k.external_id) DESC NULLS LAST LIMIT 1) l`,
      [workspaceId, keys.map((k) => k.externalId ?? null), keys.map((k) => k.crmId ?? null)],
    );
    const found: (CrmLink | null)[] = keys.map(() => null);
    for (const r of rows) found[r.n - 1] = toLink(r);
    return found;
  }

  async forContacts(workspaceId: string, contactIds: string[]): Promise<Map<string, CrmLink>> {
    if (contactIds.length === 0) return new Map();
    const { rows } = await this.db.query<LinkRow>(
      `SELECT * FROM crm_links WHERE workspace_id = $1 AND contact_id = ANY($2::text[])`,
      [workspaceId, contactIds],
    );
    return new Map(rows.map((r) => [r.contact_id, toLink(r)]));
  }

  async list(workspaceId: string): Promise<CrmLink[]> {
    const { rows } = await this.db.query<LinkRow>(
      'SELECT * FROM crm_links WHERE workspace_id = $1 ORDER BY contact_id',
      [workspaceId],
    );
    return rows.map(toLink);
  }

  /** Records successful handoffs: creates the link or updates what the CRM was last sent. */
  async recordHandoffs(
    workspaceId: string,
    handoffs: {
      contactId: string;
      externalId: string;
      crmId: string;
      stage: string;
      scores: Scores;
      /** The CRM Contact later handoffs update (a matched or converted record). */
      followContactId?: string | undefined;
      /** The owner set on the record this handoff created. */
      ownerId?: string | undefined;
      /** The account dimensions written with it (CRMs that file contacts under accounts). */
      accountScores?: Scores | undefined;
    }[],
    at: Date,
  ): Promise<void> {
    if (handoffs.length === 0) return;
    await this.db.query(
      `INSERT INTO crm_links (workspace_id, contact_id, external_id, crm_id, converted_contact_id, handed_stage, handed_scores, handed_at, owner_id, handed_account_scores)
       SELECT $1, h.contact_id, h.external_id, h.crm_id, h.follow, h.stage, h.scores, $3, h.owner_id, h.account_scores
       FROM jsonb_to_recordset($2::jsonb) AS h(contact_id text, external_id text, crm_id text, follow text, stage text, scores jsonb, owner_id text, account_scores jsonb)
       ON CONFLICT (workspace_id, contact_id) DO UPDATE SET
         crm_id = CASE WHEN crm_links.converted_contact_id IS NULL THEN EXCLUDED.crm_id ELSE crm_links.crm_id END,
         converted_contact_id = coalesce(crm_links.converted_contact_id, EXCLUDED.converted_contact_id),
         handed_stage = EXCLUDED.handed_stage, handed_scores = EXCLUDED.handed_scores,
         handed_at = EXCLUDED.handed_at, owner_id = coalesce(crm_links.owner_id, EXCLUDED.owner_id),
         handed_account_scores = EXCLUDED.handed_account_scores, updated_at = now()`,
      [
        workspaceId,
        json(
          handoffs.map((h) => ({
            contact_id: h.contactId,
            external_id: h.externalId,
            crm_id: h.crmId,
            follow: h.followContactId ?? null,
            stage: h.stage,
            scores: h.scores,
            owner_id: h.ownerId ?? null,
            account_scores: h.accountScores ?? null,
          })),
        ),
        at,
      ],
    );
    await this.statistics.added(this.db, 'crm_links', handoffs.length);
  }

  /** Records the owner each contact's CRM record was reassigned to. */
  async setOwners(workspaceId: string, owners: { contactId: string; ownerId: string }[]): Promise<void> {
    if (!owners.length) return;
    await this.db.query(
      `UPDATE crm_links l SET owner_id = o.owner_id, updated_at = now()
       FROM jsonb_to_recordset($2::jsonb) AS o(contact_id text, owner_id text)
       WHERE l.workspace_id = $1 AND l.contact_id = o.contact_id`,
      [workspaceId, json(owners.map((o) => ({ contact_id: o.contactId, owner_id: o.ownerId })))],
    );
  }

  /** Records the Task or note that explains each contact's handoff (the one later handoffs update). */
  async recordWhy(
    workspaceId: string,
    notes: { contactId: string; object: string; id: string }[],
  ): Promise<void> {
    if (!notes.length) return;
    await this.db.query(
      `UPDATE crm_links l SET why_object = n.object, why_id = n.id, updated_at = now()
       FROM jsonb_to_recordset($2::jsonb) AS n(contact_id text, object text, id text)
       WHERE l.workspace_id = $1 AND l.contact_id = n.contact_id`,
      [workspaceId, json(notes.map((n) => ({ contact_id: n.contactId, object: n.object, id: n.id })))],
    );
  }

  /** Links whose external id has the old `<vendor>:<contactId>` form, without the source account. */
  async withLegacyExternalIds(workspaceId: string, vendor: string): Promise<CrmLink[]> {
    const { rows } = await this.db.query<LinkRow>(
      `SELECT * FROM crm_links WHERE workspace_id = $1 AND split_part(external_id, ':', 1) = $2
         AND external_id NOT LIKE '%:%:%' ORDER BY contact_id`,
      [workspaceId, vendor],
    );
    return rows.map(toLink);
  }

  async setExternalIds(workspaceId: string, changes: { from: string; to: string }[]): Promise<void> {
    if (!changes.length) return;
    await this.db.query(
      `UPDATE crm_links l SET external_id = c.to_id, updated_at = now()
       FROM jsonb_to_recordset($2::jsonb) AS c(from_id text, to_id text)
       WHERE l.workspace_id = $1 AND l.external_id = c.from_id`,
      [workspaceId, json(changes.map((c) => ({ from_id: c.from, to_id: c.to })))],
    );
  }

  /** Records what the CRM says the record is now (object, id, conversion). */
  async recordOutcome(
    workspaceId: string,
    contactId: string,
    outcome: {
      crmObject: string;
      crmId: string;
      convertedContactId?: string | undefined;
      convertedOpportunityId?: string | undefined;
    },
  ): Promise<void> {
    // An Opportunity outcome names the opportunity, not the record handed off: keep the lead/contact id.
    const isRecord = outcome.crmObject !== 'Opportunity';
    await this.db.query(
      `UPDATE crm_links SET
         crm_object = CASE WHEN $3 THEN $4 ELSE crm_object END,
         crm_id = CASE WHEN $3 THEN $5 ELSE crm_id END,
         converted_contact_id = coalesce($6, converted_contact_id),
         converted_opportunity_id = coalesce($7, converted_opportunity_id, CASE WHEN $3 THEN NULL ELSE $5 END),
         updated_at = now()
       WHERE workspace_id = $1 AND contact_id = $2`,
      [
        workspaceId,
        contactId,
        isRecord,
        outcome.crmObject,
        outcome.crmId,
        outcome.convertedContactId ?? null,
        outcome.convertedOpportunityId ?? null,
      ],
    );
  }

  /**
   * Contacts whose decided stage is one of `stages` and whose link is missing or was last sent another
   * stage or other scores.
   */
  async pendingHandoffs(
    workspaceId: string,
    stages: readonly string[],
    options: {
      afterId?: string;
      limit?: number;
      ids?: string[];
      skipQuarantinedStep?: string;
      /** Join each contact's account; a change in its dimensions makes the contact pending again. */
      accounts?: boolean;
    } = {},
  ): Promise<PendingHandoff[]> {
    if (stages.length === 0) return [];
    // The quarantine filter stands outside any OR (a null step matches no row) so the planner makes it an
    // anti-join, not a subquery rerun per row.
    const { rows } = await this.db.query<
      LinkRow & {
        dcontact: string;
        stage: string;
        scores: Scores;
        summary: string;
        properties: Properties;
        has_link: boolean;
        account_key: string | null;
        account_name: string | null;
        account_scores: Scores | null;
      }
    >(
      `SELECT d.contact_id AS dcontact, d.stage, d.scores, d.summary, c.properties, l.*, (l.contact_id IS NOT NULL) AS has_link,
              a.account_id AS account_key, a.name AS account_name, a.scores AS account_scores
       FROM decisions d
       JOIN contacts c USING (workspace_id, contact_id)
       LEFT JOIN crm_links l ON l.workspace_id = d.workspace_id AND l.contact_id = d.contact_id
       LEFT JOIN accounts a ON $7::boolean AND a.workspace_id = c.workspace_id AND a.account_id = c.account_id
       WHERE d.workspace_id = $1
         AND d.stage = ANY($2::text[])
         AND (l.contact_id IS NULL OR l.handed_stage IS DISTINCT FROM d.stage OR l.handed_scores IS DISTINCT FROM d.scores
              OR (a.scores IS NOT NULL AND l.handed_account_scores IS DISTINCT FROM a.scores))
         AND ($3::text IS NULL OR d.contact_id > $3)
         AND ($4::text[] IS NULL OR d.contact_id = ANY($4::text[]))
         AND NOT EXISTS (
               SELECT 1 FROM record_errors e
               WHERE e.workspace_id = d.workspace_id AND e.step = $5::text AND e.record_id = d.contact_id AND e.quarantined)
       ORDER BY d.contact_id
       LIMIT $6`,
      [
        workspaceId,
        [...stages],
        options.afterId ?? null,
        options.ids ?? null,
        options.skipQuarantinedStep ?? null,
        options.limit ?? 100,
        options.accounts ?? false,
      ],
    );
    return rows.map((r) => ({
      contactId: r.dcontact,
      stage: r.stage,
      scores: r.scores,
      summary: r.summary,
      properties: r.properties,
      link: r.has_link ? toLink(r) : null,
      account:
        r.account_key && r.account_scores
          ? { id: r.account_key, name: r.account_name ?? r.account_key, scores: r.account_scores }
          : null,
    }));
  }
}
