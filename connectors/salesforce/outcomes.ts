/**
 * The closed loop: what sales did since the cursor. Changed Leads (status, conversion) first, then
 * changed Opportunities, each paged with keyset SOQL on (LastModifiedDate, Id) so rows sharing a
 * timestamp are neither skipped nor repeated. Opportunities are tied back to the handed-off record
 * through the converted Lead's ConvertedOpportunityId, else through their Contact's external id.
 */
import { z } from 'zod';

import { SALES_FACTS, type SalesOutcome } from '../../src/model.ts';
import type { Cursor, Page } from '../../src/pipeline/ports.ts';
import type { SalesforceClient } from './client.ts';
import type { SalesforceConfig } from './config.ts';
import { leadSalesStatus, opportunityState, type SalesforceMapping } from './mapping.ts';
import { chunk, modifiedAfter, soqlList } from './soql.ts';

export const outcomesCursorSchema = z.object({
  leadsModifiedAt: z.string().nullable().default(null),
  leadsLastId: z.string().nullable().default(null),
  opportunitiesModifiedAt: z.string().nullable().default(null),
  opportunitiesLastId: z.string().nullable().default(null),
});
export type OutcomesCursor = z.infer<typeof outcomesCursorSchema>;

const leadRowSchema = z.looseObject({
  Id: z.string(),
  Status: z.string().nullable().default(null),
  IsConverted: z.boolean().default(false),
  ConvertedContactId: z.string().nullable().default(null),
  ConvertedOpportunityId: z.string().nullable().default(null),
  LastModifiedDate: z.string(),
});
const opportunityRowSchema = z.looseObject({
  Id: z.string(),
  StageName: z.string().nullable().default(null),
  Amount: z.number().nullable().default(null),
  CloseDate: z.string().nullable().default(null),
  IsWon: z.boolean().default(false),
  IsClosed: z.boolean().default(false),
  ContactId: z.string().nullable().default(null),
  LastModifiedDate: z.string(),
});
const queryResultSchema = z.looseObject({ records: z.array(z.record(z.string(), z.unknown())) });

const IN_LIST = 100;

export class SalesOutcomes {
  private readonly client: SalesforceClient;
  private readonly mapping: SalesforceMapping;
  private readonly config: SalesforceConfig;
  constructor(client: SalesforceClient, mapping: SalesforceMapping, config: SalesforceConfig) {
    this.client = client;
    this.mapping = mapping;
    this.config = config;
  }

  async *pull(since: Cursor | null): AsyncIterable<Page<SalesOutcome>> {
    const cursor = outcomesCursorSchema.parse(since ?? {});
    yield* this.leads(cursor);
    yield* this.opportunities(cursor);
  }

  private async *leads(cursor: OutcomesCursor): AsyncIterable<Page<SalesOutcome>> {
    const extId = this.mapping.externalIdField;
    for (;;) {
      const where = [`${extId} != null`, modifiedAfter(cursor.leadsModifiedAt, cursor.leadsLastId)].filter(
        Boolean,
      );
      const soql =
        `SELECT Id, ${extId}, Status, IsConverted, ConvertedContactId, ConvertedOpportunityId, LastModifiedDate ` +
        `FROM Lead WHERE ${where.join(' AND ')} ORDER BY LastModifiedDate, Id LIMIT ${this.config.pageSize}`;
      const rows = await this.query(soql, 'Lead');
      if (!rows.length) return;
      const records = rows.map((raw): SalesOutcome => {
        const lead = leadRowSchema.parse(raw);
        return {
          externalId: typeof raw[extId] === 'string' ? raw[extId] : null,
          crmObject: 'Lead',
          crmId: lead.Id,
          facts: { [SALES_FACTS.status]: leadSalesStatus(this.mapping, lead.Status, lead.IsConverted) },
          ...(lead.ConvertedContactId ? { convertedContactId: lead.ConvertedContactId } : {}),
          ...(lead.ConvertedOpportunityId ? { convertedOpportunityId: lead.ConvertedOpportunityId } : {}),
          modifiedAt: lead.LastModifiedDate,
        };
      });
      const last = records[records.length - 1]!;
      cursor.leadsModifiedAt = last.modifiedAt;
      cursor.leadsLastId = last.crmId;
      yield { records, cursor: { ...cursor } };
      if (rows.length < this.config.pageSize) return;
    }
  }

  private async *opportunities(cursor: OutcomesCursor): AsyncIterable<Page<SalesOutcome>> {
    for (;;) {
      const where = modifiedAfter(cursor.opportunitiesModifiedAt, cursor.opportunitiesLastId);
      const soql =
        'SELECT Id, StageName, Amount, CloseDate, IsWon, IsClosed, ContactId, LastModifiedDate FROM Opportunity' +
        `${where ? ` WHERE ${where}` : ''} ORDER BY LastModifiedDate, Id LIMIT ${this.config.pageSize}`;
      const rows = (await this.query(soql, 'Opportunity')).map((r) => opportunityRowSchema.parse(r));
      if (!rows.length) return;
      const owners = await this.externalIdsOf(rows);
      const records: SalesOutcome[] = [];
      for (const opp of rows) {
        const externalId = owners.get(opp.Id);
        // Opportunities sales opened without a handed-off person are none of leadstage's business.
        if (!externalId) continue;
        records.push({
          externalId,
          crmObject: 'Opportunity',
          crmId: opp.Id,
          facts: {
            [SALES_FACTS.opportunity]: opportunityState(this.mapping, opp),
            [SALES_FACTS.amount]: opp.Amount,
            [SALES_FACTS.closeDate]: opp.CloseDate,
          },
          modifiedAt: opp.LastModifiedDate,
        });
      }
      const last = rows[rows.length - 1]!;
      cursor.opportunitiesModifiedAt = last.LastModifiedDate;
      cursor.opportunitiesLastId = last.Id;
      yield { records, cursor: { ...cursor } };
      if (rows.length < this.config.pageSize) return;
    }
  }

  /** Opportunity id → external id, via converted Leads first, then the Opportunity's Contact. */
  private async externalIdsOf(
    opps: { Id: string; ContactId: string | null }[],
  ): Promise<Map<string, string>> {
    const extId = this.mapping.externalIdField;
    const out = new Map<string, string>();
    for (const part of chunk(
      opps.map((o) => o.Id),
      IN_LIST,
    )) {
      const soql = `SELECT Id, ${extId}, ConvertedOpportunityId FROM Lead WHERE ConvertedOpportunityId IN ${soqlList(part)}`;
      for (const lead of await this.query(soql, 'Lead')) {
        const value = lead[extId];
        if (typeof value === 'string' && typeof lead.ConvertedOpportunityId === 'string') {
          out.set(lead.ConvertedOpportunityId, value);
        }
      }
    }
    const viaContact = opps.filter((o) => !out.has(o.Id) && o.ContactId);
    const contactIds = [...new Set(viaContact.map((o) => o.ContactId!))];
    const byContact = new Map<string, string>();
    for (const part of chunk(contactIds, IN_LIST)) {
      const soql = `SELECT Id, ${extId} FROM Contact WHERE Id IN ${soqlList(part)} AND ${extId} != null`;
      for (const contact of await this.query(soql, 'Contact')) {
        const value = contact[extId];
        if (typeof value === 'string') byContact.set(String(contact.Id), value);
      }
    }
    for (const o of viaContact) {
      const value = byContact.get(o.ContactId!);
      if (value) out.set(o.Id, value);
    }
    return out;
  }

  private async query(soql: string, object: string): Promise<Record<string, unknown>[]> {
    const raw = await this.client.call(`GET /query (${object}, sales_outcomes)`, (conn) => conn.query(soql));
    return queryResultSchema.parse(raw).records;
  }
}
