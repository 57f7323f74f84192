import { describe, expect, it } from 'vitest';

import {
  loadMauticMapping,
  parseMauticMapping,
  scoreFieldFor,
} from '../../../connectors/mautic/mapping-file.ts';
import {
  eventIdOf,
  stageKeyByName,
  toContact,
  toEngagementEvent,
} from '../../../connectors/mautic/mapping.ts';
import { activityPageSchema, contactListSchema } from '../../../connectors/mautic/wire.ts';
import { ValidationError } from '../../../src/errors.ts';
import { fixture } from './helpers.ts';

const mapping = loadMauticMapping();

describe('when loading mappings/mautic.yaml', () => {
  it('should accept the project file and name the path and line of a bad entry', () => {
    expect(mapping.stages.mql).toBe('Marketing Qualified Lead');
    const bad = [
      'contactFields:',
      '  - { from: email, to: email }',
      'stages: { mql: MQL }',
      'writeBack:',
      "  scoreFieldTemplate: 'ls_{dimension}'",
      '  reasonField: Bad-Alias',
      '  modelVersionField: ls_v',
      'events:',
      '  - { event: email.read, type: email_opened }',
    ].join('\n');
    expect(() => parseMauticMapping(bad, 'm.yaml')).toThrow(ValidationError);
    expect(() => parseMauticMapping(bad, 'm.yaml')).toThrow(
      /m\.yaml:6: writeBack\.reasonField: [^\n]*\nm\.yaml:9: events\.0\.type/,
    );
  });

  it('should derive score field aliases from the template, with explicit exceptions', () => {
    expect(scoreFieldFor(mapping, 'engagement')).toBe('ls_score_engagement');
    expect(scoreFieldFor(mapping, 'total')).toBe('ls_score');
    expect(scoreFieldFor(mapping, 'Fit-Score')).toBe('ls_score_fit_score');
  });
});

describe('when mapping contacts', () => {
  const page = contactListSchema.parse(fixture('contacts.page-1.json'));
  const [jim, fresh, bare] = page.contacts.map(([, c]) => toContact(c, mapping, stageKeyByName(mapping)));

  it('should read the object keyed by id and the string total', () => {
    expect(page.total).toBe(3);
    expect(page.contacts.map(([id]) => id)).toStrictEqual(['47', '48', '51']);
  });

  it('should map fields through the transforms, consent from DNC and the stage by name', () => {
    expect(jim).toStrictEqual({
      id: '47',
      updatedAt: '2026-11-20T14:12:03.000Z',
      stage: 'mql',
      properties: {
        email: 'jim@example.com',
        firstname: 'Jim',
        lastname: 'Contact',
        jobtitle: 'Head of Marketing',
        company: 'Northwind Labs',
        country: 'France',
        industry: 'Software',
        employees: 250,
        budget: 'approved',
        authority: null,
        need: '',
        timeline: 'this quarter',
        meeting_booked: true,
        consent: true,
        mautic_points: 25,
      },
    });
  });

  it('should use dateAdded for a never-modified contact and read an email DNC as no consent', () => {
    expect(fresh!.updatedAt).toBe('2026-11-25T08:00:00.000Z');
    expect(fresh!.stage).toBeUndefined();
    expect(fresh!.properties).toStrictEqual({
      email: 'new@example.com',
      employees: null,
      meeting_booked: false,
      consent: false,
      mautic_points: 0,
    });
  });

  it('should accept `fields.all` as an empty PHP array and leave unknown stages out', () => {
    expect(bare).toStrictEqual({
      id: '51',
      updatedAt: '2026-11-21T08:00:00.000Z',
      properties: { consent: true, mautic_points: 5 },
    });
    const custom = stageKeyByName({ stages: { nurture: 'Custom Stage' } });
    const [, , c51] = page.contacts.map(([, c]) => toContact(c, mapping, custom));
    expect(c51!.stage).toBe('nurture');
  });
});

describe('when mapping activity', () => {
  const { events } = activityPageSchema.parse(fixture('contact-activity.json'));
  const mapped = events.map((e) => toEngagementEvent(e, mapping));

  it('should map each Mautic event type to its canonical type and skip the rest', () => {
    expect(mapped.map((e) => e?.type ?? null)).toStrictEqual([
      'email_open',
      'form_submit',
      'page_view',
      'email_click',
      'points_change',
      null,
    ]);
  });

  it('should keep the properties models score on', () => {
    expect(mapped[0]).toStrictEqual({
      id: 'mautic:email.read769',
      contactId: '13930',
      type: 'email_open',
      at: '2026-11-20T23:30:56.000Z',
      properties: {
        mauticEvent: 'email.read',
        label: 'Custom Email: device test',
        emailName: 'Nurture 1',
        emailId: '12',
      },
    });
    expect(mapped[1]!.properties.formName).toBe('3586 Test');
    // Detail keys as Mautic 5.1 sends them: hit.urlTitle, stat.email_name, hit.source/sourceId.
    expect(mapped[2]!.properties).toStrictEqual({
      mauticEvent: 'page.hit',
      label: 'Test',
      url: 'http://example.com/pricing',
      title: 'Pricing',
    });
    expect(mapped[3]!.properties).toMatchObject({ url: 'http://example.com/demo', emailId: '78' });
    expect(mapped[4]!.properties.delta).toBe(20);
  });

  it('should read a timestamp in the instance time zone as the same instant in UTC', () => {
    // 21:36:49 at +01:00 is 20:36:49 UTC.
    expect(mapped[2]!.at).toBe('2026-11-21T20:36:49.000Z');
  });

  it('should prefix bare page-hit ids with the event type and hash events that have none', () => {
    expect(mapped[2]!.id).toBe('mautic:page.hit:4211');
    const bare = { event: 'page.videohit', eventLabel: 'Video', timestamp: '2026-11-21T21:00:00+00:00' };
    const parsed = activityPageSchema.parse({ events: [bare, bare] }).events;
    expect(eventIdOf(parsed[0]!)).toBe(eventIdOf(parsed[1]!));
    expect(eventIdOf(parsed[0]!)).toMatch(/^mautic:page\.videohit:[0-9a-f]{24}$/);
  });

  it('should tell bounces from unsubscribes in lead.donotcontact by dnc.reason, and skip manual entries', () => {
    const dnc = (reason: string, channel = 'email') => ({
      event: 'lead.donotcontact',
      eventId: `lead.donotcontact${reason.length}`,
      eventLabel: 'Email',
      timestamp: '2026-11-21T21:00:00+00:00',
      contactId: '5',
      // DncReasonHelper::toText with Mautic's en_US texts.
      details: { dnc: { id: '1', channel, channel_id: null, reason, comments: '' } },
    });
    const events = activityPageSchema.parse({
      events: [
        dnc('Communication bounced for this channel.'),
        dnc('Contact unsubscribed from this channel.'),
        dnc('Contact was manually set as do not contact for this channel.'),
        dnc('Contact unsubscribed from this channel.', 'sms'),
      ],
    }).events;
    expect(events.map((e) => toEngagementEvent(e, mapping)?.type ?? null)).toStrictEqual([
      'email_bounce',
      'email_unsubscribe',
      null,
      null,
    ]);
  });
});
