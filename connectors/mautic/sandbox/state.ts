/**
 * The sandbox's in-memory Mautic: contacts with custom fields, stages, contact fields, timeline
 * events and OAuth grants, seeded from the shared synthetic people and activity.
 */
import {
  generateActivities,
  generateCompanies,
  generatePeople,
  type SyntheticActivity,
} from '../../sandbox-data.ts';
import { ChangeLog } from '../../sandbox-memo.ts';

export type FieldValue = string | number | null;

export interface SandboxField {
  id: number;
  alias: string;
  label: string;
  type: 'text' | 'email' | 'number' | 'boolean' | 'country' | 'tel' | 'url' | 'lookup';
  group: 'core' | 'professional' | 'social' | 'personal';
  /**
   * VARCHAR length. Mautic 5.1 `LeadField::$charLengthLimit` defaults to 64 and the field form takes
   * 1..255 (`FieldType::addLengthValidationField`); only text, select, phone, url and email fields keep
   * it (`FieldType::$indexableFieldsWithLimits`), the others get null.
   * @see https://github.com/mautic/mautic/blob/5.1/app/bundles/LeadBundle/Entity/LeadField.php
   */
  charLengthLimit: number | null;
}

/** `FieldType::$indexableFieldsWithLimits` (Mautic 5.1): the field types that keep a length. */
export const TYPES_WITH_LENGTH = new Set(['text', 'select', 'phone', 'url', 'email']);

export interface SandboxContact {
  id: number;
  /** ISO-8601, second precision. */
  dateAdded: string;
  /** Null until the first modification, as in Mautic. */
  dateModified: string | null;
  points: number;
  stageId: number | null;
  fields: Record<string, FieldValue>;
  doNotContact: { channel: string; reason: DncReason }[];
}

/** A company (`companies` table): its fields are the company field aliases (`companyname`, …). */
export interface SandboxCompany {
  id: number;
  dateAdded: string;
  dateModified: string | null;
  fields: Record<string, FieldValue>;
}

export interface SandboxStage {
  id: number;
  name: string;
  weight: number;
  description: string | null;
  isPublished: boolean;
  dateAdded: string;
}

export interface SandboxEvent {
  event: string;
  /** Mautic omits it for some types (page.hit, point.gained). */
  eventId?: string;
  eventLabel: string | { label: string; href: string; isExternal?: boolean };
  eventType: string;
  timestamp: string;
  /** Absent for video hits: `VideoHitRepository::getTimelineStats` selects no lead_id (Mautic 5.1). */
  contactId?: number;
  details: Record<string, unknown>;
}

export const EVENT_TYPE_LABELS: Record<string, string> = {
  'asset.download': 'Asset downloaded',
  'campaign.event': 'Campaign action triggered',
  'email.failed': 'Email failed',
  'email.read': 'Email read',
  'email.sent': 'Email sent',
  'form.submitted': 'Form submitted',
  'lead.donotcontact': 'Do not contact',
  'meeting.attended': 'Attended meeting',
  'meeting.registered': 'Registered for meeting',
  'page.hit': 'Page hit',
  'page.videohit': 'Video view event',
  'point.gained': 'Point gained',
  'stage.changed': 'Stage changed',
};

/** Mautic's core contact fields plus the custom ones mappings/mautic.yaml reads. */
const SEED_FIELDS: Omit<SandboxField, 'id' | 'charLengthLimit'>[] = [
  { alias: 'title', label: 'Title', type: 'lookup', group: 'core' },
  { alias: 'firstname', label: 'First Name', type: 'text', group: 'core' },
  { alias: 'lastname', label: 'Last Name', type: 'text', group: 'core' },
  { alias: 'company', label: 'Primary company', type: 'text', group: 'core' },
  { alias: 'position', label: 'Position', type: 'text', group: 'core' },
  { alias: 'email', label: 'Email', type: 'email', group: 'core' },
  { alias: 'phone', label: 'Phone', type: 'tel', group: 'core' },
  { alias: 'country', label: 'Country', type: 'country', group: 'core' },
  { alias: 'website', label: 'Website', type: 'url', group: 'core' },
  { alias: 'industry', label: 'Industry', type: 'text', group: 'professional' },
  { alias: 'num_employees', label: 'Number of employees', type: 'number', group: 'professional' },
  { alias: 'bant_budget', label: 'BANT budget', type: 'text', group: 'professional' },
  { alias: 'bant_authority', label: 'BANT authority', type: 'text', group: 'professional' },
  { alias: 'bant_need', label: 'BANT need', type: 'text', group: 'professional' },
  { alias: 'bant_timeline', label: 'BANT timeline', type: 'text', group: 'professional' },
  { alias: 'meeting_booked', label: 'Meeting booked', type: 'boolean', group: 'professional' },
  { alias: 'sdr_confirmed', label: 'SDR confirmed', type: 'boolean', group: 'professional' },
  { alias: 'nps_score', label: 'NPS score', type: 'number', group: 'professional' },
  { alias: 'renewals', label: 'Renewals', type: 'number', group: 'professional' },
];

/** `DoNotContact::UNSUBSCRIBED` (1), `BOUNCED` (2), `MANUAL` (3) in Mautic 5.1. */
export type DncReason = 1 | 2 | 3;

/** `DncReasonHelper::toText` with the en_US translations (LeadBundle/Translations/en_US/messages.ini). */
export const DNC_REASON_TEXT: Record<DncReason, string> = {
  1: 'Contact unsubscribed from this channel.',
  2: 'Communication bounced for this channel.',
  3: 'Contact was manually set as do not contact for this channel.',
};

/** ISO-8601 at second precision, the way Mautic stores dates. */
export function seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

export class SandboxState {
  contacts = new Map<number, SandboxContact>();
  /** A contact's primary company is the one whose name its `company` field holds, as Mautic keeps it. */
  companies = new Map<number, SandboxCompany>();
  nextCompanyId = 1;
  /**
   * Bumped by every change to contacts (added, edited, merged, deleted, points): contact lists cached
   * under an older value are stale (contact-routes.ts). Code that changes a contact calls `changed`
   * with its id (the lists move that contact, `changesSince`), or without for anything at large.
   */
  get version(): number {
    return this.changeLog.version;
  }
  private readonly changeLog = new ChangeLog<number>();
  stages = new Map<number, SandboxStage>();
  fields = new Map<number, SandboxField>();
  events: SandboxEvent[] = [];
  /** `lead_stages_change_log` rows written through the Stages API, for counting needless calls. */
  stageLog: { contactId: number; stageId: number; eventName: string }[] = [];
  nextContactId = 1;
  nextStageId = 1;
  nextFieldId = 1;
  nextEventSeq = 1;
  /** `contact_merge_records`: merged-away id → the contact it lives on as (moved along later merges). */
  mergeRecords = new Map<number, number>();

  /** Marks one contact (`id`), or the contacts at large, changed. */
  changed(id?: number): void {
    this.changeLog.record(id);
  }

  /** The ids of the contacts changed since `version` (repeats possible), or null when unknown. */
  changesSince(version: number): number[] | null {
    return this.changeLog.since(version);
  }

  fieldByAlias(alias: string): SandboxField | undefined {
    for (const f of this.fields.values()) if (f.alias === alias) return f;
    return undefined;
  }

  addField(field: Omit<SandboxField, 'id'>): SandboxField {
    const created = { ...field, id: this.nextFieldId++ };
    this.fields.set(created.id, created);
    return created;
  }

  addStage(stage: Omit<SandboxStage, 'id'>): SandboxStage {
    const created = { ...stage, id: this.nextStageId++ };
    this.stages.set(created.id, created);
    return created;
  }

  addContact(fields: Record<string, FieldValue>, dateAdded: string): SandboxContact {
    const contact: SandboxContact = {
      id: this.nextContactId++,
      dateAdded,
      dateModified: null,
      points: 0,
      stageId: null,
      fields: { ...fields },
      doNotContact: [],
    };
    this.contacts.set(contact.id, contact);
    this.changed(contact.id);
    return contact;
  }

  addCompany(fields: Record<string, FieldValue>, dateAdded: string): SandboxCompany {
    const company: SandboxCompany = {
      id: this.nextCompanyId++,
      dateAdded,
      dateModified: null,
      fields: { ...fields },
    };
    this.companies.set(company.id, company);
    return company;
  }

  addEvent(event: SandboxEvent): void {
    this.events.push(event);
  }

  /** The contact `id` is now, following merge records as `LeadModel::getEntity` does; or undefined. */
  resolve(id: number): SandboxContact | undefined {
    const live = this.contacts.get(id);
    if (live) return live;
    const into = this.mergeRecords.get(id);
    return into === undefined ? undefined : this.contacts.get(into);
  }

  /**
   * `ContactMerger::merge($winner, $loser)` of Mautic 5: merge records move to the winner and one is
   * added for the loser; each field takes the value of the most recently modified of the two
   * (`dateModified`, else `dateAdded`) unless that one is empty (`MergeValueHelper::getMergeValue`);
   * points add up; the winner is saved (dateModified now); the `LEAD_POST_MERGE` subscribers of the
   * Asset, Campaign, Email, Form, Page, Point and Stage bundles move the loser's activity to the
   * winner; then the loser is deleted. GUESS: Do Not Contact entries and the stage of the loser are
   * dropped (no subscriber in the sandbox's reading moves them; the winner keeps its own).
   */
  merge(winnerId: number, loserId: number, at: string): SandboxContact {
    const winner = this.contacts.get(winnerId);
    const loser = this.contacts.get(loserId);
    if (!winner || !loser || winner === loser) throw new Error(`cannot merge ${loserId} into ${winnerId}`);
    for (const [merged, into] of this.mergeRecords) {
      if (into === loserId) this.mergeRecords.set(merged, winnerId);
    }
    this.mergeRecords.set(loserId, winnerId);
    const loserNewer = (loser.dateModified ?? loser.dateAdded) > (winner.dateModified ?? winner.dateAdded);
    const [newer, older] = loserNewer ? [loser, winner] : [winner, loser];
    const filled = (v: FieldValue | undefined) => v !== null && v !== undefined && v !== '';
    for (const alias of new Set([...Object.keys(newer.fields), ...Object.keys(older.fields)])) {
      const value = filled(newer.fields[alias]) ? newer.fields[alias] : older.fields[alias];
      if (filled(value)) winner.fields[alias] = value!;
    }
    winner.points += loser.points;
    winner.dateModified = at;
    for (const e of this.events) if (e.contactId === loserId) e.contactId = winnerId;
    this.contacts.delete(loserId);
    this.changed(winnerId);
    this.changed(loserId);
    return winner;
  }

  /**
   * `LeadModel::deleteEntity`: nothing answers for the id any more. Mautic's activity tables keep
   * their rows with the contact cascaded away or nulled; here the activity is simply dropped.
   */
  deleteContact(id: number): SandboxContact {
    const contact = this.contacts.get(id);
    if (!contact) throw new Error(`no sandbox contact ${id}`);
    this.contacts.delete(id);
    this.changed(id);
    this.events = this.events.filter((e) => e.contactId !== id);
    for (const [merged, into] of this.mergeRecords) if (into === id) this.mergeRecords.delete(merged);
    return contact;
  }

  static seeded(seed: number, count: number, nowMs: number): SandboxState {
    const state = new SandboxState();
    // Mautic's installer creates the core fields at 64 characters except email (191).
    for (const f of SEED_FIELDS) {
      const length = f.type === 'email' ? 191 : 64;
      state.addField({ ...f, charLengthLimit: TYPES_WITH_LENGTH.has(f.type) ? length : null });
    }
    const people = generatePeople(seed, count, nowMs);
    for (const c of generateCompanies(people)) {
      state.addCompany(
        {
          companyname: c.name,
          companywebsite: `https://www.${c.domain}`,
          companyindustry: c.industry,
          companynumber_of_employees: c.employees,
          companyannual_revenue: c.annualRevenue,
        },
        seconds(nowMs - 400 * 86_400_000),
      );
    }
    for (const p of people) {
      const contact = state.addContact(
        {
          firstname: p.firstname,
          lastname: p.lastname,
          email: p.email,
          position: p.jobtitle || null,
          company: p.company,
          country: p.country,
          industry: p.industry,
          num_employees: p.employees,
          bant_budget: p.budget || null,
          bant_authority: p.authority || null,
          bant_need: p.need || null,
          bant_timeline: p.timeline || null,
          meeting_booked: p.meetingBooked ? 1 : 0,
          sdr_confirmed: p.sdrConfirmed ? 1 : 0,
          nps_score: p.npsScore,
          renewals: p.renewals,
        },
        seconds(Date.parse(p.createdAt)),
      );
      if (p.updatedAt !== p.createdAt) contact.dateModified = seconds(Date.parse(p.updatedAt));
      // Every tenth opted-out contact bounced instead of unsubscribing (DoNotContact::BOUNCED = 2).
      if (!p.consent) {
        const dncAt = contact.dateModified ?? contact.dateAdded;
        state.addDoNotContact(contact.id, contact.id % 10 === 0 ? 2 : 1, dncAt);
      }
    }
    for (const a of generateActivities(seed, people, nowMs)) state.addActivity(a);
    state.changed();
    return state;
  }

  /**
   * One synthetic activity as the Mautic timeline events it produces, with the detail keys Mautic 5.1
   * builds them from (`LeadTimelineEvent::prepareDetailsForAPI` camel-cases only the top-level keys,
   * so the nested row keys stay as the repositories select them):
   * - email: `stat` from `StatRepository::getLeadStats` (`email_id`, `email_name`, `dateSent`, …),
   *   eventId `email.read{statId}` (EmailBundle/EventListener/LeadSubscriber.php);
   * - page hit: `hit` from `HitRepository::getLeadHits` (`hitId`, `source`, `sourceId`, `url`,
   *   `urlTitle`, …), eventId the hit id; an email click-through is a hit with `source: email` and
   *   `sourceId` the email id (PageBundle/EventListener/LeadSubscriber.php);
   * - form: `submission` and `form`; points: `log` (`eventName`, `delta`), eventId `point.gained{id}`.
   */
  addActivity(a: SyntheticActivity): void {
    const contactId = a.personKey + 1;
    const seq = this.nextEventSeq++;
    const timestamp = seconds(Date.parse(a.at));
    const name = (k: string) => (typeof a.properties[k] === 'string' ? a.properties[k] : '');
    const base = { contactId, timestamp };
    const emailId = 1 + (seq % 4);
    switch (a.type) {
      case 'email_open': {
        const sent = seconds(Date.parse(a.at) - 3_600_000);
        const stat = {
          email_id: String(emailId),
          id: String(seq),
          dateRead: timestamp,
          dateSent: sent,
          subject: name('emailName'),
          email_name: name('emailName'),
          isRead: '1',
          isFailed: '0',
        };
        this.addEvent({
          ...base,
          timestamp: sent,
          event: 'email.sent',
          eventId: `email.sent${seq}`,
          eventLabel: name('emailName'),
          eventType: 'Email sent',
          details: { stat: { ...stat, isRead: '0' }, type: 'sent' },
        });
        this.addEvent({
          ...base,
          event: 'email.read',
          eventId: `email.read${seq}`,
          eventLabel: { label: name('emailName'), href: `/email/view/${seq}`, isExternal: true },
          eventType: 'Email read',
          details: { stat, type: 'read' },
        });
        return;
      }
      case 'email_click':
      case 'page_view': {
        const click = a.type === 'email_click';
        const hit = {
          hitId: String(seq),
          page_id: null,
          userAgent: 'Mozilla/5.0',
          dateHit: timestamp,
          dateLeft: null,
          referer: null,
          source: click ? 'email' : null,
          sourceId: click ? String(emailId) : null,
          url: name('url'),
          urlTitle: name('title') || null,
          query: click ? { ct: `email-${emailId}` } : [],
        };
        this.addEvent({
          ...base,
          event: 'page.hit',
          eventId: String(seq),
          eventLabel: { label: name('title') || name('url'), href: name('url'), isExternal: true },
          // "Page hit" (`mautic.page.event.hit`) for click-throughs too: the listener takes another
          // label only from a channel model implementing ChannelTimelineInterface, and none does.
          eventType: 'Page hit',
          details: { hit },
        });
        if (!click && seq % 7 === 0) {
          // Video hits carry no contact (VideoHitRepository::getTimelineStats selects no lead_id).
          this.addEvent({
            event: 'page.videohit',
            eventLabel: 'Video view event',
            eventType: 'Video view event',
            timestamp,
            details: { hit: { id: String(seq), url: name('url'), date_hit: timestamp, time_watched: 30 } },
          });
        }
        return;
      }
      case 'form_submit': {
        const form = {
          id: 1 + (seq % 4),
          name: name('formName'),
          alias: name('formName').toLowerCase().replace(/\W+/g, '_'),
        };
        this.addEvent({
          ...base,
          event: 'form.submitted',
          eventId: `form.submitted${seq}`,
          eventLabel: { label: form.name, href: `/s/forms/view/${form.id}` },
          eventType: 'Form submitted',
          details: { submission: { id: seq, form, dateSubmitted: timestamp }, form },
        });
        this.addEvent({
          ...base,
          event: 'point.gained',
          eventId: `point.gained${seq}`,
          eventLabel: `${form.name} / 10`,
          eventType: 'Point gained',
          details: {
            log: {
              eventName: form.name,
              actionName: 'submit',
              dateAdded: timestamp,
              type: 'form',
              delta: '10',
              id: String(seq),
            },
          },
        });
        this.contacts.get(contactId)!.points += 10;
        this.changed(contactId);
        return;
      }
      case 'meeting_booked':
      case 'meeting_held': {
        const event = a.type === 'meeting_booked' ? 'meeting.registered' : 'meeting.attended';
        this.addEvent({
          ...base,
          event,
          eventId: `${event}${seq}`,
          eventLabel: name('title'),
          eventType: EVENT_TYPE_LABELS[event]!,
          details: { eventName: name('title'), eventDesc: name('title') },
        });
        return;
      }
      default:
        return;
    }
  }

  /**
   * A Do Not Contact entry and its timeline event: `dnc` is the `lead_donotcontact` row with
   * `reason` turned into text by DncReasonHelper (LeadBundle/EventListener/LeadSubscriber.php,
   * `addTimelineDoNotContactEntries`; texts from LeadBundle/Translations/en_US/messages.ini).
   */
  addDoNotContact(contactId: number, reason: DncReason, timestamp: string, channel = 'email'): void {
    const contact = this.contacts.get(contactId);
    if (!contact) return;
    const id = this.nextEventSeq++;
    contact.doNotContact.push({ channel, reason });
    this.changed(contactId);
    this.addEvent({
      event: 'lead.donotcontact',
      eventId: `lead.donotcontact${id}`,
      eventLabel: channel.charAt(0).toUpperCase() + channel.slice(1),
      eventType: 'Do not contact',
      timestamp,
      contactId,
      details: {
        dnc: {
          id: String(id),
          channel,
          channel_id: null,
          date_added: timestamp,
          reason: DNC_REASON_TEXT[reason],
          comments: reason === 2 ? '550 5.1.1 User unknown' : reason === 1 ? 'User unsubscribed.' : '',
        },
      },
    });
  }
}
