/**
 * Engagement of only the event types the model reads, against the Mautic sandbox over real HTTP:
 * `filters[includeEvents][]` names just the Mautic types mapped to them, a type read for the first
 * time catches up on its history while the others continue, and a pull cut short resumes exactly.
 * Mautic applies `limit` per event type (API-NOTES §3.7), so a window of one type takes
 * ceil(events / limit) pages.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { parsePhpQuery } from '../../../connectors/mautic/sandbox/php-params.ts';
import type { SandboxEvent } from '../../../connectors/mautic/sandbox/state.ts';
import type { EngagementEvent } from '../../../src/model.ts';
import type { Cursor } from '../../../src/pipeline/ports.ts';
import {
  addContactSalesSubmission,
  collect,
  makeContext,
  sandboxTokens,
  startMauticSandbox,
  testDefinition,
  type RunningSandbox,
} from './helpers.ts';

const LIMIT = 10;
const OVERLAP_S = 60;
let run: RunningSandbox;

beforeEach(async () => {
  run = await startMauticSandbox(60, 7);
});
afterEach(async () => {
  await run.close();
});

function connect() {
  const t = makeContext(run.baseUrl, sandboxTokens(run), {
    config: {
      activityPageSize: LIMIT,
      overlapSeconds: OVERLAP_S,
      rateLimit: { max: 10_000, windowMs: 1000 },
    },
  });
  t.ctx.now = () => new Date(run.clock.ms);
  return testDefinition.create(t.ctx);
}

/** The activity requests' filters and page, in the order sent. */
function activityQueries(): { filters: Record<string, unknown>; page: string }[] {
  return run.requests
    .filter((url) => url.startsWith('/mautic/api/contacts/activity?'))
    .map((url) => parsePhpQuery(url) as { filters: Record<string, unknown>; page: string });
}

/** The sandbox's events of a Mautic type that name a contact, optionally within [from, to]. */
function seeded(event: string, from = -Infinity, to = Infinity): SandboxEvent[] {
  return run.sandbox
    .state()
    .events.filter((e) => e.event === event && e.contactId !== undefined)
    .filter((e) => Date.parse(e.timestamp) >= from && Date.parse(e.timestamp) <= to);
}

const newest = (events: SandboxEvent[]) => Math.max(...events.map((e) => Date.parse(e.timestamp)));
const pages = (n: number) => Math.max(1, Math.ceil(n / LIMIT));
/** `Y-m-d H:i:s` in UTC, as API-NOTES §3.3 gives the date filters. */
const mauticDate = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const ids = (events: EngagementEvent[]) => events.map((e) => e.id).sort();

/** A model that read form submissions only, then a new submission an hour later. */
async function formsRead() {
  const connector = connect();
  const first = await collect(connector.pullEngagement(null, ['form_submit']));
  run.requests.length = 0;
  run.clock.ms += 3_600_000;
  addContactSalesSubmission(run.sandbox);
  return { connector, first };
}

describe('when the model reads form submissions only', () => {
  it('should ask for form.submitted alone, a page per limit of them, and count the same floor', async () => {
    const forms = seeded('form.submitted');
    expect(forms.length).toBeGreaterThan(LIMIT);
    const connector = connect();

    const { records, last } = await collect(connector.pullEngagement(null, ['form_submit']));

    const queries = activityQueries();
    expect(queries).toHaveLength(pages(forms.length));
    for (const q of queries) expect(q.filters).toStrictEqual({ includeEvents: ['form.submitted'] });
    expect(new Set(records.map((e) => e.type))).toStrictEqual(new Set(['form_submit']));
    expect(ids(records)).toStrictEqual(forms.map((e) => `mautic:${e.eventId}`).sort());
    // Only the type read has a position: the newest submission minus the overlap.
    expect(last).toStrictEqual({
      'activitySince:form.submitted': newest(forms) - OVERLAP_S * 1000,
      activityWindow: null,
      activityPage: 1,
      activityNewest: null,
    });
    const work = { contacts: 0, writtenBack: 0, recycled: 0, handedOff: 0, salesOutcomes: 0 };
    expect(
      connector.minimumCalls({
        ...work,
        eventsByType: { form_submit: forms.length },
        eventTypes: ['form_submit'],
      }).engagement,
    ).toBe(pages(forms.length));
    // A model that reads no engagement asks nothing of the timeline.
    expect(connector.minimumCalls({ ...work, eventsByType: {}, eventTypes: [] }).engagement).toBeUndefined();
    run.requests.length = 0;
    const none = await collect(connector.pullEngagement(last, []));
    expect(activityQueries()).toStrictEqual([]);
    expect(none.last).toStrictEqual(last);
  });
});

describe('when the model starts reading page views', () => {
  it('should pull page hits from the beginning up to the forms, then both from where the forms stood', async () => {
    const { connector, first } = await formsRead();
    const formsAt = first.last!['activitySince:form.submitted'] as number;
    const hitsBefore = seeded('page.hit', -Infinity, formsAt);
    const hitsAfter = seeded('page.hit', formsAt);
    const formsAfter = seeded('form.submitted', formsAt);

    const next = await collect(connector.pullEngagement(first.last, ['form_submit', 'page_view']));

    // The catch-up: page hits alone, no start, up to the forms' position; then one window of both.
    const queries = activityQueries();
    const catchUp = pages(hitsBefore.length);
    expect(queries.slice(0, catchUp).map((q) => q.filters)).toStrictEqual(
      Array.from({ length: catchUp }, () => ({ dateTo: mauticDate(formsAt), includeEvents: ['page.hit'] })),
    );
    const both = pages(Math.max(hitsAfter.length, formsAfter.length));
    expect(queries.slice(catchUp).map((q) => q.filters)).toStrictEqual(
      Array.from({ length: both }, () => ({
        dateFrom: mauticDate(formsAt),
        includeEvents: ['form.submitted', 'page.hit'],
      })),
    );
    // Every page hit (page views and email click-throughs alike), and only the forms since their position.
    const hits = next.records.filter((e) => e.type !== 'form_submit');
    expect(new Set(hits.map((e) => e.id)).size).toBe(seeded('page.hit').length);
    expect(ids(next.records.filter((e) => e.type === 'form_submit'))).toStrictEqual(
      formsAfter.map((e) => `mautic:${e.eventId}`).sort(),
    );
    expect(formsAfter.map((e) => e.eventId)).toContain('form.submitted9001');
    // Both continue together from the newest event (the new submission) minus the overlap.
    const together = Date.parse('2026-11-26T13:00:00Z') - OVERLAP_S * 1000;
    expect(next.last).toStrictEqual({
      'activitySince:form.submitted': together,
      'activitySince:page.hit': together,
      activityWindow: null,
      activityPage: 1,
      activityNewest: null,
    });

    // Forms no longer read: their position stays while page hits move on.
    run.clock.ms += 3_600_000;
    run.requests.length = 0;
    const third = await collect(connector.pullEngagement(next.last, ['page_view']));
    expect(activityQueries().map((q) => q.filters)).toStrictEqual([
      { dateFrom: mauticDate(together), includeEvents: ['page.hit'] },
    ]);
    expect(third.last!['activitySince:form.submitted']).toBe(together);
  });

  it('should resume a pull cut short after any page with the same events, each once', async () => {
    const { connector, first } = await formsRead();
    // Enough new submissions that the window of both takes three pages.
    for (let i = 0; i < 2 * LIMIT; i++) {
      run.clock.ms += 1000;
      run.sandbox.addEvent({
        event: 'form.submitted',
        eventId: `form.submitted${9100 + i}`,
        eventLabel: 'Newsletter',
        eventType: 'Form submitted',
        contactId: 1 + (i % 5),
        details: { form: { id: 2, name: 'Newsletter' } },
      });
    }
    const read = ['form_submit', 'page_view'];
    const whole: { records: EngagementEvent[]; cursor: Record<string, unknown> }[] = [];
    for await (const page of connector.pullEngagement(first.last, read)) whole.push(page);
    const all = whole.flatMap((p) => p.records);
    expect(new Set(ids(all)).size).toBe(all.length);
    // Pages of the catch-up and of the window of both.
    const windows = whole.map((p) => p.cursor.activityWindow);
    expect(windows.filter((w) => w === 'page.hit').length).toBeGreaterThan(1);
    expect(windows.filter((w) => w === 'form.submitted,page.hit')).toHaveLength(2);

    // A crash after page k: what was stored stays, and the next pull starts from that page's cursor.
    for (let k = 1; k < whole.length; k++) {
      const after = await collect(connector.pullEngagement(whole[k - 1]!.cursor as Cursor, read));
      const stored = whole.slice(0, k).flatMap((p) => p.records);
      expect(ids([...stored, ...after.records])).toStrictEqual(ids(all));
      expect(after.last).toStrictEqual(whole.at(-1)!.cursor);
    }
  });
});
