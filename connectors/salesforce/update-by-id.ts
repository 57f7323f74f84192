/**
 * Updates records by their Salesforce Id through sObject Collections (PATCH /composite/sobjects),
 * COLLECTION_CHUNK at a time with allOrNone off, so each record's refusal stays its own. Shared by
 * the handoff (converted and email-matched records), its explanation Tasks and the re-keying of
 * external ids. None of these may move a record to another owner: each says `Sforce-Auto-Assign:
 * FALSE`, since Salesforce otherwise runs the active assignment rule on every Lead it updates.
 */
import type { RecordFailure } from '../../src/model.ts';
import type { SalesforceClient } from './client.ts';
import { COLLECTION_CHUNK } from './config.ts';
import { AUTO_ASSIGN_HEADER } from './ownership.ts';
import type { SalesforceValue } from './mapping.ts';
import { parseResults, recordFailure } from './results.ts';
import { chunk } from './soql.ts';

export interface UpdateById {
  /** Names the record in outcomes (the external id it is known by). */
  key: string;
  id: string;
  fields: Record<string, SalesforceValue>;
}

export async function updateById(
  client: SalesforceClient,
  object: string,
  updates: UpdateById[],
): Promise<{ ok: UpdateById[]; failed: RecordFailure[] }> {
  const out: { ok: UpdateById[]; failed: RecordFailure[] } = { ok: [], failed: [] };
  for (const part of chunk(updates, COLLECTION_CHUNK)) {
    const raw = await client.call('PATCH /composite/sobjects', (conn) =>
      conn.sobject(object).update(
        part.map((u) => ({ ...u.fields, Id: u.id })),
        { allOrNone: false, headers: { [AUTO_ASSIGN_HEADER]: 'FALSE' } },
      ),
    );
    parseResults(raw, part.length).forEach((res, i) => {
      const u = part[i]!;
      if (res.success) out.ok.push(u);
      else out.failed.push(recordFailure(u.key, res.errors[0] ?? { message: 'rejected without a reason' }));
    });
  }
  return out;
}
