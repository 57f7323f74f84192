import { describe, expect, it } from 'vitest';

import { Portal } from '../../../connectors/hubspot/sandbox/portal.ts';
import { runSearch, searchRequestSchema } from '../../../connectors/hubspot/sandbox/query.ts';

const NOW = Date.parse('2026-11-01T00:00:00Z');

describe('sandbox search pages served from kept results', () => {
  it('pages through every contact once, and a change to the portal is seen by the next page', () => {
    let now = NOW;
    const portal = new Portal(3, 120, () => now);
    const req = (after?: number) =>
      searchRequestSchema.parse({
        filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: '0' }] }],
        sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }],
        limit: 50,
        ...(after === undefined ? {} : { after }),
      });
    const seen: string[] = [];
    for (let after: number | undefined = 0; after !== undefined;) {
      const { page, next } = runSearch(portal, req(after));
      seen.push(...page.map((c) => c.id));
      after = next;
    }
    expect(new Set(seen).size).toBe(120);
    expect(seen).toHaveLength(120);

    // The first contact in the order is modified a day after every seeded change: it moves to the end.
    const first = portal.contacts.get(seen[0]!)!;
    now = NOW + 86_400_000;
    portal.apply(first, { jobtitle: 'Chief Everything Officer' });
    const last = runSearch(portal, req(100));
    expect(last.total).toBe(120);
    expect(last.page.at(-1)!.id).toBe(first.id);
    expect(runSearch(portal, req(0)).page[0]!.id).not.toBe(first.id);
  });
});
