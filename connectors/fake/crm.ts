/**
 * An in-memory CRM (Salesforce stand-in) and its CrmConnector. Leads are upserted by external id;
 * a converted lead refuses updates (like Salesforce's CANNOT_UPDATE_CONVERTED_LEAD) so callers must
 * follow `convertedContactId`.
 */
import type { HandoffRecord, HandoffResult, Properties, SalesOutcome, Vendor } from '../../src/model.ts';
import type {
  ConnectorContext,
  CrmConnector,
  CrmConnectorDefinition,
  SchemaSpec,
} from '../../src/pipeline/ports.ts';

import { FailureInjector } from './failures.ts';
import { networkTurn } from './network.ts';
import { fakeOAuth } from './oauth.ts';

export interface FakeCrmRecord {
  object: 'Lead' | 'Contact';
  crmId: string;
  externalId: string;
  record: HandoffRecord;
  /** How many handoffs touched this record. */
  updates: number;
  convertedContactId?: string;
  convertedOpportunityId?: string;
}

export class FakeCrmSystem {
  /** Leads by external id: at most one per external id, by construction of an upsert. */
  readonly leads = new Map<string, FakeCrmRecord>();
  /** Contacts created by lead conversion, by CRM id. */
  readonly contacts = new Map<string, FakeCrmRecord>();
  readonly outcomes: SalesOutcome[] = [];
  readonly schemas: SchemaSpec[] = [];
  readonly failures = new FailureInjector();
  /** Every create (not update) the CRM performed: a duplicate would show up here twice. */
  readonly creates: string[] = [];
  pageSize = 2;
  private nextId = 1;

  clock: () => Date;

  constructor(clock: () => Date = () => new Date()) {
    this.clock = clock;
  }

  newId(prefix: string): string {
    return `${prefix}${String(this.nextId++).padStart(6, '0')}`;
  }

  /** Sales works the lead: records facts (SALES_FACTS keys) as an outcome read back later. */
  setLeadFacts(externalId: string, facts: Properties, modifiedAt?: string): void {
    const lead = this.requireLead(externalId);
    this.outcomes.push({
      externalId,
      crmObject: 'Lead',
      crmId: lead.crmId,
      facts,
      modifiedAt: modifiedAt ?? this.clock().toISOString(),
    });
  }

  /** Sales converts the lead into a Contact (and an Opportunity with the given facts). */
  convertLead(externalId: string, facts: Properties, modifiedAt?: string): FakeCrmRecord {
    const lead = this.requireLead(externalId);
    const contactId = this.newId('003');
    const opportunityId = this.newId('006');
    lead.convertedContactId = contactId;
    lead.convertedOpportunityId = opportunityId;
    const contact: FakeCrmRecord = {
      ...structuredClone(lead),
      object: 'Contact',
      crmId: contactId,
      updates: 0,
    };
    this.contacts.set(contactId, contact);
    this.outcomes.push({
      externalId,
      crmObject: 'Lead',
      crmId: lead.crmId,
      facts,
      convertedContactId: contactId,
      convertedOpportunityId: opportunityId,
      modifiedAt: modifiedAt ?? this.clock().toISOString(),
    });
    return contact;
  }

  private requireLead(externalId: string): FakeCrmRecord {
    const lead = this.leads.get(externalId);
    if (!lead) throw new Error(`fake CRM has no lead ${externalId}`);
    return lead;
  }
}

export function createFakeCrm(system: FakeCrmSystem, ctx: ConnectorContext, vendor: Vendor): CrmConnector {
  const count = (endpoint: string) => ctx.calls.count(vendor, endpoint);
  return {
    vendor,
    handoff(records) {
      system.failures.enter('handoff');
      count('composite.upsert');
      const result: HandoffResult = { ok: [], failed: [] };
      for (const record of records) {
        const rejection = system.failures.rejection(record.externalId);
        if (rejection) {
          result.failed.push(rejection);
          continue;
        }
        if (record.convertedContactId) {
          const contact = system.contacts.get(record.convertedContactId);
          if (!contact) {
            result.failed.push({
              id: record.externalId,
              code: 'ENTITY_IS_DELETED',
              message: 'contact gone',
              retryable: false,
            });
            continue;
          }
          contact.record = structuredClone(record);
          contact.updates += 1;
          result.ok.push({ externalId: record.externalId, crmId: contact.crmId, created: false });
          continue;
        }
        const existing = system.leads.get(record.externalId);
        if (existing?.convertedContactId) {
          result.failed.push({
            id: record.externalId,
            code: 'CANNOT_UPDATE_CONVERTED_LEAD',
            message: 'cannot reference converted lead',
            retryable: false,
          });
          continue;
        }
        if (existing) {
          existing.record = structuredClone(record);
          existing.updates += 1;
          result.ok.push({ externalId: record.externalId, crmId: existing.crmId, created: false });
        } else {
          const lead: FakeCrmRecord = {
            object: 'Lead',
            crmId: system.newId('00Q'),
            externalId: record.externalId,
            record: structuredClone(record),
            updates: 1,
          };
          system.leads.set(record.externalId, lead);
          system.creates.push(record.externalId);
          result.ok.push({ externalId: record.externalId, crmId: lead.crmId, created: true });
        }
      }
      system.failures.leave('handoff');
      return Promise.resolve(result);
    },
    async *pullSalesOutcomes(cursor) {
      system.failures.enter('pullSalesOutcomes');
      const from = typeof cursor?.modifiedAfter === 'string' ? cursor.modifiedAfter : '';
      const recent = system.outcomes
        .filter((o) => o.modifiedAt >= from)
        .sort((a, b) => a.modifiedAt.localeCompare(b.modifiedAt));
      // A query is one call even when it finds nothing.
      if (recent.length === 0) count('query.outcomes');
      for (let i = 0; i < recent.length; i += system.pageSize) {
        const records = recent.slice(i, i + system.pageSize);
        system.failures.beforePage('pullSalesOutcomes', i / system.pageSize + 1);
        count('query.outcomes');
        await networkTurn();
        yield structuredClone({
          records,
          cursor: { modifiedAfter: records[records.length - 1]!.modifiedAt },
        });
      }
      system.failures.leave('pullSalesOutcomes');
    },
    ensureSchema(spec) {
      count('sobjects.describe');
      if (!spec.learnOnly) system.schemas.push(spec);
      return Promise.resolve([]);
    },
  };
}

export function fakeCrmDefinition(
  system: FakeCrmSystem,
  vendor: Vendor = 'salesforce',
): CrmConnectorDefinition {
  return {
    vendor,
    kind: 'crm',
    defaultBaseUrl: 'http://fake-crm.invalid',
    scopes: [],
    oauth: fakeOAuth,
    create: (ctx) => createFakeCrm(system, ctx, vendor),
  };
}
