/**
 * Matching on first handoff: before creating, an existing Lead (not converted) or Contact with the
 * record's email is looked up. One candidate without an external id of its own is linked; several
 * are a per-record error naming them, never a guess. A record carrying another source account's
 * external id belongs to that account and is never taken over; one carrying this record's own
 * external id is this record already (a Contact then is followed, a Lead upserted as usual).
 */
import type { HandoffRecord, RecordFailure } from '../../src/model.ts';
import type { Row } from './results.ts';
import { chunk, soqlList } from './soql.ts';

const IN_LIST = 100;

export const MULTIPLE_MATCHES = 'MULTIPLE_MATCHES';

export interface EmailMatches {
  /** Record index → the Lead to update by id (it gets the external id). */
  leads: Map<number, string>;
  /** Record index → the Contact that later handoffs update by id. */
  contacts: Map<number, string>;
  failed: Map<number, RecordFailure>;
}

type Query = (soql: string, object: string) => Promise<Record<string, unknown>[]>;

interface Candidate {
  object: 'Lead' | 'Contact';
  id: string;
  email: string;
  externalId: string;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export async function matchOnEmail(
  records: HandoffRecord[],
  rows: Row[],
  options: { externalIdField: string; contactHasExternalId: boolean; query: Query },
): Promise<EmailMatches> {
  const out: EmailMatches = { leads: new Map(), contacts: new Map(), failed: new Map() };
  const emailOf = (i: number) => {
    const v = rows[i]?.fields.Email;
    return typeof v === 'string' && v.trim() ? v.trim().toLowerCase() : null;
  };
  const wanted = records.flatMap((r, i) => (r.matchOnEmail && emailOf(i) ? [i] : []));
  if (!wanted.length) return out;
  const emails = [...new Set(wanted.map((i) => emailOf(i)!))];
  const ext = options.externalIdField;
  const candidates: Candidate[] = [];
  for (const part of chunk(emails, IN_LIST)) {
    const leads = await options.query(
      `SELECT Id, Email, ${ext} FROM Lead WHERE IsConverted = false AND Email IN ${soqlList(part)} ORDER BY Id`,
      'Lead',
    );
    const contactFields = options.contactHasExternalId ? `Id, Email, ${ext}` : 'Id, Email';
    const contacts = await options.query(
      `SELECT ${contactFields} FROM Contact WHERE Email IN ${soqlList(part)} ORDER BY Id`,
      'Contact',
    );
    for (const [object, found] of [
      ['Lead', leads],
      ['Contact', contacts],
    ] as const) {
      for (const r of found) {
        candidates.push({
          object,
          id: text(r.Id),
          email: text(r.Email).toLowerCase(),
          externalId: text(r[ext]),
        });
      }
    }
  }
  for (const i of wanted) {
    const record = records[i]!;
    const same = candidates.filter((c) => c.email === emailOf(i));
    const own = same.find((c) => c.externalId.toLowerCase() === record.externalId.toLowerCase());
    if (own) {
      if (own.object === 'Contact') out.contacts.set(i, own.id);
      continue;
    }
    const free = same.filter((c) => c.externalId === '');
    if (free.length === 1) {
      const [only] = free;
      (only!.object === 'Lead' ? out.leads : out.contacts).set(i, only!.id);
    } else if (free.length > 1) {
      out.failed.set(i, {
        id: record.externalId,
        code: MULTIPLE_MATCHES,
        message: `several Salesforce records have this email: ${free.map((c) => `${c.object} ${c.id}`).join(', ')}; merge them in Salesforce or set the external id ${ext} on the one to keep`,
        retryable: false,
      });
    }
  }
  return out;
}
