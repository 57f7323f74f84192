/**
 * The Mautic sandbox over real HTTP, driven with the REST requests Mautic documents and held to what
 * Mautic 5.1 answers, so the sandbox cannot drift toward what the connector expects. Every expected
 * value below is read from Mautic's documentation (mautic/developer-documentation-new, via
 * `test/connectors/mautic/documented.ts`) or from Mautic's source at tag 5.1.1 (`mautic/mautic`,
 * file paths under `app/bundles/` named at each assertion), never from the sandbox's code. Where the
 * documentation's example and the source disagree, the source wins and the comment says so.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { startMauticSandbox, type RunningSandbox } from '../connectors/mautic/helpers.ts';
import {
  ACTIVITY_EXAMPLE,
  LIST_CONTACTS_EXAMPLE,
  LIST_FIELDS_EXAMPLE,
} from '../connectors/mautic/documented.ts';

/** An instance whose `default_timezone` is not UTC, so timeline offsets show. */
const TIME_ZONE = 'America/New_York';
const CONTACTS = 40;
let run: RunningSandbox;
let token: string;

beforeEach(async () => {
  run = await startMauticSandbox(CONTACTS, 7, { timeZone: TIME_ZONE });
  token = run.sandbox.issueTokens().accessToken;
});
afterEach(async () => {
  await run.close();
});

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One documented REST call with the OAuth2 bearer token (API-NOTES §3.1). */
async function api(method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${run.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : null };
}

type Json = Record<string, unknown>;
const obj = (v: unknown) => v as Json;

/** JSON's own type names: a PHP list is an `array`, a PHP map with string/int keys an `object`. */
function jsonType(v: unknown): string {
  if (v === null) return 'null';
  return Array.isArray(v) ? 'array' : typeof v;
}

/** Every key of `documented` is in `actual`, with the same JSON type where both hold a value. */
function expectDocumentedKeys(actual: Json, documented: Json, where: string): void {
  for (const [key, value] of Object.entries(documented)) {
    expect(actual, `${where}.${key}`).toHaveProperty([key]);
    if (value !== null && actual[key] !== null) {
      expect(jsonType(actual[key]), `${where}.${key}`).toBe(jsonType(value));
    }
  }
}

/** `FetchCommonApiController::returnError` (ApiBundle/Controller): the error envelope. */
function apiError(code: number, message: string, details: unknown = []) {
  return { errors: [{ code, message, details, type: null }] };
}

/**
 * LeadBundle/Entity/LeadField.php loadApiMetadata `addListProperties`, typed as fields.rst's example
 * (`id` and `order` integers, the rest strings).
 */
const LEAD_FIELD_LIST_PROPERTIES = (({ id, label, alias, type, group, order, object }) => ({
  id,
  label,
  alias,
  type,
  group,
  order,
  object,
}))(LIST_FIELDS_EXAMPLE.fields[0]!);

/** `mautic.core.error.notfound` (CoreBundle/Translations/en_US/messages.ini). */
const NOT_FOUND = apiError(404, 'Item was not found.');

async function createField(body: Json): Promise<Json> {
  const created = await api('POST', '/api/fields/contact/new', body);
  expect(created.status).toBe(201);
  return obj(obj(created.body).field);
}

describe('when listing contacts and fields', () => {
  it('should answer List Contacts with the documented envelope, contacts keyed by id', async () => {
    const { status, body } = await api('GET', '/api/contacts?start=0&limit=5&orderBy=id&orderByDir=asc');
    expect(status).toBe(200);
    // contacts.rst "List Contacts" → Response: `total` a string, `contacts` an object keyed by id.
    expect(obj(body).total).toBe(String(CONTACTS));
    const contacts = obj(obj(body).contacts);
    expect(jsonType(contacts)).toBe('object');
    expect(Object.keys(contacts)).toStrictEqual(['1', '2', '3', '4', '5']);
    const documented = LIST_CONTACTS_EXAMPLE.contacts['47'];
    for (const [key, contact] of Object.entries(contacts)) {
      expect(obj(contact).id).toBe(Number(key));
      expectDocumentedKeys(obj(contact), documented, `contacts.${key}`);
      const fields = obj(obj(contact).fields);
      // `fields.core.<alias>`: id (a string in the example), label, alias, type, group, value.
      expectDocumentedKeys(
        obj(obj(fields.core).firstname),
        documented.fields.core.firstname,
        'core.firstname',
      );
      expect(jsonType(fields.all)).toBe('object');
    }
  });

  it('should list contact fields keyed by their integer ids', async () => {
    const { status, body } = await api('GET', '/api/fields/contact');
    expect(status).toBe(200);
    // CoreBundle/Entity/CommonRepository.php getEntities: `->from($entity, $alias, "{$alias}.id")`
    // indexes the rows by id, and ApiBundle/Helper/EntityResultHelper.php getArray keeps the keys,
    // so PHP encodes a JSON object keyed by id. (fields.rst's example prints a list: the source wins.)
    const fields = obj(obj(body).fields);
    expect(jsonType(fields)).toBe('object');
    expect(obj(body).total).toBe(Object.keys(fields).length);
    const documented = LIST_FIELDS_EXAMPLE.fields[0]!;
    for (const [key, field] of Object.entries(fields)) {
      expect(Number.isInteger(obj(field).id)).toBe(true);
      expect(key).toBe(String(obj(field).id));
      expectDocumentedKeys(obj(field), LEAD_FIELD_LIST_PROPERTIES, `fields.${key}`);
      expect(jsonType(obj(field).isRequired)).toBe(jsonType(documented.isRequired));
      expect(obj(field).object).toBe('lead');
    }
  });
});

describe('when a text field is created without a length', () => {
  const reason64 = 'r'.repeat(64);

  it('should keep 64 characters and refuse a longer value with a 400 naming the field', async () => {
    // fields.rst "Create field" with its documented parameters only.
    const field = await createField({ label: 'Leadstage reason', alias: 'ls_reason', type: 'text' });
    // fields.rst "Create field" answers the field as "Get field" prints it: id an integer, and the
    // list properties of LeadBundle/Entity/LeadField.php loadApiMetadata.
    expectDocumentedKeys(field, LEAD_FIELD_LIST_PROPERTIES, 'field');
    expect(Number.isInteger(field.id)).toBe(true);
    expect(field).toMatchObject({ alias: 'ls_reason', type: 'text', object: 'lead' });

    // LeadBundle/Entity/LeadField.php: `$charLengthLimit = 64`; LeadBundle/Form/Type/
    // EntityFieldsBuildFormTrait.php adds Length(max: charLengthLimit) to the contact form.
    const ok = await api('PATCH', '/api/contacts/1/edit', { ls_reason: reason64 });
    expect(ok.status).toBe(200);
    expect(obj(obj(obj(ok.body).contact).fields).all).toMatchObject({ ls_reason: reason64 });

    const tooLong = await api('PATCH', '/api/contacts/1/edit', { ls_reason: `${reason64}!` });
    // ApiBundle/Controller/CommonApiController.php processForm: an invalid form is returnError(msg,
    // 400, formErrors); CoreBundle/Controller/FormErrorMessagesTrait.php joins `alias: message`.
    // The message is Symfony's Length maxMessage (symfony/validator Constraints/Length.php).
    const message = 'This value is too long. It should have 64 characters or less.';
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toStrictEqual(apiError(400, `ls_reason: ${message}`, { ls_reason: [message] }));
    const after = await api('GET', '/api/contacts/1');
    expect(obj(obj(obj(after.body).contact).fields).all).toMatchObject({ ls_reason: reason64 });
  });

  it('should fail the whole edit, other fields included, when one value is too long', async () => {
    await createField({ label: 'Leadstage reason', alias: 'ls_reason', type: 'text' });
    await createField({ label: 'Leadstage version', alias: 'ls_version', type: 'text' });
    const res = await api('PATCH', '/api/contacts/2/edit', { ls_version: 'v1', ls_reason: 'x'.repeat(65) });
    expect(res.status).toBe(400);
    const after = await api('GET', '/api/contacts/2');
    expect(obj(obj(obj(after.body).contact).fields).all).toMatchObject({ ls_version: null, ls_reason: null });
  });

  it('should hold 191 characters when the field declares charLengthLimit 191, and no more', async () => {
    // LeadBundle/Form/Type/FieldType.php keeps `charLengthLimit` for text fields; TextType's own
    // Length(max: 191) in EntityFieldsBuildFormTrait.php applies as well.
    await createField({ label: 'Leadstage reason', alias: 'ls_reason', type: 'text', charLengthLimit: 191 });
    expect((await api('PATCH', '/api/contacts/3/edit', { ls_reason: 'y'.repeat(191) })).status).toBe(200);
    const over = await api('PATCH', '/api/contacts/3/edit', { ls_reason: 'y'.repeat(192) });
    expect(over.status).toBe(400);
    expect(obj(obj(over.body).errors)).toMatchObject([
      { code: 400, message: 'ls_reason: This value is too long. It should have 191 characters or less.' },
    ]);
  });
});

describe('when a number field is written 0 or a fraction of 1', () => {
  it('should drop every value whose integer part is 0 and keep the rest', async () => {
    await createField({ label: 'Leadstage score', alias: 'ls_score', type: 'number' });
    const score = async () => obj(obj(obj((await api('GET', '/api/contacts/4')).body).contact).fields).all;

    expect((await api('PATCH', '/api/contacts/4/edit', { ls_score: 30 })).status).toBe(200);
    expect(await score()).toMatchObject({ ls_score: 30 });
    // LeadBundle/Controller/Api/CustomFieldsApiControllerTrait.php setCustomFieldValues: on POST and
    // PATCH (LeadApiController.php `$isPostOrPatch`) `array_filter(... is_numeric($value) ? 0 !==
    // (int) $value ...)`: 0, "0", 0.4 and -0.9 never reach the contact.
    for (const zero of [0, '0', 0.4, -0.9]) {
      expect((await api('PATCH', '/api/contacts/4/edit', { ls_score: zero })).status).toBe(200);
      expect(await score()).toMatchObject({ ls_score: 30 });
    }
    // The same through a batch edit.
    const batch = await api('PATCH', '/api/contacts/batch/edit', [{ id: 4, ls_score: 0 }]);
    expect(batch.status).toBe(200);
    expect(await score()).toMatchObject({ ls_score: 30 });
    // 1 is kept; a number field without a scale reads back as an int (`fixNumbers`, same trait).
    expect((await api('PATCH', '/api/contacts/4/edit', { ls_score: 1.7 })).status).toBe(200);
    expect(await score()).toMatchObject({ ls_score: 1 });
  });
});

describe('when contacts are added to stages', () => {
  it('should answer `{"success": 1}`, move the contact, and refuse an unknown stage or contact', async () => {
    // stages.rst "Create Stage": name, weight, description, isPublished (0 or 1).
    const created = await api('POST', '/api/stages/new', { name: 'MQL', weight: 20, isPublished: 1 });
    expect(created.status).toBe(201);
    const stageId = obj(obj(created.body).stage).id;
    expect(Number.isInteger(stageId)).toBe(true);

    // StageBundle/Controller/Api/StageApiController.php addContactAction:
    // `$this->view(['success' => 1], Response::HTTP_OK)`. (stages.rst prints `true`: the source wins.)
    const added = await api('POST', `/api/stages/${String(stageId)}/contact/5/add`);
    expect(added.status).toBe(200);
    expect(added.body).toStrictEqual({ success: 1 });
    const contact = obj(obj((await api('GET', '/api/contacts/5')).body).contact);
    expect(obj(contact.stage).id).toBe(stageId);

    // Same action: `null === $stage` → notFound(); an unknown contact fails checkLeadAccess the same way.
    expect(await api('POST', '/api/stages/9999/contact/5/add')).toMatchObject({
      status: 404,
      body: NOT_FOUND,
    });
    const noContact = await api('POST', `/api/stages/${String(stageId)}/contact/99999/add`);
    expect(noContact).toMatchObject({ status: 404, body: NOT_FOUND });
  });

  it('should list stages keyed by id, like every entity list', async () => {
    await api('POST', '/api/stages/new', { name: 'MQL', weight: 20, isPublished: 1 });
    await api('POST', '/api/stages/new', { name: 'SQL', weight: 40, isPublished: 1 });
    const { body } = await api('GET', '/api/stages');
    // CommonRepository::getEntities indexes by id (stages.rst's example prints a list: the source wins).
    const stages = obj(obj(body).stages);
    expect(jsonType(stages)).toBe('object');
    const entries = Object.entries(stages).map(([key, stage]) => [key, obj(stage).id, obj(stage).name]);
    expect(entries.map(([key, id]) => key === String(id) && Number.isInteger(id))).toStrictEqual([
      true,
      true,
    ]);
    expect(entries.map(([, , name]) => name)).toStrictEqual(['MQL', 'SQL']);
  });
});

describe('when a batch edit carries more than the batch limit', () => {
  it('should answer 500 with the batch exception message, and take 200', async () => {
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: (i % CONTACTS) + 1 }));
    // ApiBundle/Controller/FetchCommonApiController.php validateBatchPayload: more than
    // `api_batch_max_limit` (200) is returnError(trans('mautic.api.call.batch_exception')) with the
    // default code, 500; ApiBundle/Translations/en_US/messages.ini gives the text.
    const over = await api('PATCH', '/api/contacts/batch/edit', items(201));
    expect(over.status).toBe(500);
    expect(over.body).toStrictEqual(apiError(500, 'A max of 200 entities are supported at a time.'));
    const full = await api('PATCH', '/api/contacts/batch/edit', items(200));
    expect(full.status).toBe(200);
  });
});

describe('when the API rate limiter is on', () => {
  it('should count calls in X-RateLimit-* headers and answer 429 with X-RateLimit-Reset, no Retry-After', async () => {
    run.sandbox.setRateLimit({ max: 3, windowMs: 3_600_000 });
    // Window from 2026-11-26T12:00:00Z, one hour (app/config/config.php: `period => 3600`): it resets
    // at 13:00:00Z. NoxlogicRateLimitBundle v1.19 (Mautic 5.1's composer.lock), HeaderModificationListener:
    // Limit, Remaining = limit − calls (at least 0), Reset = the reset Unix time, on every answer.
    const reset = String(Date.parse('2026-11-26T13:00:00Z') / 1000);
    for (const remaining of ['2', '1', '0']) {
      const ok = await api('GET', '/api/stages');
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-ratelimit-limit')).toBe('3');
      expect(ok.headers.get('x-ratelimit-remaining')).toBe(remaining);
      expect(ok.headers.get('x-ratelimit-reset')).toBe(reset);
    }
    const limited = await api('GET', '/api/stages');
    // RateLimitAnnotationListener: `new Response(rate_response_message, rate_response_code)`, the
    // message set in app/config/config.php; nothing adds Retry-After.
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-reset')).toBe(reset);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(limited.body).toStrictEqual({
      errors: [{ code: 429, message: 'You exceeded the rate limit of 3 API calls per hour.', details: [] }],
    });

    // At the reset a new window opens (the hour also outlived the access token: a fresh one).
    run.clock.ms = Date.parse('2026-11-26T13:00:00Z');
    token = run.sandbox.issueTokens().accessToken;
    expect((await api('GET', '/api/stages')).status).toBe(200);
  });
});

describe('when reading all contacts’ activity', () => {
  /** Events of types the seed never writes, so the counts below are all there is of them. */
  function addEvents(type: 'asset.download' | 'campaign.event', timestamps: string[]): void {
    for (const [i, timestamp] of timestamps.entries()) {
      run.sandbox.addEvent({
        event: type,
        eventId: `${type}${String(900 + i)}`,
        eventLabel: { label: type, href: `/s/${type}/${String(i)}` },
        eventType: type === 'asset.download' ? 'Asset downloaded' : 'Campaign action triggered',
        timestamp,
        contactId: 1 + i,
        details: {},
      });
    }
  }
  const activity = async (query: string) => {
    const res = await api('GET', `/api/contacts/activity?${query}`);
    expect(res.status).toBe(200);
    return obj(res.body);
  };

  it('should apply `limit` to each event type, count pages by the largest type, and keep the documented envelope', async () => {
    addEvents('asset.download', ['2026-11-20T10:00:00Z', '2026-11-21T10:00:00Z', '2026-11-22T10:00:00Z']);
    addEvents('campaign.event', ['2026-11-23T10:00:00Z']);
    const q =
      'filters[includeEvents][]=asset.download&filters[includeEvents][]=campaign.event' +
      '&order[0]=timestamp&order[1]=ASC&limit=2';
    // LeadBundle/Event/LeadTimelineEvent.php: each type's listener queries `limit` rows from
    // `start = (page − 1) × limit` (getEventLimit); getEvents merges and sorts them; getMaxPage is
    // ceil(largest type's total / limit) = ceil(3 / 2) = 2; `total` sums every type (getEventCounter).
    const first = await activity(`${q}&page=1`);
    expect(Object.keys(first).sort()).toStrictEqual(Object.keys(ACTIVITY_EXAMPLE).sort());
    const labels = (events: unknown) => (events as Json[]).map((e) => [e.event, e.timestamp]);
    // The instance is in America/New_York, on EST (UTC−5) in November: LeadBundle/Entity/
    // TimelineTrait.php turns each row's date into DateTimeHelper::getLocalDateTime() (the
    // `default_timezone`), which the serializer writes with its offset (format 'c').
    expect(labels(first.events)).toStrictEqual([
      ['asset.download', '2026-11-20T05:00:00-05:00'],
      ['asset.download', '2026-11-21T05:00:00-05:00'],
      ['campaign.event', '2026-11-23T05:00:00-05:00'],
    ]);
    expect(first).toMatchObject({ total: 4, page: 1, limit: 2, maxPages: 2 });
    const second = await activity(`${q}&page=2`);
    expect(labels(second.events)).toStrictEqual([['asset.download', '2026-11-22T05:00:00-05:00']]);
    for (const e of [...(first.events as Json[]), ...(second.events as Json[])]) {
      for (const key of Object.keys(e)) expect(Object.keys(ACTIVITY_EXAMPLE.events[0]!)).toContain(key);
    }
  });

  it('should give summer timestamps the daylight-saving offset of the same zone', async () => {
    addEvents('asset.download', ['2026-07-01T12:00:00Z']);
    const page = await activity('filters[includeEvents][]=asset.download&limit=5');
    // EDT is UTC−4.
    expect((page.events as Json[]).map((e) => e.timestamp)).toStrictEqual(['2026-07-01T08:00:00-04:00']);
  });

  it('should give an email click-through as a page hit whose source is email', async () => {
    const page = await activity('filters[includeEvents][]=page.hit&limit=1000');
    const hits = page.events as Json[];
    const clicks = hits.filter((e) => obj(obj(e.details).hit).source === 'email');
    expect(clicks.length).toBeGreaterThan(0);
    for (const click of clicks) {
      // PageBundle/Model/PageModel.php hitPage: `$hit->setSource($clickthrough['source'][0])` with
      // `['email', $emailId]` (EmailBundle/Model/EmailModel.php); PageBundle/EventListener/
      // LeadSubscriber.php onTimelineGenerate keeps the type "Page hit" (mautic.page.event.hit: no
      // channel model implements ChannelTimelineInterface) and puts HitRepository::getLeadHits' row
      // under `details.hit`: `source`, `sourceId`, `url`, `urlTitle` (aliased in the SELECT), no emailId.
      expect(click.event).toBe('page.hit');
      expect(click.eventType).toBe('Page hit');
      const hit = obj(obj(click.details).hit);
      expect(hit.sourceId).toMatch(/^\d+$/);
      expect(hit).toHaveProperty('urlTitle');
      expect(hit).toHaveProperty('url');
      expect(hit).not.toHaveProperty('emailId');
      expect(click.contactId).toMatch(/^\d+$/);
      expect(click.timestamp).toMatch(/[-+]0[45]:00$/);
    }
  });

  it('should give video hits without a contact id', async () => {
    const page = await activity('filters[includeEvents][]=page.videohit&limit=1000');
    const videos = page.events as Json[];
    expect(videos.length).toBeGreaterThan(0);
    // PageBundle/Entity/VideoHitRepository.php getTimelineStats selects `h.id, h.url, h.date_hit,
    // h.time_watched, h.duration, h.referer, h.user_agent`: no lead_id, so the listener has none to give.
    for (const video of videos) expect(video).not.toHaveProperty('contactId');
  });

  it('should tell unsubscribes, bounces and manual entries apart by the Do Not Contact reason', async () => {
    // lead_donotcontact rows with reasons DoNotContact::UNSUBSCRIBED (1), BOUNCED (2), MANUAL (3)
    // (LeadBundle/Entity/DoNotContact.php), written straight into the sandbox's store.
    const state = run.sandbox.state();
    state.addDoNotContact(11, 1, '2026-11-25T09:00:00.000Z');
    state.addDoNotContact(12, 2, '2026-11-25T09:00:00.000Z');
    state.addDoNotContact(13, 3, '2026-11-25T09:00:00.000Z');
    const page = await activity(
      'filters[includeEvents][]=lead.donotcontact&filters[dateFrom]=2026-11-25 00:00:00&limit=100',
    );
    const ours = (page.events as Json[]).filter((e) => e.timestamp === '2026-11-25T04:00:00-05:00');
    const byContact = new Map(ours.map((e) => [e.contactId, e]));
    // LeadBundle/EventListener/LeadSubscriber.php addTimelineDoNotContactEntries: type "Do not
    // contact", label ucfirst(channel), `details.dnc` the row with `reason` through DncReasonHelper::
    // toText (LeadBundle/Translations/en_US/messages.ini mautic.lead.event.donotcontact_*).
    const reasons = {
      '11': 'Contact unsubscribed from this channel.',
      '12': 'Communication bounced for this channel.',
      '13': 'Contact was manually set as do not contact for this channel.',
    };
    for (const [contactId, text] of Object.entries(reasons)) {
      const e = byContact.get(contactId)!;
      expect(e).toMatchObject({
        event: 'lead.donotcontact',
        eventType: 'Do not contact',
        eventLabel: 'Email',
      });
      expect(obj(obj(e.details).dnc)).toMatchObject({ channel: 'email', reason: text });
    }
    // The contact itself carries the reason as the integer (contacts.rst "Get Contact": `doNotContact`).
    const documentedDnc = LIST_CONTACTS_EXAMPLE.contacts['47'].doNotContact[0]!;
    for (const [id, reason] of [
      [11, 1],
      [12, 2],
      [13, 3],
    ] as const) {
      const contact = obj(obj((await api('GET', `/api/contacts/${String(id)}`)).body).contact);
      const dnc = (contact.doNotContact as Json[]).at(-1)!;
      expectDocumentedKeys(dnc, documentedDnc, `contact ${String(id)} doNotContact`);
      expect(dnc).toMatchObject({ reason, channel: 'email' });
    }
  });
});
