/**
 * Mautic's REST documentation, as data: the parameters each endpoint documents and the example
 * bodies its sections print, shared by the tests that hold the connector (`rest-shapes.fidelity`)
 * and the sandbox (`test/sandbox/mautic.fidelity`) to the vendor's shapes.
 *
 * Documentation: mautic/developer-documentation-new @05db222f, `docs/rest_api/{contacts,stages,
 * fields}.rst` (sections named in each fixture), and ../shared/specs/API-NOTES.md §3. The example
 * bodies are those sections' JSON, trimmed of keys the connector does not read (said where); values
 * the connector needs to differ (stage and field names) are the only ones changed, and say so.
 */

/** `Y-m-d H:i:s`, the format contacts.rst asks for in `filters[dateFrom]` and `where` dates. */
export const MAUTIC_DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** Doctrine expressions `where[][expr]` takes (contacts.rst "Advanced filtering"; API-NOTES §3.2). */
export const DOCTRINE_EXPRS = new Set([
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
export const LIST_CONTACTS_PARAMS = new Set([
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
export const CREATE_FIELD_PARAMS = new Set([
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
export const LIST_CONTACTS_EXAMPLE = {
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
export const ACTIVITY_EXAMPLE = {
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
export const LIST_STAGES_EXAMPLE = {
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
export const LIST_FIELDS_EXAMPLE = {
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

export interface FieldBody {
  label: string;
  alias: string;
  type: string;
}

/** fields.rst "Get field" → Response (what "Create field" answers, 201). Changed: id, label, alias, type. */
export function getFieldExample(body: FieldBody, id: number) {
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
