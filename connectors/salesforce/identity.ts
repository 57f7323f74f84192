/**
 * Identity upkeep in the org: re-keying external ids in place (old-format ids gaining the source
 * account) and erasing people by the workspace's policy (an unconverted Lead is deleted; a Contact,
 * or a Lead already converted into one, is left and reported for a person to decide).
 */
import { z } from 'zod';

import type {
  CrmErasureOutcome,
  CrmErasurePolicy,
  CrmErasureRequest,
  ExternalIdChange,
  RecordFailure,
} from '../../src/model.ts';
import type { SalesforceClient } from './client.ts';
import { COLLECTION_CHUNK } from './config.ts';
import { parseResults } from './results.ts';
import type { ObjectSchemas } from './schema.ts';
import { chunk, soqlList } from './soql.ts';
import { updateById } from './update-by-id.ts';

const IN_LIST = 100;
const queryResultSchema = z.looseObject({ records: z.array(z.record(z.string(), z.unknown())) });
/** Key prefixes of record ids: a Lead id never matches a Contact query, and vice versa. */
const PREFIX = { Lead: '00Q', Contact: '003' } as const;

type SfRow = Record<string, unknown>;

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export class SalesforceIdentity {
  private readonly client: SalesforceClient;
  private readonly schemas: ObjectSchemas;
  private readonly extId: string;

  constructor(client: SalesforceClient, schemas: ObjectSchemas, externalIdField: string) {
    this.client = client;
    this.schemas = schemas;
    this.extId = externalIdField;
  }

  async rekey(changes: ExternalIdChange[]): Promise<{ ok: string[]; failed: RecordFailure[] }> {
    const failed: RecordFailure[] = [];
    const to = new Map(changes.map((c) => [c.from.toLowerCase(), c.to]));
    for (const object of ['Lead', 'Contact'] as const) {
      if (!(await this.schemas.fields(object)).has(this.extId)) continue;
      const found = await this.byExternalId(
        object,
        changes.map((c) => c.from),
        // A converted Lead cannot be written; its Contact carries the id on.
        object === 'Lead' ? 'IsConverted = false AND ' : '',
      );
      const updates = found.map((r) => {
        const from = text(r[this.extId]);
        return { key: from, id: text(r.Id), fields: { [this.extId]: to.get(from.toLowerCase())! } };
      });
      failed.push(...(await updateById(this.client, object, updates)).failed);
    }
    const bad = new Set(failed.map((f) => f.id.toLowerCase()));
    return { ok: changes.map((c) => c.from).filter((f) => !bad.has(f.toLowerCase())), failed };
  }

  async erase(requests: CrmErasureRequest[], policy: CrmErasurePolicy): Promise<CrmErasureOutcome[]> {
    const out: CrmErasureOutcome[] = [];
    const ext = requests.map((r) => r.externalId);
    const ids = requests.flatMap((r) => [r.crmId, r.convertedContactId].filter((x): x is string => !!x));
    const owner = (row: SfRow) =>
      requests.find(
        (r) =>
          r.externalId.toLowerCase() === text(row[this.extId]).toLowerCase() ||
          r.crmId === row.Id ||
          r.convertedContactId === row.Id,
      )?.externalId ?? text(row[this.extId]);
    const leads = await this.find('Lead', ext, ids, 'IsConverted, ConvertedContactId');
    const contacts = await this.find('Contact', ext, ids, '');
    const toDelete: { id: string; externalId: string }[] = [];
    for (const lead of leads) {
      const externalId = owner(lead);
      if (lead.IsConverted === true) {
        out.push({
          externalId,
          object: 'Lead',
          crmId: text(lead.Id),
          action: 'kept',
          reason: `converted into Contact ${text(lead.ConvertedContactId)}: left for a person to erase`,
        });
      } else if (policy === 'delete_lead') {
        toDelete.push({ id: text(lead.Id), externalId });
      } else {
        out.push({
          externalId,
          object: 'Lead',
          crmId: text(lead.Id),
          action: 'kept',
          reason: 'policy report_only',
        });
      }
    }
    for (const contact of contacts) {
      out.push({
        externalId: owner(contact),
        object: 'Contact',
        crmId: text(contact.Id),
        action: 'kept',
        reason:
          'a Contact is left in place by policy: erase it in Salesforce if the person must go there too',
      });
    }
    for (const part of chunk(toDelete, COLLECTION_CHUNK)) {
      const raw = await this.client.call('DELETE /composite/sobjects', (conn) =>
        conn.sobject('Lead').destroy(
          part.map((d) => d.id),
          { allOrNone: false },
        ),
      );
      parseResults(raw, part.length).forEach((res, i) => {
        const d = part[i]!;
        const gone = res.success || res.errors[0]?.statusCode === 'ENTITY_IS_DELETED';
        out.push({
          externalId: d.externalId,
          object: 'Lead',
          crmId: d.id,
          action: gone ? 'deleted' : 'failed',
          ...(gone ? {} : { reason: res.errors[0]?.statusCode ?? 'rejected without a reason' }),
        });
      });
    }
    const seen = new Set(out.map((o) => o.externalId.toLowerCase()));
    for (const r of requests) {
      if (!seen.has(r.externalId.toLowerCase())) {
        out.push({ externalId: r.externalId, object: null, crmId: null, action: 'not_found' });
      }
    }
    return out;
  }

  private async find(
    object: 'Lead' | 'Contact',
    ext: string[],
    ids: string[],
    extra: string,
  ): Promise<SfRow[]> {
    const hasExt = (await this.schemas.fields(object)).has(this.extId);
    const own = ids.filter((id) => id.startsWith(PREFIX[object]));
    const fields = ['Id', ...(hasExt ? [this.extId] : []), ...(extra ? [extra] : [])].join(', ');
    const rows = new Map<string, SfRow>();
    if (hasExt) for (const r of await this.byExternalId(object, ext, '', fields)) rows.set(text(r.Id), r);
    for (const part of chunk(own, IN_LIST)) {
      for (const r of await this.query(
        `SELECT ${fields} FROM ${object} WHERE Id IN ${soqlList(part)}`,
        object,
      )) {
        rows.set(text(r.Id), r);
      }
    }
    return [...rows.values()];
  }

  private async byExternalId(
    object: string,
    values: string[],
    where: string,
    fields?: string,
  ): Promise<SfRow[]> {
    const out: SfRow[] = [];
    for (const part of chunk(values, IN_LIST)) {
      out.push(
        ...(await this.query(
          `SELECT ${fields ?? `Id, ${this.extId}`} FROM ${object} WHERE ${where}${this.extId} IN ${soqlList(part)}`,
          object,
        )),
      );
    }
    return out;
  }

  private async query(soql: string, object: string): Promise<SfRow[]> {
    const raw = await this.client.call(`GET /query (${object})`, (conn) => conn.query(soql));
    return queryResultSchema.parse(raw).records;
  }
}
