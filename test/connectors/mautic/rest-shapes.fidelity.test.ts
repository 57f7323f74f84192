/**
 * Mautic fidelity by the documented REST shapes: every request the connector sends is checked
 * against what Mautic's REST documentation says the endpoint takes (method, path, parameter names,
 * body field names and types), and every response it gets is the documentation's own example body,
 * so neither the connector nor the sandbox can agree on a shape the vendor does not have.
 *
 * The documented parameters and example bodies are in `documented.ts` (which says where each comes
 * from). Where the documentation is silent and a shape comes from Mautic's source or is a guess, the
 * comment says which.
 */
import nock from 'nock';
import { describe, expect, it } from 'vitest';

import type { StageChange } from '../../../src/model.ts';
import { parsePhpQuery } from '../../../connectors/mautic/sandbox/php-params.ts';
import {
  ACTIVITY_EXAMPLE,
  CREATE_FIELD_PARAMS,
  DOCTRINE_EXPRS,
  type FieldBody,
  getFieldExample,
  LIST_CONTACTS_EXAMPLE,
  LIST_CONTACTS_PARAMS,
  LIST_FIELDS_EXAMPLE,
  LIST_STAGES_EXAMPLE,
  MAUTIC_DATE,
} from './documented.ts';
import { collect, makeContext, testDefinition, useNock } from './helpers.ts';

const BASE = 'https://mautic.example.com';
const basic = { kind: 'basic', username: 'api', password: 'pw' } as const;

function change(id: string, stage: string, previousStage?: string): StageChange {
  return {
    contactId: id,
    stage,
    ...(previousStage ? { previousStage } : {}),
    scores: { fit: 30, total: 55 },
    summary: `contact ${id}: fit 30`,
    modelVersion: 'm-1',
    recycled: false,
  };
}

/** Every `where` statement (nested in `andX`/`orX` values too) uses a documented expression. */
function expectDocumentedWhere(where: unknown): void {
  expect(Array.isArray(where)).toBe(true);
  for (const w of where as Record<string, unknown>[]) {
    expect([...DOCTRINE_EXPRS]).toContain(w.expr);
    if (w.expr === 'andX' || w.expr === 'orX') expectDocumentedWhere(w.val);
    else {
      // Columns are entity columns in snake_case (contacts.rst: orderBy; API-NOTES §3.2).
      expect(String(w.col)).toMatch(/^[a-z_]+$/);
      expect(Object.keys(w).sort()).toStrictEqual(['col', 'expr', 'val']);
    }
  }
}

/** Answers GETs of `path?…` with `body`, `times` times; the URLs asked are returned, in order. */
function answerGet(path: string, body: unknown, times = 1): string[] {
  const urls: string[] = [];
  nock(BASE)
    .get((uri) => uri.startsWith(`${path}?`))
    .times(times)
    .reply((req: Request) => {
      urls.push(req.url);
      return [200, body];
    });
  return urls;
}

/** The documented field list (only multiselect_test), and the four leadstage fields created. */
function documentedFields(): Record<string, unknown>[] {
  const created: Record<string, unknown>[] = [];
  answerGet('/api/fields/contact', LIST_FIELDS_EXAMPLE);
  nock(BASE)
    .post('/api/fields/contact/new')
    .times(4)
    .reply(async (req: Request) => {
      const body = (await req.json()) as FieldBody;
      created.push({ ...body });
      return [201, getFieldExample(body, 164 + created.length)];
    });
  return created;
}

useNock();

describe('when reading contacts by the documented List Contacts shapes', () => {
  it('should send only documented parameters and read the documented example response', async () => {
    const urls = answerGet('/api/contacts', LIST_CONTACTS_EXAMPLE);
    const { ctx } = makeContext(BASE, basic, { config: { pageSize: 30 } });
    const since = { contactsSince: '2026-11-20T08:30:00.000Z', contactsNextSince: null, contactsAfterId: 0 };
    const { records } = await collect(testDefinition.create(ctx).pullContacts(since));

    const query = parsePhpQuery(urls[0]!);
    expect(Object.keys(query).filter((k) => !LIST_CONTACTS_PARAMS.has(k))).toStrictEqual([]);
    expect(query.start).toMatch(/^\d+$/);
    expect(query.limit).toBe('30');
    expect(['asc', 'desc']).toContain(query.orderByDir);
    expect(query.orderBy).toMatch(/^[a-z_]+$/);
    expectDocumentedWhere(query.where);
    // The window start goes out as `Y-m-d H:i:s` (UTC): 2026-11-20T08:30:00Z.
    const dates = JSON.stringify(query.where).match(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/g) ?? [];
    expect(dates.length).toBeGreaterThan(0);
    for (const d of dates) expect(d).toBe('2026-11-20 08:30:00');

    // Read from the example by hand: id 47 (an int) as a string, `fields.all`, points 10, an email
    // DNC entry → no consent, dateModified 14:12:03-05:00 = 19:12:03Z.
    expect(records).toStrictEqual([
      {
        id: '47',
        properties: { firstname: 'Jim', consent: false, mautic_points: 10 },
        updatedAt: '2015-07-21T19:12:03.000Z',
      },
    ]);
  });

  it('should look contacts up by id with the `ids:` search command and read the same example', async () => {
    const urls = answerGet('/api/contacts', LIST_CONTACTS_EXAMPLE);
    const { ctx } = makeContext(BASE, basic);
    const found = await testDefinition.create(ctx).fetchContacts(['47']);

    const query = parsePhpQuery(urls[0]!);
    expect(Object.keys(query).filter((k) => !LIST_CONTACTS_PARAMS.has(k))).toStrictEqual([]);
    // contacts.rst only says "String or search command"; `ids:1,2,3` is from api-library's
    // tests/Api/ContactsTest.php (API-NOTES §3.2), not from the REST documentation.
    expect(query.search).toBe('ids:47');
    expect(found.map((c) => c.id)).toStrictEqual(['47']);
  });
});

describe('when reading activity by the documented Get Activity events for all Contacts shapes', () => {
  it('should filter with `filters[...]` in `Y-m-d H:i:s` and read every documented event form', async () => {
    const urls = answerGet('/api/contacts/activity', ACTIVITY_EXAMPLE);
    const { ctx } = makeContext(BASE, basic, { config: { activityPageSize: 25 } });
    const since = { activitySince: '2026-11-20T08:30:00.000Z', activityPage: 1, activityNewest: null };
    const { records } = await collect(testDefinition.create(ctx).pullEngagement(since));

    expect(urls).toHaveLength(1); // maxPages 1
    const query = parsePhpQuery(urls[0]!);
    // contacts.rst documents filters[search|includeEvents|excludeEvents|dateFrom|dateTo],
    // orderBy, orderByDir and page. The connector sends `order[0]=timestamp&order[1]=ASC` and
    // `limit` instead of orderBy/orderByDir: the api-library sends `order` as [orderBy, orderByDir]
    // and Mautic's LeadApiController reads `order` and `limit` (API-NOTES §3.3); the REST page's
    // parameter table is silent on both, so this part follows the library, not the page.
    expect(Object.keys(query).sort()).toStrictEqual(['filters', 'limit', 'order', 'page']);
    const filters = query.filters as Record<string, unknown>;
    for (const key of Object.keys(filters)) {
      expect(['search', 'includeEvents', 'excludeEvents', 'dateFrom', 'dateTo']).toContain(key);
    }
    expect(filters.dateFrom).toMatch(MAUTIC_DATE);
    expect(filters.dateFrom).toBe('2026-11-20 08:30:00');
    expect(Array.isArray(filters.includeEvents)).toBe(true);
    expect(query.order).toStrictEqual(['timestamp', 'ASC']);
    expect(query.page).toBe('1');
    expect(query.limit).toBe('25');

    // By hand from the example and mappings/mautic.yaml: meeting.attended → meeting_held,
    // email.read → email_open, form.submitted → form_submit, page.hit (no `source: email`) →
    // page_view, point.gained → points_change with delta "20". campaign.event, email.sent,
    // lead.ipadded are unmapped; lead.imported and asset.download have no contact.
    expect(records.map((r) => [r.type, r.contactId, r.at])).toStrictEqual([
      ['meeting_held', '12180', '2017-08-03T21:03:04.000Z'],
      ['email_open', '13930', '2017-07-12T23:30:56.000Z'],
      ['form_submit', '16417', '2017-07-27T03:09:07.000Z'],
      ['page_view', '16380', '2017-07-21T20:36:49.000Z'],
      ['points_change', '16379', '2017-07-20T22:38:28.000Z'],
    ]);
    const byType = new Map(records.map((r) => [r.type, r]));
    expect(byType.get('email_open')?.id).toBe('mautic:email.read769');
    expect(byType.get('form_submit')?.properties.formName).toBe('3586 Test');
    expect(byType.get('page_view')?.properties.url).toBe(
      'http://example.com/uncategorized/translation-test1',
    );
    expect(byType.get('page_view')?.properties.title).toBe('Test');
    expect(byType.get('points_change')?.properties.delta).toBe(20);
    // Documented events without `eventId` still get an id, the same on every read.
    expect(byType.get('page_view')?.id).toMatch(/^mautic:page\.hit:/);
  });
});

describe('when preparing and writing back by the documented Fields and Stages shapes', () => {
  it('should read the documented field and stage lists and create fields with documented parameters', async () => {
    const created = documentedFields();
    answerGet('/api/stages', LIST_STAGES_EXAMPLE);
    const { ctx } = makeContext(BASE, basic);
    const connector = testDefinition.create(ctx);
    await connector.ensureSchema({
      stages: [{ key: 'mql', label: 'MQL' }],
      dimensions: ['fit'],
    });

    // multiselect_test is the only field the documented list has; the four leadstage fields are
    // created, each with documented POST parameters only — except two the page does not list:
    // `isPublished` (a field property on "Get field") and `charLengthLimit`, a FieldType form field
    // in Mautic 5's source (LeadBundle/Form/Type/FieldType.php, LeadField::$charLengthLimit,
    // default 64). API-NOTES §3.7 calls it `properties.length`; the source says `charLengthLimit`.
    expect(created.map((b) => b.alias)).toStrictEqual([
      'ls_score_fit',
      'ls_score',
      'ls_reason',
      'ls_model_version',
    ]);
    const undocumented = (b: Record<string, unknown>) =>
      Object.keys(b).filter(
        (k) => !CREATE_FIELD_PARAMS.has(k) && k !== 'isPublished' && k !== 'charLengthLimit',
      );
    expect(created.flatMap(undocumented)).toStrictEqual([]);
    expect(created.map((b) => [typeof b.label, b.type, b.object])).toStrictEqual([
      ['string', 'number', 'lead'],
      ['string', 'number', 'lead'],
      ['string', 'text', 'lead'],
      ['string', 'text', 'lead'],
    ]);
    // Text fields declare a length within the 191 a Mautic text field holds (API-NOTES §3.7).
    const lengths = created.filter((b) => b.type === 'text').map((b) => b.charLengthLimit);
    expect(lengths.every((n) => typeof n === 'number' && n > 64 && n <= 191)).toBe(true);
    expect((await connector.fieldNames()).sort()).toStrictEqual([
      'ls_model_version',
      'ls_reason',
      'ls_score',
      'ls_score_fit',
      'multiselect_test',
    ]);
  });

  it('should create a missing stage with the documented Create Stage parameters and types', async () => {
    let sent: Record<string, unknown> = {};
    answerGet('/api/stages', LIST_STAGES_EXAMPLE);
    nock(BASE)
      .post('/api/stages/new')
      .reply(async (req: Request) => {
        sent = (await req.json()) as Record<string, unknown>;
        // stages.rst "Create Stage" answers 201 "Same as Get Stage": the `stage` object.
        return [201, { stage: { ...LIST_STAGES_EXAMPLE.stages[0], id: 48, name: sent.name } }];
      });
    documentedFields();
    const { ctx } = makeContext(BASE, basic);
    await testDefinition.create(ctx).ensureSchema({
      stages: [
        { key: 'mql', label: 'MQL' },
        { key: 'sql', label: 'SQL' },
      ],
      dimensions: ['fit'],
    });

    // stages.rst: name string (required), weight int, description string, isPublished "int: a value of 0 or 1".
    expect(Object.keys(sent).sort()).toStrictEqual(['description', 'isPublished', 'name', 'weight']);
    expect(sent.name).toBe('Sales Qualified Lead');
    expect(Number.isInteger(sent.weight)).toBe(true);
    expect(typeof sent.description).toBe('string');
    expect(sent.isPublished).toBe(1);
  });

  it('should batch-edit with `id` and field aliases and move stages with the documented Stages call', async () => {
    let sent: Record<string, unknown>[] = [];
    const stageCalls: string[] = [];
    documentedFields();
    answerGet('/api/stages', LIST_STAGES_EXAMPLE);
    nock(BASE)
      .patch('/api/contacts/batch/edit')
      .reply(async (req: Request) => {
        sent = (await req.json()) as Record<string, unknown>[];
        // contacts.rst "Edit Batch Contact" → Response: 200, "Contacts array. Record same as Get
        // Contact" — no example body. The `contacts` wrapper (and the `statusCodes`/`errors` keyed by
        // index the connector also reads) are CommonApiController's, not the page's: a guess as far
        // as the documentation goes. No statusCodes: every item counts as edited.
        const contact = LIST_CONTACTS_EXAMPLE.contacts['47'];
        return [200, { contacts: [contact, { ...contact, id: 48 }] }];
      });
    nock(BASE)
      .post(/^\/api\/stages\/\d+\/contact\/\d+\/add$/)
      .reply((req: Request) => {
        stageCalls.push(new URL(req.url).pathname);
        // stages.rst "Add Contact to a Stage" → Response: {"success": true}.
        return [200, { success: true }];
      });
    const { ctx } = makeContext(BASE, basic);
    const result = await testDefinition
      .create(ctx)
      .writeBack([change('47', 'mql', 'lead'), change('48', 'mql', 'mql')]);

    // contacts.rst: each item has `id` (an int in the example) plus any contact field alias.
    expect(sent).toHaveLength(2);
    for (const item of sent) {
      expect(Number.isInteger(item.id)).toBe(true);
      for (const key of Object.keys(item)) expect(key).toMatch(/^(id|[a-z][a-z0-9_]*)$/);
    }
    expect(sent[0]).toStrictEqual({
      id: 47,
      ls_score_fit: 30,
      ls_score: 55,
      ls_reason: 'contact 47: fit 30',
      ls_model_version: 'm-1',
    });
    // Only 47 changes stage; 47 is the id of "Marketing Qualified Lead" in the stage list.
    expect(stageCalls).toStrictEqual(['/api/stages/47/contact/47/add']);
    expect(result).toStrictEqual({ ok: ['47', '48'], failed: [] });
  });
});
