import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { parsePhpQuery } from '../../../connectors/mautic/sandbox/php-params.ts';
import { collect, fixture, makeContext, testDefinition, useNock } from './helpers.ts';

const BASE = 'https://mautic.example.com';
const basic = { kind: 'basic', username: 'api', password: 'pw' } as const;
const SERVER_DATE = 'Thu, 26 Nov 2026 11:30:00 GMT';

function contactsPage(ids: number[]) {
  const contacts: Record<string, unknown> = {};
  for (const id of ids) {
    contacts[String(id)] = {
      id,
      dateAdded: '2026-10-01T09:00:00+00:00',
      dateModified: null,
      fields: { all: { id: String(id), email: `c${id}@example.com` } },
    };
  }
  return { total: String(ids.length), contacts };
}

useNock();

describe('when pulling contacts incrementally', () => {
  it('should send the window as `where` (date_added OR date_modified, id keyset), order by id, and page until a short page', async () => {
    const uris: string[] = [];
    nock(BASE)
      .get((uri) => uri.startsWith('/api/contacts?'))
      .times(2)
      .reply(function (req: Request) {
        uris.push(req.url);
        return [200, uris.length === 1 ? contactsPage([3, 7]) : contactsPage([9]), { Date: SERVER_DATE }];
      });
    const { ctx, counted } = makeContext(BASE, basic, { config: { pageSize: 2, overlapSeconds: 60 } });
    const connector = testDefinition.create(ctx);
    const since = { contactsSince: '2026-11-20T00:00:00.000Z', contactsNextSince: null, contactsAfterId: 0 };
    const { records, cursors } = await collect(connector.pullContacts(since));

    expect(records.map((r) => r.id)).toStrictEqual(['3', '7', '9']);
    expect(parsePhpQuery(uris[0]!)).toStrictEqual({
      search: '!is:anonymous',
      start: '0',
      limit: '2',
      orderBy: 'id',
      orderByDir: 'asc',
      where: [
        {
          expr: 'orX',
          val: [
            { col: 'date_added', expr: 'gte', val: '2026-11-20 00:00:00' },
            { col: 'date_modified', expr: 'gte', val: '2026-11-20 00:00:00' },
          ],
        },
        { col: 'id', expr: 'gt', val: '0' },
      ],
    });
    expect((parsePhpQuery(uris[1]!).where as unknown[])[1]).toStrictEqual({
      col: 'id',
      expr: 'gt',
      val: '7',
    });
    // Mid-window the cursor keeps the window and the last id; at the end the next window starts at
    // the server's clock of the first page minus the overlap.
    expect(cursors).toStrictEqual([
      {
        contactsSince: Date.parse('2026-11-20T00:00:00.000Z'),
        contactsNextSince: Date.parse('2026-11-26T11:29:00.000Z'),
        contactsAfterId: 7,
      },
      { contactsSince: Date.parse('2026-11-26T11:29:00.000Z'), contactsNextSince: null, contactsAfterId: 0 },
    ]);
    expect(counted).toStrictEqual({ 'GET /api/contacts': 2 });
  });

  it("should tell the whole pull's size from each page's `total` (matches after the last id read)", async () => {
    // Mautic counts every contact the query matches: 3 (ids 3, 7, 9) for the first page, 1 (id 9)
    // once the keyset moved past 7. So the pull is 3 contacts on both pages.
    nock(BASE)
      .get((uri) => uri.startsWith('/api/contacts?'))
      .reply(200, { ...contactsPage([3, 7]), total: '3' }, { Date: SERVER_DATE })
      .get((uri) => uri.startsWith('/api/contacts?'))
      .reply(200, { ...contactsPage([9]), total: '1' }, { Date: SERVER_DATE });
    const { ctx } = makeContext(BASE, basic, { config: { pageSize: 2, overlapSeconds: 60 } });
    const totals: (number | undefined)[] = [];
    for await (const page of testDefinition.create(ctx).pullContacts(null)) totals.push(page.total);
    expect(totals).toStrictEqual([3, 3]);
  });

  it('should resume a half-read window from its cursor (dates as earlier cursors held them) and read everything when there is none', async () => {
    const uris: string[] = [];
    nock(BASE)
      .get((uri) => uri.startsWith('/api/contacts?'))
      .times(2)
      .reply(function (req: Request) {
        uris.push(req.url);
        return [200, fixture('contacts.empty.json'), { Date: SERVER_DATE }];
      });
    const { ctx } = makeContext(BASE, basic);
    const connector = testDefinition.create(ctx);
    const resumed = await collect(
      connector.pullContacts({
        contactsSince: '2026-11-01 00:00:00',
        contactsNextSince: '2026-11-02 00:00:00',
        contactsAfterId: 40,
      }),
    );
    expect(resumed.records).toStrictEqual([]);
    expect(resumed.last).toStrictEqual({
      contactsSince: Date.parse('2026-11-02T00:00:00.000Z'),
      contactsNextSince: null,
      contactsAfterId: 0,
    });
    expect((parsePhpQuery(uris[0]!).where as unknown[])[1]).toStrictEqual({
      col: 'id',
      expr: 'gt',
      val: '40',
    });

    const full = await collect(connector.pullContacts(null));
    expect(parsePhpQuery(uris[1]!).where).toStrictEqual([{ col: 'id', expr: 'gt', val: '0' }]);
    expect(full.last).toStrictEqual({
      contactsSince: Date.parse('2026-11-26T11:25:00.000Z'),
      contactsNextSince: null,
      contactsAfterId: 0,
    });
  });

  it('should read nothing from a far-future cursor and restart the window at the server clock', async () => {
    nock(BASE)
      .get((uri) => uri.startsWith('/api/contacts?'))
      .reply(200, fixture('contacts.empty.json'), { Date: SERVER_DATE });
    const { ctx } = makeContext(BASE, basic, { config: { overlapSeconds: 0 } });
    const far = { contactsSince: '2099-01-01T00:00:00.000Z', contactsNextSince: null, contactsAfterId: 0 };
    const { records, last } = await collect(testDefinition.create(ctx).pullContacts(far));
    expect(records).toStrictEqual([]);
    expect(last).toStrictEqual({
      contactsSince: Date.parse('2026-11-26T11:30:00.000Z'),
      contactsNextSince: null,
      contactsAfterId: 0,
    });
  });

  it('should read the documented response: contacts keyed by id, total as a string', async () => {
    nock(BASE)
      .get((uri) => uri.startsWith('/api/contacts?'))
      .reply(200, fixture('contacts.page-1.json'));
    const { ctx } = makeContext(BASE, basic);
    const { records } = await collect(testDefinition.create(ctx).pullContacts(null));
    expect(records.map((r) => [r.id, r.stage ?? null])).toStrictEqual([
      ['47', 'mql'],
      ['48', null],
      ['51', null],
    ]);
  });

  it('should fetch contacts by id with the ids: search command and leave unknown ids out', async () => {
    const uris: string[] = [];
    nock(BASE)
      .get((uri) => uri.startsWith('/api/contacts?'))
      .reply(function (req: Request) {
        uris.push(req.url);
        return [200, contactsPage([47])];
      });
    const { ctx } = makeContext(BASE, basic);
    const found = await testDefinition.create(ctx).fetchContacts(['47', '999', 'not-an-id', '47']);
    expect(found.map((c) => c.id)).toStrictEqual(['47']);
    expect(parsePhpQuery(uris[0]!)).toMatchObject({ search: 'ids:47,999', limit: '2' });
  });

  it('should name the response path when Mautic answers an unexpected shape', async () => {
    nock(BASE)
      .get((uri) => uri.startsWith('/api/contacts?'))
      .reply(200, { total: '1', contacts: { '5': { id: 5 } } });
    const { ctx } = makeContext(BASE, basic);
    await expect(collect(testDefinition.create(ctx).pullContacts(null))).rejects.toThrow(
      /unexpected GET \/api\/contacts response at contacts\.5\.fields/,
    );
  });
});
