import nock from 'nock';
import { describe, expect, it } from 'vitest';

import { parsePhpQuery } from '../../../connectors/mautic/sandbox/php-params.ts';
import { collect, fixture, makeContext, testDefinition, useNock } from './helpers.ts';

const BASE = 'https://mautic.example.com';
const basic = { kind: 'basic', username: 'api', password: 'pw' } as const;
// mappings/mautic.yaml's event types, sorted: the request names them in a fixed order.
const MAPPED_TYPES = [
  'email.failed',
  'email.read',
  'form.submitted',
  'lead.donotcontact',
  'meeting.attended',
  'meeting.registered',
  'page.hit',
  'point.gained',
];
const WINDOW = MAPPED_TYPES.join(',');

/** Every mapped type's position at `iso` (epoch ms; null: from the beginning). */
function everyType(iso: string | null): Record<string, number | null> {
  return Object.fromEntries(
    MAPPED_TYPES.map((t) => [`activitySince:${t}`, iso === null ? null : Date.parse(iso)]),
  );
}

useNock();

/** Answers `times` activity requests with no events (the page asked for, no pages); returns their URLs. */
function answerEmpty(times: number): string[] {
  const uris: string[] = [];
  nock(BASE)
    .get((uri) => uri.startsWith('/api/contacts/activity?'))
    .times(times)
    .reply((req: Request) => {
      uris.push(req.url);
      const page = Number(parsePhpQuery(req.url).page);
      return [
        200,
        {
          events: [],
          filters: {},
          order: ['timestamp', 'ASC'],
          types: {},
          total: 0,
          page,
          limit: 200,
          maxPages: 0,
        },
      ];
    });
  return uris;
}

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
    // The single-position cursor covered every mapped type: each starts there. The newest event
    // (the skipped import, 2026-11-23 21:42:35) minus the overlap starts the next window.
    expect(cursors).toStrictEqual([
      {
        ...everyType('2026-11-20T00:00:00.000Z'),
        activityWindow: WINDOW,
        activityPage: 2,
        activityNewest: Date.parse('2026-11-21T20:36:49.000Z'),
      },
      {
        ...everyType('2026-11-23T21:32:35.000Z'),
        activityWindow: null,
        activityPage: 1,
        activityNewest: null,
      },
    ]);
  });

  it('should keep the window when nothing happened, and read everything without a cursor', async () => {
    const uris = answerEmpty(2);
    const t = makeContext(BASE, basic);
    const connector = testDefinition.create(t.ctx);
    const quiet = await collect(
      connector.pullEngagement({
        activitySince: '2026-11-25 00:00:00',
        activityPage: 1,
        activityNewest: null,
      }),
    );
    const kept = {
      ...everyType('2026-11-25T00:00:00.000Z'),
      activityWindow: null,
      activityPage: 1,
      activityNewest: null,
    };
    expect(quiet).toStrictEqual({ records: [], cursors: [kept], last: kept });
    const everything = await collect(connector.pullEngagement(null));
    expect((parsePhpQuery(uris[1]!).filters as Record<string, unknown>).dateFrom).toBeUndefined();
    expect(everything.last).toStrictEqual({
      ...everyType(null),
      activityWindow: null,
      activityPage: 1,
      activityNewest: null,
    });
  });

  it('should upgrade a single-position cursor: its window resumes over every type, or restarts over fewer', async () => {
    const uris = answerEmpty(2);
    const t = makeContext(BASE, basic, { config: { overlapSeconds: 600 } });
    const connector = testDefinition.create(t.ctx);
    // As the connector stored it before per-type positions: on page 3 of a window over every mapped type.
    const old = {
      activitySince: '2026-11-20T00:00:00.000Z',
      activityPage: 3,
      activityNewest: '2026-11-21T20:36:49.000Z',
    };

    // Every type read: the same window goes on at page 3, and ends at its newest event minus 600 s.
    const all = await collect(connector.pullEngagement(old));
    expect(parsePhpQuery(uris[0]!)).toMatchObject({
      filters: { dateFrom: '2026-11-20 00:00:00', includeEvents: MAPPED_TYPES },
      page: '3',
    });
    expect(all.last).toStrictEqual({
      ...everyType('2026-11-21T20:26:49.000Z'),
      activityWindow: null,
      activityPage: 1,
      activityNewest: null,
    });

    // Form submissions only: a window over them alone pages differently, so it starts again at page 1
    // from the old start; the other types keep the old start.
    const forms = await collect(connector.pullEngagement(old, ['form_submit']));
    expect(parsePhpQuery(uris[1]!)).toMatchObject({
      filters: { dateFrom: '2026-11-20 00:00:00', includeEvents: ['form.submitted'] },
      page: '1',
    });
    expect(forms.last).toStrictEqual({
      ...everyType('2026-11-20T00:00:00.000Z'),
      activityWindow: null,
      activityPage: 1,
      activityNewest: null,
    });
  });
});
