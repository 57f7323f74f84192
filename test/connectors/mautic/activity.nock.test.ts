import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { parsePhpQuery } from '../../../connectors/mautic/sandbox/php-params.ts';
import { collect, fixture, makeContext, testDefinition, useNock } from './helpers.ts';

const BASE = 'https://mautic.example.com';
const basic = { kind: 'basic', username: 'api', password: 'pw' } as const;
const MAPPED_TYPES = [
  'email.read',
  'page.hit',
  'form.submitted',
  'email.failed',
  'lead.donotcontact',
  'point.gained',
  'meeting.registered',
  'meeting.attended',
];

useNock();

describe('when pulling engagement from contact activity', () => {
  it('should filter by date and mapped event types, oldest first, and page until maxPages', async () => {
    const uris: string[] = [];
    const page = fixture<{ events: unknown[] }>('contact-activity.json');
    nock(BASE)
      .get((uri) => uri.startsWith('/api/contacts/activity?'))
      .times(2)
      .reply((req: Request) => {
        uris.push(req.url);
        const first = uris.length === 1;
        return [
          200,
          {
            ...page,
            events: first ? page.events.slice(0, 3) : page.events.slice(3),
            page: uris.length,
            limit: 3,
            total: 6,
            maxPages: 2,
          },
        ];
      });
    const t = makeContext(BASE, basic, { config: { activityPageSize: 3, overlapSeconds: 600 } });
    const since = { activitySince: '2026-11-20T00:00:00.000Z', activityPage: 1, activityNewest: null };
    const { records, cursors } = await collect(testDefinition.create(t.ctx).pullEngagement(since));

    expect(parsePhpQuery(uris[0]!)).toStrictEqual({
      filters: { dateFrom: '2026-11-20 00:00:00', includeEvents: MAPPED_TYPES },
      order: ['timestamp', 'ASC'],
      page: '1',
      limit: '3',
    });
    expect(parsePhpQuery(uris[1]!).page).toBe('2');
    expect(records.map((r) => [r.type, r.contactId])).toStrictEqual([
      ['email_open', '13930'],
      ['form_submit', '16417'],
      ['page_view', '16380'],
      ['email_click', '16380'],
      ['points_change', '16379'],
    ]);
    // The newest event (the skipped import, 2026-11-23 21:42:35) minus the overlap starts the next window.
    expect(cursors).toStrictEqual([
      {
        activitySince: '2026-11-20T00:00:00.000Z',
        activityPage: 2,
        activityNewest: '2026-11-21T20:36:49.000Z',
      },
      { activitySince: '2026-11-23T21:32:35.000Z', activityPage: 1, activityNewest: null },
    ]);
  });

  it('should keep the window when nothing happened, and read everything without a cursor', async () => {
    const uris: string[] = [];
    nock(BASE)
      .get((uri) => uri.startsWith('/api/contacts/activity?'))
      .times(2)
      .reply((req: Request) => {
        uris.push(req.url);
        return [
          200,
          {
            events: [],
            filters: {},
            order: ['timestamp', 'ASC'],
            types: {},
            total: 0,
            page: 1,
            limit: 200,
            maxPages: 0,
          },
        ];
      });
    const t = makeContext(BASE, basic);
    const connector = testDefinition.create(t.ctx);
    const quiet = await collect(
      connector.pullEngagement({
        activitySince: '2026-11-25 00:00:00',
        activityPage: 1,
        activityNewest: null,
      }),
    );
    expect(quiet).toStrictEqual({
      records: [],
      cursors: [{ activitySince: '2026-11-25T00:00:00.000Z', activityPage: 1, activityNewest: null }],
      last: { activitySince: '2026-11-25T00:00:00.000Z', activityPage: 1, activityNewest: null },
    });
    const everything = await collect(connector.pullEngagement(null));
    expect((parsePhpQuery(uris[1]!).filters as Record<string, unknown>).dateFrom).toBeUndefined();
    expect(everything.last).toStrictEqual({ activitySince: null, activityPage: 1, activityNewest: null });
  });
});
