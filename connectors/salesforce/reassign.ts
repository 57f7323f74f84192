/**
 * Reassignment after an SLA breach: the Lead or Contact gets a new OwnerId, by Id, with no
 * assignment rule running (updateById says `Sforce-Auto-Assign: FALSE`). The object comes from the
 * record id's key prefix, which Salesforce fixes per standard object (00Q Lead, 003 Contact; the
 * sandbox's ids.ts issues the same).
 */
import type { OwnerChange, RecordFailure } from '../../src/model.ts';
import type { SalesforceClient } from './client.ts';
import { updateById } from './update-by-id.ts';

const OBJECT_BY_PREFIX: Record<string, 'Lead' | 'Contact'> = { '00Q': 'Lead', '003': 'Contact' };

export async function reassignOwners(
  client: SalesforceClient,
  changes: OwnerChange[],
): Promise<{ ok: string[]; failed: RecordFailure[] }> {
  const out: { ok: string[]; failed: RecordFailure[] } = { ok: [], failed: [] };
  for (const object of ['Lead', 'Contact'] as const) {
    const mine = changes.filter((c) => OBJECT_BY_PREFIX[c.recordId.slice(0, 3)] === object);
    if (!mine.length) continue;
    const { ok, failed } = await updateById(
      client,
      object,
      mine.map((c) => ({ key: c.key, id: c.recordId, fields: { OwnerId: c.ownerId } })),
    );
    out.ok.push(...ok.map((u) => u.key));
    out.failed.push(...failed);
  }
  for (const c of changes) {
    if (!OBJECT_BY_PREFIX[c.recordId.slice(0, 3)]) {
      out.failed.push({
        id: c.key,
        code: 'not_reassignable',
        message: `record ${c.recordId} is neither a Lead nor a Contact`,
        retryable: false,
      });
    }
  }
  return out;
}
