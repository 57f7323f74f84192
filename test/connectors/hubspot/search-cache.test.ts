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

  it('moves edited, merged and deleted contacts within kept results, filter and sort honoured', () => {
    let now = NOW;
    const portal = new Portal(3, 0, () => now);
    const add = (lastname: string, minutes: number) => {
      now = NOW + minutes * 60_000;
      return portal.addContact({ lastname });
    };
    // Modified at minutes 1, 2, 3, 4; ids in creation order.
    const a = add('Adams', 1);
    const b = add('Baker', 2);
    const c = add('Baker', 3);
    const d = add('Clark', 4);
    const since = new Date(NOW + 2 * 60_000).toISOString();
    const byModified = () =>
      runSearch(
        portal,
        searchRequestSchema.parse({
          filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: since }] }],
          sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }],
          limit: 10,
        }),
      ).page.map((x) => x.id);
    const byNameDesc = () =>
      runSearch(
        portal,
        searchRequestSchema.parse({
          sorts: [{ propertyName: 'lastname', direction: 'DESCENDING' }],
          limit: 10,
        }),
      ).page.map((x) => x.id);
    expect(byModified()).toStrictEqual([b, c, d]);
    // Equal names keep id order, descending sort or not.
    expect(byNameDesc()).toStrictEqual([d, b, c, a]);

    now = NOW + 5 * 60_000;
    portal.apply(portal.contacts.get(b)!, { lastname: 'Young' });
    now = NOW + 6 * 60_000;
    portal.apply(portal.contacts.get(a)!, { jobtitle: 'CTO' }); // now inside the filter
    expect(byModified()).toStrictEqual([c, d, b, a]);
    expect(byNameDesc()).toStrictEqual([b, d, c, a]);

    portal.merge(d, c, NOW + 7 * 60_000); // c gone; d modified at minute 7
    portal.remove(b);
    expect(byModified()).toStrictEqual([a, d]);
    expect(byNameDesc()).toStrictEqual([d, a]);
  });
});
