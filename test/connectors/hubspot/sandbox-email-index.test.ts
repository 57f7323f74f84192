/**
 * The HubSpot sandbox finds a contact by email through an index (batch reads by email at 300k
 * contacts scanned every contact per address). Oracle: the scan it replaced, over every address,
 * after random sequences of the portal's changes (adds, edits of the email in any case, merges,
 * deletes), so an index entry left stale or missing shows as a different answer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { Portal } from '../../../connectors/hubspot/sandbox/portal.ts';

const NOW = Date.parse('2026-11-01T00:00:00Z');

/** What byEmail answered before the index: the first contact, in creation order, with that email. */
function scan(portal: Portal, email: string): string | undefined {
  const wanted = email.toLowerCase();
  for (const c of portal.contacts.values()) if (c.properties.email?.toLowerCase() === wanted) return c.id;
  return undefined;
}

// Few addresses, so contacts share them, lose them and get them back.
const email = fc.constantFrom('a@x.io', 'A@X.io', 'b@x.io', 'c@x.io', 'B@x.IO', '');
const op = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), email }),
  fc.record({ kind: fc.constant('edit' as const), pick: fc.nat(), email }),
  fc.record({ kind: fc.constant('merge' as const), pick: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
);

describe('the sandbox finding contacts by email', () => {
  it('answers as a scan of every contact would, whatever changed before', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const portal = new Portal(1, 3, () => NOW);
        const ids = () => [...portal.contacts.keys()];
        for (const o of ops) {
          const all = ids();
          const at = (n: number) => all[n % all.length];
          if (o.kind === 'add') {
            portal.addContact(o.email ? { email: o.email } : {});
          } else if (all.length === 0) {
            continue;
          } else if (o.kind === 'edit') {
            portal.apply(portal.contacts.get(at(o.pick)!)!, { email: o.email });
          } else if (o.kind === 'merge') {
            const [a, b] = [at(o.pick)!, at(o.other)!];
            if (a !== b) portal.merge(a, b);
          } else {
            portal.remove(at(o.pick)!);
          }
        }
        const seeded = [...portal.contacts.values()].flatMap((c) => c.properties.email ?? []);
        for (const e of ['a@x.io', 'b@X.io', 'c@x.io', 'nobody@x.io', ...seeded]) {
          expect(portal.byEmail(e)?.id).toBe(scan(portal, e));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('finds a seeded contact by its email in any case, and none for an unknown one', () => {
    const portal = new Portal(7, 50, () => NOW);
    const c = [...portal.contacts.values()][17]!;
    expect(portal.byEmail(c.properties.email!.toUpperCase())?.id).toBe(c.id);
    expect(portal.byEmail('nobody@nowhere.example')).toBeUndefined();
  });
});
