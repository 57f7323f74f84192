/**
 * Contact snapshots per workspace and their engagement events. A contact whose data changed is
 * flagged `needs_qualification` until a decision has been stored for it.
 */
import type { Contact, EngagementEvent, Properties } from '../model.ts';

import type { Db } from './db.ts';
import { NO_STATISTICS, type TableStatistics } from './statistics.ts';
import { iso, isoOrNull, json } from './rows.ts';

export interface StoredContact {
  id: string;
  properties: Properties;
  salesFacts: Properties;
  sourceStage: string | null;
  sourceUpdatedAt: string | null;
  needsQualification: boolean;
}

interface ContactRow {
  contact_id: string;
  properties: Properties;
  sales_facts: Properties;
  source_stage: string | null;
  source_updated_at: Date | null;
  needs_qualification: boolean;
}

function toStored(r: ContactRow): StoredContact {
  return {
    id: r.contact_id,
    properties: r.properties,
    salesFacts: r.sales_facts,
    sourceStage: r.source_stage,
    sourceUpdatedAt: isoOrNull(r.source_updated_at),
    needsQualification: r.needs_qualification,
  };
}

export interface ContactPageOptions {
  /** Keyset pagination: ids strictly after this one. */
  afterId?: string;
  /** @default 500 */
  limit?: number;
  /** Only contacts flagged as needing qualification. */
  pendingOnly?: boolean;
  /** Only these ids. */
  ids?: string[];
  /** Leave out contacts quarantined for this step in `record_errors`. */
  skipQuarantinedStep?: string;
}

export interface InsertedEvents {
  /** How many events were new (not seen before under their vendor event id). */
  inserted: number;
  /** Contacts that got at least one new event. */
  contactIds: string[];
}

export class ContactRepo {
  private readonly db: Db;
  private readonly statistics: TableStatistics;

  constructor(db: Db, statistics: TableStatistics = NO_STATISTICS) {
    this.db = db;
    this.statistics = statistics;
  }

  /**
   * Inserts or updates snapshots; a contact is flagged for qualification when it is new or its
   * properties or stage changed. Returns the ids that were flagged.
   */
  async upsert(workspaceId: string, contacts: Contact[]): Promise<string[]> {
    if (contacts.length === 0) return [];
    const { rows } = await this.db.query<{ contact_id: string; needs_qualification: boolean }>(
      `INSERT INTO contacts (workspace_id, contact_id, properties, source_stage, source_updated_at)
       SELECT $1, c.id, coalesce(c.properties, '{}'::jsonb), c.stage, c.updated_at
       FROM jsonb_to_recordset($2::jsonb) AS c(id text, properties jsonb, stage text, updated_at timestamptz)
       ON CONFLICT (workspace_id, contact_id) DO UPDATE SET
         properties = EXCLUDED.properties,
         source_stage = EXCLUDED.source_stage,
         source_updated_at = EXCLUDED.source_updated_at,
         stored_at = now(),
         needs_qualification = contacts.needs_qualification
           OR contacts.properties IS DISTINCT FROM EXCLUDED.properties
           OR contacts.source_stage IS DISTINCT FROM EXCLUDED.source_stage
       RETURNING contact_id, needs_qualification`,
      [
        workspaceId,
        json(
          dedupeById(contacts).map((c) => ({
            id: c.id,
            properties: c.properties,
            stage: c.stage ?? null,
            updated_at: c.updatedAt,
          })),
        ),
      ],
    );
    await this.statistics.added(this.db, 'contacts', rows.length);
    return rows.filter((r) => r.needs_qualification).map((r) => r.contact_id);
  }

  async get(workspaceId: string, contactId: string): Promise<StoredContact | null> {
    const [c] = await this.page(workspaceId, { ids: [contactId], limit: 1 });
    return c ?? null;
  }

  async page(workspaceId: string, options: ContactPageOptions = {}): Promise<StoredContact[]> {
    // The quarantine filter stands outside any OR (a null step matches no row) so the planner makes it an
    // anti-join, not a subquery rerun per row.
    const { rows } = await this.db.query<ContactRow>(
      `SELECT c.contact_id, c.properties, c.sales_facts, c.source_stage, c.source_updated_at, c.needs_qualification
       FROM contacts c
       WHERE c.workspace_id = $1
         AND ($2::text IS NULL OR c.contact_id > $2)
         AND (NOT $3::boolean OR c.needs_qualification)
         AND ($4::text[] IS NULL OR c.contact_id = ANY($4::text[]))
         AND NOT EXISTS (
               SELECT 1 FROM record_errors e
               WHERE e.workspace_id = c.workspace_id AND e.step = $5::text AND e.record_id = c.contact_id AND e.quarantined)
       ORDER BY c.contact_id
       LIMIT $6`,
      [
        workspaceId,
        options.afterId ?? null,
        options.pendingOnly ?? false,
        options.ids ?? null,
        options.skipQuarantinedStep ?? null,
        options.limit ?? 500,
      ],
    );
    return rows.map(toStored);
  }

  /**
   * Contacts whose id, email or first and last name contain `query`, case-insensitively. `strpos`
   * rather than LIKE: the admin's text is never a pattern. A scan of the workspace's contacts.
   */
  async search(workspaceId: string, query: string, limit = 50): Promise<StoredContact[]> {
    if (!query) return [];
    const { rows } = await this.db.query<ContactRow>(
      `SELECT contact_id, properties, sales_facts, source_stage, source_updated_at, needs_qualification
       FROM contacts
       WHERE workspace_id = $1
         AND (contact_id = $2
              OR strpos(lower(contact_id), lower($2)) > 0
              OR strpos(lower(coalesce(properties->>'email', '')), lower($2)) > 0
              OR strpos(lower(concat_ws(' ', properties->>'firstname', properties->>'lastname',
                                          properties->>'FirstName', properties->>'LastName')), lower($2)) > 0)
       ORDER BY (contact_id = $2) DESC, contact_id
       LIMIT $3`,
      [workspaceId, query, limit],
    );
    return rows.map(toStored);
  }

  /** All contacts, or with `pendingOnly` those flagged for qualification (a run's progress total). */
  async count(workspaceId: string, options: { pendingOnly?: boolean } = {}): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM contacts WHERE workspace_id = $1 AND (NOT $2::boolean OR needs_qualification)',
      [workspaceId, options.pendingOnly ?? false],
    );
    return rows[0]?.n ?? 0;
  }

  /** Contacts not rolled up to an account yet (`account_id` NULL), in id order. */
  async notRolledUp(
    workspaceId: string,
    options: { afterId?: string; limit: number },
  ): Promise<StoredContact[]> {
    const { rows } = await this.db.query<ContactRow>(
      `SELECT contact_id, properties, sales_facts, source_stage, source_updated_at, needs_qualification
       FROM contacts
       WHERE workspace_id = $1 AND account_id IS NULL AND ($2::text IS NULL OR contact_id > $2)
       ORDER BY contact_id
       LIMIT $3`,
      [workspaceId, options.afterId ?? null, options.limit],
    );
    return rows.map(toStored);
  }

  /** The account each contact was last rolled up to ('' for none; absent: not rolled up yet). */
  async accountIds(workspaceId: string, contactIds: string[]): Promise<Map<string, string>> {
    if (contactIds.length === 0) return new Map();
    const { rows } = await this.db.query<{ contact_id: string; account_id: string }>(
      `SELECT contact_id, account_id FROM contacts
       WHERE workspace_id = $1 AND contact_id = ANY($2::text[]) AND account_id IS NOT NULL`,
      [workspaceId, contactIds],
    );
    return new Map(rows.map((r) => [r.contact_id, r.account_id]));
  }

  /** Records the account each contact rolls up to ('' for none). */
  async setAccountIds(
    workspaceId: string,
    changes: { contactId: string; accountId: string }[],
  ): Promise<void> {
    if (changes.length === 0) return;
    await this.db.query(
      `UPDATE contacts c SET account_id = x.account_id
       FROM jsonb_to_recordset($2::jsonb) AS x(contact_id text, account_id text)
       WHERE c.workspace_id = $1 AND c.contact_id = x.contact_id`,
      [workspaceId, json(changes.map((c) => ({ contact_id: c.contactId, account_id: c.accountId })))],
    );
  }

  /**
   * The members of some accounts, by account then contact (keyset on both), through the
   * `contacts_by_account` index: a roll-up reads only the accounts it recomputes.
   */
  async inAccounts(
    workspaceId: string,
    accountIds: string[],
    options: { after?: { accountId: string; contactId: string }; limit: number },
  ): Promise<(StoredContact & { accountId: string })[]> {
    if (accountIds.length === 0) return [];
    const { rows } = await this.db.query<ContactRow & { account_id: string }>(
      `SELECT contact_id, account_id, properties, sales_facts, source_stage, source_updated_at, needs_qualification
       FROM contacts
       WHERE workspace_id = $1 AND account_id = ANY($2::text[])
         AND ($3::text IS NULL OR (account_id, contact_id) > ($3::text, $4::text))
       ORDER BY account_id, contact_id
       LIMIT $5`,
      [
        workspaceId,
        accountIds,
        options.after?.accountId ?? null,
        options.after?.contactId ?? null,
        options.limit,
      ],
    );
    return rows.map((r) => ({ ...toStored(r), accountId: r.account_id }));
  }

  async markPending(workspaceId: string, contactIds: string[]): Promise<void> {
    if (contactIds.length === 0) return;
    await this.db.query(
      `UPDATE contacts SET needs_qualification = true
       WHERE workspace_id = $1 AND contact_id = ANY($2::text[])`,
      [workspaceId, contactIds],
    );
  }

  /**
   * Flags the members of some accounts for qualification, except `keep` (contacts the run
   * qualifies anyway): a roll-up whose account changed re-qualifies its members without reading
   * their ids into memory.
   */
  async markAccountsPending(workspaceId: string, accountIds: string[], keep: string[]): Promise<void> {
    if (accountIds.length === 0) return;
    await this.db.query(
      `UPDATE contacts SET needs_qualification = true
       WHERE workspace_id = $1 AND account_id = ANY($2::text[]) AND NOT needs_qualification
         AND NOT (contact_id = ANY($3::text[]))`,
      [workspaceId, accountIds, keep],
    );
  }

  async markQualified(workspaceId: string, contactIds: string[]): Promise<void> {
    if (contactIds.length === 0) return;
    await this.db.query(
      `UPDATE contacts SET needs_qualification = false
       WHERE workspace_id = $1 AND contact_id = ANY($2::text[])`,
      [workspaceId, contactIds],
    );
  }

  /** Records the stage the source now shows (after a successful write back). */
  async setSourceStage(workspaceId: string, stages: { contactId: string; stage: string }[]): Promise<void> {
    if (stages.length === 0) return;
    await this.db.query(
      `UPDATE contacts c SET source_stage = s.stage
       FROM jsonb_to_recordset($2::jsonb) AS s(contact_id text, stage text)
       WHERE c.workspace_id = $1 AND c.contact_id = s.contact_id`,
      [workspaceId, json(stages.map((s) => ({ contact_id: s.contactId, stage: s.stage })))],
    );
  }

  /** Merges CRM facts into the contact; flags it for qualification when a fact changed. */
  async mergeSalesFacts(workspaceId: string, contactId: string, facts: Properties): Promise<boolean> {
    const { rows } = await this.db.query<{ changed: boolean }>(
      `UPDATE contacts SET
         needs_qualification = needs_qualification OR sales_facts || $3::jsonb IS DISTINCT FROM sales_facts,
         sales_facts = sales_facts || $3::jsonb
       WHERE workspace_id = $1 AND contact_id = $2
       RETURNING needs_qualification AS changed`,
      [workspaceId, contactId, json(facts)],
    );
    return rows[0]?.changed ?? false;
  }

  /** Stores events, skipping vendor event ids already stored. */
  async insertEvents(workspaceId: string, events: EngagementEvent[]): Promise<InsertedEvents> {
    if (events.length === 0) return { inserted: 0, contactIds: [] };
    const { rows } = await this.db.query<{ contact_id: string }>(
      `INSERT INTO engagement_events (workspace_id, event_id, contact_id, type, occurred_at, properties)
       SELECT $1, e.id, e.contact_id, e.type, e.at, coalesce(e.properties, '{}'::jsonb)
       FROM jsonb_to_recordset($2::jsonb) AS e(id text, contact_id text, type text, at timestamptz, properties jsonb)
       ON CONFLICT (workspace_id, event_id) DO NOTHING
       RETURNING contact_id`,
      [
        workspaceId,
        json(
          dedupeById(events).map((e) => ({
            id: e.id,
            contact_id: e.contactId,
            type: e.type,
            at: e.at,
            properties: e.properties,
          })),
        ),
      ],
    );
    await this.statistics.added(this.db, 'engagement_events', rows.length);
    return { inserted: rows.length, contactIds: [...new Set(rows.map((r) => r.contact_id))] };
  }

  /** Which of these vendor event ids are already stored. */
  async existingEventIds(workspaceId: string, eventIds: string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const { rows } = await this.db.query<{ event_id: string }>(
      `SELECT event_id FROM engagement_events
       WHERE workspace_id = $1 AND event_id = ANY($2::text[])`,
      [workspaceId, eventIds],
    );
    return new Set(rows.map((r) => r.event_id));
  }

  /** Events of these contacts, oldest first. */
  async eventsFor(workspaceId: string, contactIds: string[]): Promise<Map<string, EngagementEvent[]>> {
    if (contactIds.length === 0) return new Map();
    const { rows } = await this.db.query<EventRow>(
      `SELECT event_id, contact_id, type, occurred_at, properties FROM engagement_events
       WHERE workspace_id = $1 AND contact_id = ANY($2::text[])
       ORDER BY occurred_at, event_id`,
      [workspaceId, contactIds],
    );
    return eventsByContact(rows);
  }

  /**
   * The latest `perContact` events of each contact (by time; all the events tied at the last time
   * kept are returned too, so a caller that breaks ties its own way picks from the full set), in
   * time order. A handoff's why lists a contact's latest few: reading all of a batch's events (the
   * most engaged contacts of the portal, 2,000 at a time) held tens of MB for a few lines each.
   */
  async latestEventsFor(
    workspaceId: string,
    contactIds: string[],
    perContact: number,
  ): Promise<Map<string, EngagementEvent[]>> {
    if (contactIds.length === 0 || perContact <= 0) return new Map();
    const { rows } = await this.db.query<EventRow>(
      // rank() gives tied times one rank: every event tied with the last one kept is in. Times are
      // compared to the millisecond, as the events' ISO times are.
      `SELECT event_id, contact_id, type, occurred_at, properties FROM (
         SELECT event_id, contact_id, type, occurred_at, properties,
                rank() OVER (PARTITION BY contact_id ORDER BY date_trunc('milliseconds', occurred_at) DESC) AS n
         FROM engagement_events
         WHERE workspace_id = $1 AND contact_id = ANY($2::text[])
       ) latest
       WHERE n <= $3
       ORDER BY occurred_at, event_id`,
      [workspaceId, contactIds, perContact],
    );
    return eventsByContact(rows);
  }

  async countEvents(workspaceId: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM engagement_events WHERE workspace_id = $1',
      [workspaceId],
    );
    return rows[0]?.n ?? 0;
  }
}

/** One statement may not touch the same row twice (ON CONFLICT), so the last copy of an id wins. */
function dedupeById<T extends { id: string }>(items: T[]): T[] {
  return [...new Map(items.map((i) => [i.id, i])).values()];
}

interface EventRow {
  event_id: string;
  contact_id: string;
  type: string;
  occurred_at: Date;
  properties: Properties;
}

/** Rows in the order read, grouped by contact. */
function eventsByContact(rows: EventRow[]): Map<string, EngagementEvent[]> {
  const out = new Map<string, EngagementEvent[]>();
  for (const r of rows) {
    const list = out.get(r.contact_id) ?? [];
    list.push({
      id: r.event_id,
      contactId: r.contact_id,
      type: r.type,
      at: iso(r.occurred_at),
      properties: r.properties,
    });
    out.set(r.contact_id, list);
  }
  return out;
}
