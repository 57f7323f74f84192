/**
 * The sandbox's contact list paged by id, as a keyset sync reads it (`where[]` id bounds, ordered by
 * id): the rows and the total are those of the bounded query, before and after a change. Expected
 * values are worked out by hand from the contacts each test adds.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { startMauticSandbox, type RunningSandbox } from './helpers.ts';

let run: RunningSandbox;
let token: string;
let ids: number[];

beforeEach(async () => {
  run = await startMauticSandbox(0);
  token = run.sandbox.issueTokens().accessToken;
  ids = Array.from({ length: 10 }, (_v, i) => run.sandbox.addContact({ email: `p${i}@example.com` }));
});
afterEach(async () => {
  await run.close();
});

type Bound = [expr: string, val: string];

async function list(bounds: Bound[], params: string): Promise<{ total: string; ids: number[] }> {
  const where = bounds
    .map(([expr, val], i) => `&where[${i}][col]=id&where[${i}][expr]=${expr}&where[${i}][val]=${val}`)
    .join('');
  const res = await fetch(`${run.baseUrl}/api/contacts?search=!is:anonymous&${params}${where}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as { total: string; contacts: Record<string, unknown> };
  return { total: body.total, ids: Object.keys(body.contacts).map(Number) };
}

describe('contact list by id with id bounds', () => {
  it('answers the rows after an id, the total counting only those', async () => {
    const page = await list([['gt', String(ids[3])]], 'start=0&limit=3&orderBy=id&orderByDir=asc');
    expect(page).toStrictEqual({ total: '6', ids: ids.slice(4, 7) });
    const next = await list([['gt', String(ids[6])]], 'start=0&limit=3&orderBy=id&orderByDir=asc');
    expect(next).toStrictEqual({ total: '3', ids: ids.slice(7, 10) });
  });

  it('bounds both ends, descending, with start', async () => {
    // ids[4]…ids[8] descending: ids[8], ids[7], ids[6], …; start 1 takes ids[7] and ids[6].
    const page = await list(
      [
        ['gte', String(ids[4])],
        ['lte', String(ids[8])],
      ],
      'start=1&limit=2&orderBy=id&orderByDir=desc',
    );
    expect(page.total).toBe('5');
    expect(page.ids.sort((x, y) => x - y)).toStrictEqual([ids[6], ids[7]]);
  });

  it('sees a contact added and one deleted between pages', async () => {
    await list([['gt', '0']], 'start=0&limit=2&orderBy=id');
    run.sandbox.deleteContact(ids[5]!);
    const added = run.sandbox.addContact({ email: 'late@example.com' });
    const page = await list([['gt', String(ids[4])]], 'start=0&limit=10&orderBy=id');
    expect(page).toStrictEqual({ total: '5', ids: [...ids.slice(6), added] });
  });

  it('drops a contact an edit makes anonymous and takes it back when it is identified again', async () => {
    await list([], 'start=0&limit=10&orderBy=id&orderByDir=desc');
    run.sandbox.updateContact(ids[2]!, { email: null });
    const without = await list([], 'start=0&limit=10&orderBy=id&orderByDir=desc');
    expect(without.total).toBe('9');
    expect(without.ids).not.toContain(ids[2]);
    run.sandbox.updateContact(ids[2]!, { email: 'back@example.com' });
    expect(await list([['lt', String(ids[3])]], 'start=0&limit=10&orderBy=id&orderByDir=desc')).toStrictEqual(
      {
        total: '3',
        ids: ids.slice(0, 3),
      },
    );
  });

  it('matches nothing for a bound that is not a number, as the comparison fails', async () => {
    expect(await list([['gt', 'abc']], 'start=0&limit=10&orderBy=id')).toStrictEqual({ total: '0', ids: [] });
  });
});
