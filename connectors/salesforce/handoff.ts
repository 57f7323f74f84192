/**
 * Handoff: HandoffRecords become Leads (or Contacts under an Account), upserted by the external id
 * field; on a first handoff the workspace may match existing records on email first
 * (email-match.ts). Collections in chunks of 200 below the bulk threshold, one Bulk
 * API 2.0 ingest job above it. Every per-record result is read; a converted Lead is never written
 * again: its record follows the Contact it became.
 */
import { z } from 'zod';

import { ConfigError } from '../../src/errors.ts';
import type { Logger } from '../../src/log.ts';
import type { HandoffRecord, HandoffResult, OwnerChoice } from '../../src/model.ts';
import type { HandoffOptions } from '../../src/pipeline/ports.ts';
import { type AccountFiler, fileUnderAccounts } from './accounts.ts';
import { BulkIngest } from './bulk-ingest.ts';
import { matchOnEmail } from './email-match.ts';
import type { SalesforceClient } from './client.ts';
import { COLLECTION_CHUNK, type SalesforceConfig } from './config.ts';
import { type SalesforceMapping, type SalesforceValue, toSalesforceFields } from './mapping.ts';
import { ownerGroups, type WriteGroup } from './ownership.ts';
import { collect, parseResults, type Row } from './results.ts';
import type { HandoffObject, ObjectSchemas } from './schema.ts';
import { chunk, soqlList } from './soql.ts';
import { updateById } from './update-by-id.ts';

const CONVERTED = 'CANNOT_UPDATE_CONVERTED_LEAD';
/** External ids (or names) per `IN (…)` query: keeps each SOQL statement well under its length cap. */
export const IN_LIST = 100;
const queryResultSchema = z.looseObject({ records: z.array(z.record(z.string(), z.unknown())) });

export class Handoff {
  private readonly warned = new Set<string>();

  private readonly client: SalesforceClient;
  private readonly schemas: ObjectSchemas;
  private readonly mapping: SalesforceMapping;
  private readonly config: SalesforceConfig;
  private readonly log: Logger;
  constructor(
    client: SalesforceClient,
    schemas: ObjectSchemas,
    mapping: SalesforceMapping,
    config: SalesforceConfig,
    log: Logger,
  ) {
    this.client = client;
    this.schemas = schemas;
    this.mapping = mapping;
    this.config = config;
    this.log = log;
  }

  async run(input: HandoffRecord[], options: HandoffOptions = {}): Promise<HandoffResult> {
    const result: HandoffResult = { ok: [], failed: [] };
    // One record per external id (the last wins): Salesforce refuses a request that names one twice.
    const records = [...new Map(input.map((r) => [r.externalId, r])).values()];
    if (!records.length) return result;
    const object = this.config.handoffObject;
    const follow = records.filter((r) => r.convertedContactId);
    let direct = records.filter((r) => !r.convertedContactId);
    let rows: Row[] = [];

    if (direct.length) {
      rows = await this.rowsFor(object, direct);
      const matched = await this.matchExisting(direct, rows, result);
      follow.push(...matched.follow);
      direct = direct.filter((_, i) => matched.keep.has(i));
      rows = rows.filter((_, i) => matched.keep.has(i));
    }
    if (direct.length) {
      if (object === 'Contact') await fileUnderAccounts(this.accountFiler(), rows, direct);
      const outcome: HandoffResult = { ok: [], failed: [] };
      for (const group of await this.groupByOwner(object, direct, rows, options)) {
        const written = await this.write(object, group);
        outcome.ok.push(...written.ok);
        outcome.failed.push(...written.failed);
      }
      result.ok.push(...outcome.ok);
      const converted = outcome.failed.filter((f) => f.code === CONVERTED).map((f) => f.id);
      result.failed.push(...outcome.failed.filter((f) => f.code !== CONVERTED));
      if (converted.length) {
        const contacts = await this.convertedContacts(converted);
        for (const externalId of converted) {
          const contactId = contacts.get(externalId);
          const record = direct.find((r) => r.externalId === externalId)!;
          if (contactId) follow.push({ ...record, convertedContactId: contactId });
          else {
            result.failed.push({
              id: externalId,
              code: CONVERTED,
              message: 'the Lead was converted but its Contact could not be found',
              retryable: false,
            });
          }
        }
      }
    }
    if (follow.length) {
      const outcome = await this.updateConvertedContacts(follow);
      result.ok.push(...outcome.ok);
      result.failed.push(...outcome.failed);
    }
    return result;
  }

  /**
   * Links records flagged for matching to the existing Lead or Contact with their email: matched
   * Leads are updated by id here (gaining the external id), matched Contacts are returned to be
   * followed like converted records. Returns the indexes of the records still to upsert.
   */
  private async matchExisting(
    records: HandoffRecord[],
    rows: Row[],
    result: HandoffResult,
  ): Promise<{ keep: Set<number>; follow: HandoffRecord[] }> {
    const keep = new Set(records.map((_, i) => i));
    if (!records.some((r) => r.matchOnEmail)) return { keep, follow: [] };
    const extId = this.mapping.externalIdField;
    // The query needs the Email of each record even when the handoff object is a Contact.
    const leadRows = this.config.handoffObject === 'Lead' ? rows : await this.rowsFor('Lead', records, false);
    const matches = await matchOnEmail(records, leadRows, {
      externalIdField: extId,
      contactHasExternalId: (await this.schemas.fields('Contact')).has(extId),
      query: (soql, object) => this.query(soql, object),
    });
    for (const [i, failure] of matches.failed) {
      keep.delete(i);
      result.failed.push(failure);
    }
    const follow: HandoffRecord[] = [];
    for (const [i, contactId] of matches.contacts) {
      keep.delete(i);
      follow.push({ ...records[i]!, convertedContactId: contactId });
    }
    const leads = [...matches.leads];
    if (leads.length) {
      for (const [i] of leads) keep.delete(i);
      const outcome = await this.updateById(
        'Lead',
        leads.map(([i]) => leadRows[i]!),
        leads.map(([, id]) => id),
      );
      result.ok.push(...outcome.ok);
      result.failed.push(...outcome.failed);
      this.log.info('salesforce leads matched on email', { linked: outcome.ok.length });
    }
    return { keep, follow };
  }

  /** Maps records and keeps only fields the org has (a missing score field is reported, not fatal). */
  private async rowsFor(
    object: HandoffObject,
    records: HandoffRecord[],
    requireExternalId = true,
  ): Promise<Row[]> {
    const fields = await this.schemas.fields(object);
    const extId = this.mapping.externalIdField;
    if (requireExternalId && !fields.has(extId)) {
      throw new ConfigError(
        `Salesforce ${object}.${extId} does not exist; without it a handoff would duplicate records. ` +
          'Run `leadstage salesforce check` for what to create.',
      );
    }
    return records.map((record) => {
      const mapped = toSalesforceFields(record, object, this.mapping);
      const kept: Record<string, SalesforceValue> = {};
      for (const [name, value] of Object.entries(mapped)) {
        if (fields.has(name)) kept[name] = value;
        else this.warnOnce(`${object}.${name}`);
      }
      return { externalId: record.externalId, fields: kept };
    });
  }

  private accountFiler(): AccountFiler {
    const { client, schemas, mapping, config, log } = this;
    return {
      client,
      schemas,
      mapping,
      config,
      log,
      // Account lookups are their own stream of the minimum calls (`accounts`).
      query: (soql, object) => this.query(soql, object, 'accounts'),
      warnOnce: (field) => this.warnOnce(field),
    };
  }

  private warnOnce(field: string): void {
    if (this.warned.has(field)) return;
    this.warned.add(field);
    this.log.warn('salesforce field missing, value not written', { field });
  }

  /**
   * Records on their first handoff are looked up by external id: only those Salesforce does not
   * have yet are created with an owner (chosen by the workspace, in order); the rest keep theirs.
   */
  private async groupByOwner(
    object: HandoffObject,
    records: HandoffRecord[],
    rows: Row[],
    options: HandoffOptions,
  ): Promise<WriteGroup[]> {
    const first = records.filter((r) => r.firstHandoff);
    const existing = new Set<string>();
    const extId = this.mapping.externalIdField;
    for (const part of chunk(
      first.map((r) => r.externalId),
      IN_LIST,
    )) {
      const soql = `SELECT Id, ${extId} FROM ${object} WHERE ${extId} IN ${soqlList(part)}`;
      for (const found of await this.query(soql, object, 'existence')) {
        existing.add(String(found[extId]).toLowerCase());
      }
    }
    const created = first.filter((r) => !existing.has(r.externalId.toLowerCase()));
    const choices = new Map<string, OwnerChoice>();
    if (created.length && options.chooseOwners) {
      const chosen = await options.chooseOwners(created);
      created.forEach((r, i) => choices.set(r.externalId, chosen[i] ?? { kind: 'default' }));
    }
    return ownerGroups(records, rows, existing, choices);
  }

  private async write(object: HandoffObject, group: WriteGroup): Promise<HandoffResult> {
    const out =
      group.bulk.allowed && group.rows.length > this.config.bulkThreshold
        ? await new BulkIngest(this.client, this.config).upsert(
            object,
            this.mapping.externalIdField,
            group.rows,
            group.bulk.assignmentRuleId,
          )
        : await this.upsertInChunks(object, group.rows, group.headers);
    if (group.owners) {
      // The owner is reported only where this write created the record.
      for (const ok of out.ok) {
        const owner = ok.created ? group.owners.get(ok.externalId) : undefined;
        if (owner) ok.ownerId = owner;
      }
    }
    return out;
  }

  private async upsertInChunks(
    object: HandoffObject,
    rows: Row[],
    headers: Record<string, string>,
  ): Promise<HandoffResult> {
    const out: HandoffResult = { ok: [], failed: [] };
    const extId = this.mapping.externalIdField;
    for (const part of chunk(rows, COLLECTION_CHUNK)) {
      const raw = await this.client.call(`PATCH /composite/sobjects/${object}/${extId}`, (conn) =>
        conn.sobject(object).upsert(
          part.map((r) => r.fields),
          extId,
          { allOrNone: false, headers },
        ),
      );
      collect(part, parseResults(raw, part.length), out);
    }
    return out;
  }

  /** Contacts that converted Leads became, by the Leads' external ids. */
  private async convertedContacts(externalIds: string[]): Promise<Map<string, string>> {
    const extId = this.mapping.externalIdField;
    const out = new Map<string, string>();
    for (const part of chunk(externalIds, IN_LIST)) {
      const soql = `SELECT Id, ConvertedContactId, ${extId} FROM Lead WHERE IsConverted = true AND ${extId} IN ${soqlList(part)}`;
      for (const lead of await this.query(soql, 'Lead')) {
        if (typeof lead.ConvertedContactId === 'string') {
          out.set(String(lead[extId]), lead.ConvertedContactId);
        }
      }
    }
    return out;
  }

  /**
   * Converted (or email-matched) records are updated on their Contact by id; the Contact gets the
   * external id too, and the outcome names it so later handoffs follow it.
   */
  private async updateConvertedContacts(records: HandoffRecord[]): Promise<HandoffResult> {
    // Updated by id: an org without the external id on Contact only loses the tie-back field.
    const rows = await this.rowsFor('Contact', records, false);
    const out = await this.updateById(
      'Contact',
      rows,
      records.map((r) => r.convertedContactId!),
    );
    out.ok = out.ok.map((o) => ({ ...o, contactId: o.crmId }));
    return out;
  }

  private async updateById(object: HandoffObject, rows: Row[], ids: string[]): Promise<HandoffResult> {
    const { ok, failed } = await updateById(
      this.client,
      object,
      rows.map((r, i) => ({ key: r.externalId, id: ids[i]!, fields: r.fields })),
    );
    return { ok: ok.map((u) => ({ externalId: u.key, crmId: u.id, created: false })), failed };
  }

  /** `stream`: what the call is counted under (salesforceStreamOf). */
  private async query(
    soql: string,
    object: string,
    stream: 'handoff' | 'existence' | 'accounts' = 'handoff',
  ): Promise<Record<string, unknown>[]> {
    const raw = await this.client.call(`GET /query (${object}, ${stream})`, (conn) => conn.query(soql));
    return queryResultSchema.parse(raw).records;
  }
}
