/**
 * The quarter's erasure check asks PostgreSQL which erased emails any stored row holds: it must find
 * one wherever it is kept (in any case) and nothing that is not there, or the invariant could never
 * fail.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { foundInDatabase } from '../helpers/dump.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';

let t: TestStore;
beforeEach(async () => {
  t = await openTestStore('postgres');
});
afterEach(async () => {
  await t.cleanup();
});

describe('when searching the store for erased emails', () => {
  it('should find an email stored in a contact, whatever its case, and nothing else', async () => {
    const ws = await t.store.workspaces.create({
      name: 'w',
      sourceVendor: 'hubspot',
      crmVendor: null,
      model: { text: 'x', ref: 'inline', version: 'v1' },
    });
    await t.store.contacts.upsert(ws.id, [
      { id: 'c1', properties: { email: 'Jane.Doe@Example.com' }, updatedAt: '2026-01-05T09:00:00.000Z' },
    ]);
    const found = await foundInDatabase(t.store, ['jane.doe@example.com', 'john.roe@example.com']);
    expect([...found]).toStrictEqual(['jane.doe@example.com']);
    expect(await foundInDatabase(t.store, [])).toStrictEqual(new Set());
  });

  it("should leave out other workspaces' rows when asked about one workspace", async () => {
    const model = { text: 'x', ref: 'inline', version: 'v1' };
    const a = await t.store.workspaces.create({ name: 'a', sourceVendor: 'hubspot', crmVendor: null, model });
    const b = await t.store.workspaces.create({ name: 'b', sourceVendor: 'mautic', crmVendor: null, model });
    await t.store.contacts.upsert(b.id, [
      { id: '7', properties: { email: 'jane.doe@example.com' }, updatedAt: '2026-01-05T09:00:00.000Z' },
    ]);
    expect([...(await foundInDatabase(t.store, ['jane.doe@example.com'], a.id))]).toStrictEqual([]);
    expect([...(await foundInDatabase(t.store, ['jane.doe@example.com'], b.id))]).toStrictEqual([
      'jane.doe@example.com',
    ]);
  });
});
