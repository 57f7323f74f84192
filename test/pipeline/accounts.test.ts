/**
 * Accounts end to end through the pipeline: contacts roll up to their email domain (mailbox
 * providers do not), the account's engagement is the sum of its contacts' engagement, and SQL
 * requires the account's engagement ≥ 50. Expected values by hand: 10 points per email open.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { compileModelText } from '../../src/qualification/index.ts';
import { openTestStore, type TestStore } from '../helpers/db.ts';

import { createHarness } from './harness.ts';

const MODEL = compileModelText(
  `
name: accounts test
dimensions: [engagement]
accounts:
  dimensions:
    - { key: engagement, sum: engagement }
    - { key: best, max: engagement }
stages:
  - key: lead
  - key: sql
    handoff: true
    requires: { account: engagement, gte: 50 }
scoring:
  - { dimension: engagement, when: { event: email_open }, points: 10 }
`,
  'accounts.yaml',
);

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore('postgres');
});
afterAll(async () => {
  await t.cleanup();
});

describe('when contacts roll up to accounts', () => {
  it('should qualify on the account engagement, and re-qualify the whole account when one contact moves it', async () => {
    const h = await createHarness(t.store, { model: MODEL });
    const opens = (contactId: string, n: number, from = 0) => {
      for (let i = from; i < from + n; i++) {
        h.source.addEvent({
          id: `${contactId}-${i}`,
          contactId,
          type: 'email_open',
          at: h.clock.now.toISOString(),
        });
      }
    };
    h.source.setContact('a', { email: 'a@acme.io' });
    h.source.setContact('b', { email: 'B@ACME.io' });
    h.source.setContact('c', { email: 'c@globex.com' });
    h.source.setContact('e', { email: 'e@globex.com' });
    h.source.setContact('d', { email: 'd@gmail.com' });
    opens('a', 3); // 30
    opens('b', 2); // 20 → acme.io 50
    opens('c', 4); // 40 → globex.com 40
    opens('d', 6); // 60, but a mailbox provider: no account, account engagement 0
    await h.run();
    const stages = async () =>
      Object.fromEntries(
        [...(await t.store.decisions.forContacts(h.workspace.id, ['a', 'b', 'c', 'd', 'e']))].map(
          ([id, d]) => [id, d.stage],
        ),
      );
    expect(await stages()).toStrictEqual({ a: 'sql', b: 'sql', c: 'lead', d: 'lead', e: 'lead' });
    // Each contact remembers its account ('' for the mailbox provider's).
    expect(
      Object.fromEntries(await t.store.contacts.accountIds(h.workspace.id, ['a', 'b', 'c', 'd', 'e'])),
    ).toStrictEqual({
      a: 'domain:acme.io',
      b: 'domain:acme.io',
      c: 'domain:globex.com',
      d: '',
      e: 'domain:globex.com',
    });
    expect(await t.store.accounts.list(h.workspace.id)).toStrictEqual([
      { id: 'domain:acme.io', name: 'acme.io', scores: { engagement: 50, best: 30 } },
      { id: 'domain:globex.com', name: 'globex.com', scores: { engagement: 40, best: 40 } },
    ]);

    // One more open for c: globex.com reaches 50, and e (no new data of its own) follows. The
    // roll-up reads only globex.com's members, never the whole workspace.
    h.clock.advance(3_600_000);
    opens('c', 1, 4);
    const members = vi.spyOn(t.store.contacts, 'inAccounts');
    const pages = vi.spyOn(t.store.contacts, 'page');
    await h.run();
    const read = members.mock.calls.map((call) => call[1]);
    const fullScans = pages.mock.calls.filter((call) => !call[1]?.pendingOnly && !call[1]?.ids);
    members.mockRestore();
    pages.mockRestore();
    expect(read).toStrictEqual([['domain:globex.com'], ['domain:globex.com']]);
    expect(fullScans).toStrictEqual([]);
    expect(await stages()).toStrictEqual({ a: 'sql', b: 'sql', c: 'sql', d: 'lead', e: 'sql' });
    const e = await t.store.decisions.get(h.workspace.id, 'e');
    expect(e!.summary).toContain('account engagement ≥ 50 (has 50)');
  });
});
