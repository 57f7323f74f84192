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

  it('should roll up accounts read a page at a time as when read whole, with fresh scores for the contacts in scope', async () => {
    // Two contacts per page and one account per members query: each account spans pages.
    const small = { accountPageSize: 2, accountsPerQuery: 1 };
    const h = await createHarness(t.store, { model: MODEL });
    let n = 0;
    const opens = (contactId: string, count: number) => {
      for (let i = 0; i < count; i++) {
        h.source.addEvent({ id: `o${n++}`, contactId, type: 'email_open', at: h.clock.now.toISOString() });
      }
    };
    h.source.setContact('a1', { email: 'a1@acme.io' });
    h.source.setContact('a2', { email: 'a2@acme.io' });
    h.source.setContact('a3', { email: 'a3@acme.io' });
    h.source.setContact('a4', { email: 'a4@acme.io' });
    h.source.setContact('g1', { email: 'g1@globex.com' });
    h.source.setContact('g2', { email: 'g2@globex.com' });
    opens('a1', 3); // 30
    opens('a2', 1); // 10 (a3: 0)
    opens('a4', 2); // 20 → acme.io 60, best 30
    opens('g1', 1); // 10
    opens('g2', 2); // 20 → globex.com 30, best 20
    await h.run(small);
    const ws = h.workspace.id;
    expect(await t.store.accounts.list(ws)).toStrictEqual([
      { id: 'domain:acme.io', name: 'acme.io', scores: { engagement: 60, best: 30 } },
      { id: 'domain:globex.com', name: 'globex.com', scores: { engagement: 30, best: 20 } },
    ]);

    // a4 moves to globex.com and g1 opens three more emails: only they are in scope. globex.com:
    // g1's fresh 40 (its stored decision says 10) + g2 20 + a4 20 = 80, best 40; acme.io loses
    // a4: 30 + 10 + 0 = 40, best 30. Both changed: their members outside the scope (a1, a2, a3,
    // g2) are qualified again in this run with the new account dimensions.
    h.clock.advance(3_600_000);
    h.source.setContact('a4', { email: 'a4@globex.com' });
    opens('g1', 3);
    await h.run(small);
    expect(await t.store.accounts.list(ws)).toStrictEqual([
      { id: 'domain:acme.io', name: 'acme.io', scores: { engagement: 40, best: 30 } },
      { id: 'domain:globex.com', name: 'globex.com', scores: { engagement: 80, best: 40 } },
    ]);
    const ids = ['a1', 'a2', 'a3', 'a4', 'g1', 'g2'];
    expect(Object.fromEntries(await t.store.contacts.accountIds(ws, ids))).toStrictEqual({
      a1: 'domain:acme.io',
      a2: 'domain:acme.io',
      a3: 'domain:acme.io',
      a4: 'domain:globex.com',
      g1: 'domain:globex.com',
      g2: 'domain:globex.com',
    });
    const decisions = await t.store.decisions.forContacts(ws, ids);
    for (const id of ['a1', 'a2', 'a3']) expect(decisions.get(id)!.summary).toContain('(has 40)');
    for (const id of ['a4', 'g1', 'g2']) {
      expect(decisions.get(id)!.stage).toBe('sql');
      expect(decisions.get(id)!.summary).toContain('account engagement ≥ 50 (has 80)');
    }
    expect(await t.store.contacts.count(ws, { pendingOnly: true })).toBe(0);
  });
});
