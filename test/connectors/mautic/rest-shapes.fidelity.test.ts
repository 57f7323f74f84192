/**
 * Mautic fidelity by the documented REST shapes: every request the connector sends is checked
 * against what Mautic's REST documentation says the endpoint takes (method, path, parameter names,
 * body field names and types), and every response it gets is the documentation's own example body,
 * so neither the connector nor the sandbox can agree on a shape the vendor does not have.
 *
 * Documentation: mautic/developer-documentation-new @05db222f, `docs/rest_api/{contacts,stages,
 * fields}.rst` (sections named in each fixture), and ../shared/specs/API-NOTES.md §3. The example
 * bodies below are those sections' JSON, trimmed of keys the connector does not read (said where);
 * values the connector needs to differ (stage and field names) are the only ones changed, and say so.
 * Where the documentation is silent and a shape comes from Mautic's source or is a guess, the
 * comment says which.
 */
import nock from 'nock';
import { describe, expect, it } from 'vitest';

import type { StageChange } from '../../../src/model.ts';
import { parsePhpQuery } from '../../../connectors/mautic/sandbox/php-params.ts';
import { collect, makeContext, testDefinition, useNock } from './helpers.ts';

const BASE = 'https://mautic.example.com';
const basic = { kind: 'basic', username: 'api', password: 'pw' } as const;

/** `Y-m-d H:i:s`, the format contacts.rst asks for in `filters[dateFrom]` and `where` dates. */
const MAUTIC_DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** Doctrine expressions `where[][expr]` takes (contacts.rst "Advanced filtering"; API-NOTES §3.2). */
const DOCTRINE_EXPRS = new Set([
  'eq',
  'neq',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'notIn',
  'like',
  'isNull',
  'isNotNull',
  'andX',
  'orX',
]);

/** contacts.rst "List Contacts" → Query Parameters. */
const LIST_CONTACTS_PARAMS = new Set([
  'search',
  'start',
  'limit',
  'orderBy',
  'orderByDir',
  'publishedOnly',
  'minimal',
  'where',
  'order',
]);

/** fields.rst "Create field" → POST parameters. */
const CREATE_FIELD_PARAMS = new Set([
  'label',
  'alias',
  'description',
  'type',
  'group',
  'order',
  'object',
  'defaultValue',
  'isRequired',
  'isPubliclyUpdatable',
  'isUniqueIdentifier',
  'properties',
]);

/**
 * contacts.rst "List Contacts" → Response (the single contact 47). Trimmed: `owner`, `ipAddresses`,
 * `tags`, `utmtags`, `fields.social`, the `"...": "..."` placeholders. `total` is the string "1".
 */
const LIST_CONTACTS_EXAMPLE = {
  total: '1',
  contacts: {
    '47': {
      id: 47,
      isPublished: true,
      dateAdded: '2015-07-21T12:27:12-05:00',
      createdBy: 1,
      createdByUser: 'Joe Smith',
      dateModified: '2015-07-21T14:12:03-05:00',
      modifiedBy: 1,
      modifiedByUser: 'Joe Smith',
      points: 10,
      lastActive: '2015-07-21T14:19:37-05:00',
      dateIdentified: '2015-07-21T12:27:12-05:00',
      color: 'ab5959',
      fields: {
        core: {
          title: { id: '1', label: 'Title', alias: 'title', type: 'lookup', group: 'core', value: 'Mr' },
          firstname: {
            id: '2',
            label: 'First Name',
            alias: 'firstname',
            type: 'text',
            group: 'core',
            value: 'Jim',
          },
        },
        personal: [],
        professional: [],
        all: { title: 'Mr', firstname: 'Jim', twitter: 'jimcontact' },
      },
      doNotContact: [{ id: 2, reason: 2, comments: '', channel: 'email', channelId: null }],
    },
  },
};

/**
 * contacts.rst "Get Activity events for all Contacts" → Response, every event as documented (the
 * upstream example has a trailing comma after the last event, i.e. is not valid JSON as printed).
 * Trimmed: the two webinar events, the email.read `openDetails` and the page hit's user agent and
 * `clientInfo`. Note the documented irregularities kept here: page.hit and point.gained have no
 * `eventId`; lead.imported and asset.download have no `contactId`; `eventLabel` is a string or an
 * object; lead.ipadded's `details` is `[]`.
 */
const ACTIVITY_EXAMPLE = {
  events: [
    {
      event: 'meeting.attended',
      eventId: 'meeting.attended65',
      eventLabel: 'Attended meeting - Mautic instance',
      eventType: 'Meeting attendance',
      timestamp: '2017-08-03T21:03:04+00:00',
      contactId: '12180',
      details: {
        eventName: 'mautic-instance',
        eventId: '371343405',
        eventDesc: 'Mautic instance',
        joinUrl: '',
      },
    },
    {
      event: 'campaign.event',
      eventId: 'campaign.event892',
      eventLabel: { label: 'Contact field value / Campaign Date', href: '/s/campaigns/view/498' },
      eventType: 'Campaign action triggered',
      timestamp: '2017-08-03T00:58:25+00:00',
      contactId: '12281',
      details: { log: { type: 'lead.field_value', logId: '892', campaignId: '498' } },
    },
    {
      event: 'email.sent',
      eventId: 'email.sent796',
      eventLabel: {
        label: '2017-05-23 - Email - Leads - Nurture Flow (Monica) 1',
        href: 'http://example.com/email/view/597a116ae69ca',
        isExternal: true,
      },
      eventType: 'Email sent',
      timestamp: '2017-07-27T16:14:34+00:00',
      contactId: '16419',
      details: { stat: { id: '796', emailId: '78' }, type: 'sent' },
    },
    {
      event: 'email.read',
      eventId: 'email.read769',
      eventLabel: {
        label: 'Custom Email: device test',
        href: 'http://example.com/email/view/5966b0cd571f4',
        isExternal: true,
      },
      eventType: 'Email read',
      timestamp: '2017-07-12T23:30:56+00:00',
      contactId: '13930',
      details: {
        stat: {
          id: '769',
          dateRead: '2017-07-12T23:30:56+00:00',
          dateSent: '2017-07-12T23:29:17+00:00',
          isRead: '1',
          isFailed: '0',
          storedSubject: 'device test',
          timeToRead: 'PT1M39S',
        },
        type: 'read',
      },
    },
    {
      event: 'lead.ipadded',
      eventId: 'lead.ipadded3263',
      eventLabel: '127.0.0.1',
      eventType: 'Accessed from IP',
      timestamp: '2017-07-27T03:09:09+00:00',
      contactId: '3263',
      details: [],
    },
    {
      event: 'form.submitted',
      eventId: 'form.submitted503',
      eventLabel: { label: '3586 Test', href: '/s/forms/view/143' },
      eventType: 'Form submitted',
      timestamp: '2017-07-27T03:09:07+00:00',
      contactId: '16417',
      details: {
        submission: { id: 503, form: { id: 143, name: '3586 Test', alias: '3586_test' } },
        form: { id: 143, name: '3586 Test', alias: '3586_test' },
        page: {},
      },
    },
    {
      event: 'page.hit',
      eventLabel: { label: 'Test', href: '/s/pages/view/8' },
      eventType: 'Page hit',
      timestamp: '2017-07-21T20:36:49+00:00',
      contactId: '16380',
      details: {
        hit: {
          dateHit: '2017-07-21T20:36:49+00:00',
          url: 'http://example.com/uncategorized/translation-test1',
          query: { pageUrl: 'http://example.com/uncategorized/translation-test1' },
          device: 'desktop',
          pageId: '8',
        },
      },
    },
    {
      event: 'point.gained',
      eventLabel: '2: Page Hit Test / 20',
      eventType: 'Point gained',
      timestamp: '2017-07-20T22:38:28+00:00',
      contactId: '16379',
      details: {
        log: {
          eventName: '2: Page Hit Test',
          actionName: 'hit',
          dateAdded: '2017-07-20T22:38:28+00:00',
          type: 'url',
          delta: '20',
          id: '2',
        },
      },
    },
    {
      event: 'lead.imported',
      eventId: 'lead.imported6324',
      eventType: 'Imported',
      eventLabel: {
        label: 'Contact import failed from FakeNameGenerator.com_20d05d9c.csv',
        href: '/s/contacts/import/view/4',
      },
      timestamp: '2017-07-17T21:42:35+00:00',
      details: { id: '6324', bundle: 'lead', object: 'import', action: 'failed' },
    },
    {
      event: 'asset.download',
      eventId: 'asset.download11',
      eventLabel: { label: 'Download Mautic', href: '/s/assets/view/1' },
      eventType: 'Asset downloaded',
      timestamp: '2017-04-04T01:49:13+00:00',
      details: { asset: { id: 1, title: 'Download Mautic', alias: 'download-mautic', description: 'test' } },
    },
  ],
  filters: { search: '', includeEvents: [], excludeEvents: [] },
  order: ['timestamp', 'DESC'],
  types: { 'email.read': 'Email read', 'page.hit': 'Page hit', 'point.gained': 'Point gained' },
  total: 12,
  page: 1,
  limit: 25,
  maxPages: 1,
};

/**
 * stages.rst "List Contact Stages" → Response: `stages` is an array. Changed: the name ("Stage A" in
 * the docs) is a stage of the default mapping, so the connector has a stage to move contacts to.
 */
const LIST_STAGES_EXAMPLE = {
  total: 4,
  stages: [
    {
      id: 47,
      isPublished: 1,
      dateAdded: '2015-07-21T12:27:12-05:00',
      createdBy: 1,
      createdByUser: 'Joe Smith',
      dateModified: '2015-07-21T14:12:03-05:00',
      modifiedBy: 1,
      modifiedByUser: 'Joe Smith',
      name: 'Marketing Qualified Lead',
      category: null,
      description: 'This is my first Stage created via API.',
      weight: 0,
      publishUp: '2015-07-21T14:12:03-05:00',
      publishDown: '2015-07-21T14:12:03-05:00',
    },
  ],
};

/** fields.rst "List Contact fields" → the documented example: `fields` is an array (see the note). */
const LIST_FIELDS_EXAMPLE = {
  total: 71,
  fields: [
    {
      isPublished: true,
      dateAdded: '2016-10-12T11:31:13+00:00',
      createdBy: 1,
      createdByUser: 'Judith Czinege',
      dateModified: '2016-10-12T11:31:30+00:00',
      modifiedBy: 1,
      modifiedByUser: 'Judith Czinege',
      id: 100,
      label: 'Multiselect test',
      alias: 'multiselect_test',
      type: 'multiselect',
      group: 'core',
      order: 3,
      object: 'lead',
      defaultValue: null,
      isRequired: false,
      isPubliclyUpdatable: false,
      isUniqueIdentifier: false,
      properties: { list: [{ label: 'PHP', value: 'php' }] },
    },
  ],
};

interface FieldBody {
  label: string;
  alias: string;
  type: string;
}

/** fields.rst "Get field" → Response (what "Create field" answers, 201). Changed: id, label, alias, type. */
function getFieldExample(body: FieldBody, id: number) {
  return {
    field: {
      isPublished: true,
      dateAdded: '2016-11-10T13:02:52+00:00',
      createdBy: 1,
      createdByUser: 'Sharru-Ukin Kumar',
      dateModified: null,
      modifiedBy: null,
      modifiedByUser: null,
      id,
      label: body.label,
      alias: body.alias,
      type: body.type,
      group: null,
      order: 36,
      object: 'lead',
      defaultValue: null,
      isRequired: false,
      isPubliclyUpdatable: false,
      isUniqueIdentifier: 0,
      properties: [],
    },
  };
}

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
