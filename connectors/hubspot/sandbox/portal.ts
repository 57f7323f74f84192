/**
 * The sandbox's portal: contact property definitions, contacts, email and web analytics events,
 * seeded from the shared synthetic generator. Pure data and rules; HTTP lives in `index.ts`.
 */
import { createHash } from 'node:crypto';

import { generateActivities, generateCompanies, generatePeople } from '../../sandbox-data.ts';
import { ChangeLog } from '../../sandbox-memo.ts';
import { CompanyBook } from './companies.ts';

export const PORTAL_ID = 62515;
export const APP_ID = 1_234_567;

export interface PropertyDef {
  name: string;
  label: string;
  type: 'string' | 'number' | 'datetime' | 'date' | 'enumeration' | 'bool' | 'phone_number';
  fieldType: string;
  groupName: string;
  description: string;
  options: { label: string; value: string; displayOrder: number; hidden: boolean; description?: string }[];
  displayOrder: number;
  hubspotDefined: boolean;
  readOnlyValue: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface StoredContact {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface EmailEvent {
  id: string;
  created: number;
  type: string;
  recipient: string;
  emailCampaignId: number;
  subject: string;
  url?: string;
}

export interface WebEvent {
  id: string;
  eventType: string;
  objectId: string;
  occurredAt: string;
  properties: Record<string, string>;
}

/** Lifecycle stages in order (backward moves are ignored), with two custom ones as portals have. */
const LIFECYCLE: [string, string][] = [
  ['subscriber', 'Subscriber'],
  ['lead', 'Lead'],
  ['1001', 'Nurture'],
  ['marketingqualifiedlead', 'Marketing Qualified Lead'],
  ['salesqualifiedlead', 'Sales Qualified Lead'],
  ['opportunity', 'Opportunity'],
  ['customer', 'Customer'],
  ['evangelist', 'Evangelist'],
  ['other', 'Other'],
  ['1002', 'Disqualified'],
];

const EMAIL_TYPES: Record<string, string> = {
  email_open: 'OPEN',
  email_click: 'CLICK',
  email_bounce: 'BOUNCE',
};
const WEB_TYPES: Record<string, string> = { page_view: 'e_visited_page', form_submit: 'e_submitted_form' };
const EMAIL_NAMES = ['Newsletter November', 'Webinar invitation', 'Product update', 'Case study: Northwind'];

function def(
  name: string,
  label: string,
  type: PropertyDef['type'],
  fieldType: string,
  extra: Partial<PropertyDef> = {},
): PropertyDef {
  const at = '2020-01-01T00:00:00.000Z';
  return {
    name,
    label,
    type,
    fieldType,
    groupName: 'contactinformation',
    description: '',
    options: [],
    displayOrder: -1,
    hubspotDefined: true,
    readOnlyValue: false,
    createdAt: at,
    updatedAt: at,
    ...extra,
  };
}

function defaultProperties(): PropertyDef[] {
  return [
    def('hs_object_id', 'Record ID', 'number', 'number', { readOnlyValue: true }),
    def('createdate', 'Create Date', 'datetime', 'date', { readOnlyValue: true }),
    def('lastmodifieddate', 'Last Modified Date', 'datetime', 'date', { readOnlyValue: true }),
    def('hs_merged_object_ids', 'Merged Contact IDs', 'enumeration', 'checkbox', { readOnlyValue: true }),
    def('email', 'Email', 'string', 'text'),
    def('firstname', 'First Name', 'string', 'text'),
    def('lastname', 'Last Name', 'string', 'text'),
    def('jobtitle', 'Job Title', 'string', 'text'),
    def('company', 'Company Name', 'string', 'text'),
    def('industry', 'Industry', 'string', 'text'),
    def('numberofemployees', 'Number of Employees', 'number', 'number'),
    def('country', 'Country/Region', 'string', 'text'),
    def('hs_marketable_status', 'Marketing contact status', 'enumeration', 'booleancheckbox', {
      options: [
        { label: 'Marketing contact', value: 'true', displayOrder: 0, hidden: false },
        { label: 'Non-marketing contact', value: 'false', displayOrder: 1, hidden: false },
      ],
    }),
    def(
      'engagements_last_meeting_booked',
      'Date of last meeting booked in meetings tool',
      'datetime',
      'date',
      {
        readOnlyValue: true,
      },
    ),
    def('lifecyclestage', 'Lifecycle Stage', 'enumeration', 'radio', {
      options: LIFECYCLE.map(([value, label], i) => ({ value, label, displayOrder: i, hidden: false })),
    }),
    ...['budget', 'authority', 'need', 'timeline'].map((f) =>
      def(`bant_${f}`, `BANT ${f}`, 'string', 'text', {
        groupName: 'sales_properties',
        hubspotDefined: false,
      }),
    ),
    // Custom properties a portal's sales and success teams keep (what the presets read).
    def('sdr_confirmed', 'SDR confirmed', 'bool', 'booleancheckbox', {
      groupName: 'sales_properties',
      hubspotDefined: false,
      options: [
        { label: 'Yes', value: 'true', displayOrder: 0, hidden: false },
        { label: 'No', value: 'false', displayOrder: 1, hidden: false },
      ],
    }),
    def('nps_score', 'NPS score', 'number', 'number', {
      groupName: 'sales_properties',
      hubspotDefined: false,
    }),
    def('renewals', 'Renewals', 'number', 'number', { groupName: 'sales_properties', hubspotDefined: false }),
  ];
}

/** Deterministic UUID-shaped id from a seed and a key. */
function stableId(seed: number, key: string): string {
  const h = createHash('sha1').update(`${seed}:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** HubSpot accepts strings, numbers and booleans as property values; anything else is refused as ''. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

export class Portal {
  properties = new Map<string, PropertyDef>();
  contacts = new Map<string, StoredContact>();
  emailEvents: EmailEvent[] = [];
  webEvents: WebEvent[] = [];
  /** Companies and each contact's associations to them (every seeded person's company is primary). */
  companies = new CompanyBook();
  /**
   * The ids that have had each (lower-cased) email, for batch reads by email: a scan of every
   * contact per address made the sandbox, not the connector, the bottleneck of a 300k sync. Ids are
   * only added (wherever an email is set: insert, apply, merge); byEmail skips one whose contact
   * is gone or has another email now.
   */
  private emailIndex = new Map<string, Set<string>>();
  /**
   * Bumped by every change to contacts or property definitions: search results cached under an older
   * value are stale (see query.ts). Code that changes them goes through `insert`, `apply`, `merge`,
   * `remove`, `reseed` or `changed`.
   */
  get version(): number {
    return this.changeLog.version;
  }
  /** What each recent version changed, for searches to move the changed contacts (query.ts). */
  private readonly changeLog = new ChangeLog<string>();
  private nextId = 1;

  private readonly seed: number;
  private readonly count: number;
  private readonly now: () => number;
  /** What the seeded data is relative to (see SandboxOptions.epoch); unset: the clock at seeding. */
  private readonly epoch: number | undefined;

  constructor(seed: number, count: number, now: () => number, epoch?: number) {
    this.seed = seed;
    this.count = count;
    this.now = now;
    this.epoch = epoch;
    this.reseed();
  }

  reseed(): void {
    this.changed();
    this.properties = new Map(defaultProperties().map((p) => [p.name, p]));
    this.contacts = new Map();
    this.emailIndex = new Map();
    this.emailEvents = [];
    this.webEvents = [];
    this.companies = new CompanyBook();
    this.nextId = 1;
    const nowMs = this.epoch ?? this.now();
    const people = generatePeople(this.seed, this.count, nowMs);
    const companyIds = new Map(
      generateCompanies(people).map((c) => [
        c.name,
        this.companies.addSynthetic(c, nowMs - 400 * 86_400_000),
      ]),
    );
    const activities = generateActivities(this.seed, people, nowMs);
    const ids = people.map((p) =>
      this.insert(
        {
          email: p.email,
          firstname: p.firstname,
          lastname: p.lastname,
          jobtitle: p.jobtitle,
          company: p.company,
          industry: p.industry,
          numberofemployees: String(p.employees),
          country: p.country,
          hs_marketable_status: String(p.consent),
          bant_budget: p.budget,
          bant_authority: p.authority,
          bant_need: p.need,
          bant_timeline: p.timeline,
          sdr_confirmed: String(p.sdrConfirmed),
          nps_score: p.npsScore === null ? '' : String(p.npsScore),
          renewals: String(p.renewals),
          lifecyclestage: 'subscriber',
        },
        Date.parse(p.createdAt),
        Date.parse(p.updatedAt),
      ),
    );
    people.forEach((p, i) => this.companies.associate(ids[i]!, companyIds.get(p.company)!));
    for (const a of activities) {
      const contact = this.contacts.get(ids[a.personKey]!)!;
      const at = Date.parse(a.at);
      const email = EMAIL_TYPES[a.type];
      const web = WEB_TYPES[a.type];
      const str = (v: unknown) => (typeof v === 'string' ? v : '');
      if (email) {
        const subject = str(a.properties.emailName);
        this.emailEvents.push({
          id: stableId(this.seed, a.key),
          created: at,
          type: email,
          recipient: contact.properties.email!,
          emailCampaignId: 1000 + Math.max(0, EMAIL_NAMES.indexOf(subject)),
          subject,
          ...(a.properties.url ? { url: str(a.properties.url) } : {}),
        });
      } else if (web) {
        const properties: Record<string, string> =
          a.type === 'page_view'
            ? { hs_url: str(a.properties.url), hs_page_title: str(a.properties.title) }
            : {
                hs_form_title: str(a.properties.formName),
                hs_form_id: stableId(this.seed, str(a.properties.formName)),
              };
        this.webEvents.push({
          id: stableId(this.seed, a.key),
          eventType: web,
          objectId: contact.id,
          occurredAt: a.at,
          properties,
        });
        if (a.type === 'form_submit' && contact.properties.lifecyclestage === 'subscriber') {
          contact.properties.lifecyclestage = 'lead';
        }
      } else if (a.type === 'meeting_booked') {
        contact.properties.engagements_last_meeting_booked = a.at;
      }
    }
    this.emailEvents.sort((a, b) => b.created - a.created || (a.id < b.id ? -1 : 1));
    // The activities above changed seeded contacts in place.
    this.changed();
  }

  private insert(props: Record<string, string>, createdMs: number, updatedMs: number): string {
    const id = String(this.nextId++ + 1000);
    this.changed(id);
    const createdAt = new Date(createdMs).toISOString();
    const updatedAt = new Date(updatedMs).toISOString();
    this.contacts.set(id, {
      id,
      createdAt,
      updatedAt,
      properties: { ...props, hs_object_id: id, createdate: createdAt, lastmodifieddate: updatedAt },
    });
    this.indexEmail(id, props.email);
    return id;
  }

  private indexEmail(id: string, email: string | undefined): void {
    if (!email) return;
    const key = email.toLowerCase();
    const ids = this.emailIndex.get(key);
    if (ids) ids.add(id);
    else this.emailIndex.set(key, new Set([id]));
  }

  /** Marks one contact (`id`), or the contacts or property definitions at large, changed. */
  changed(id?: string): void {
    this.changeLog.record(id);
  }

  /** The ids of the contacts changed since `version` (repeats possible), or null when unknown. */
  changesSince(version: number): string[] | null {
    return this.changeLog.since(version);
  }

  /** Deletes a contact (GDPR delete). */
  remove(id: string): void {
    if (this.contacts.delete(id)) this.changed(id);
  }

  /** A new contact, as if created in HubSpot now (tests). */
  addContact(props: Record<string, string>, atMs = this.now()): string {
    return this.insert({ lifecyclestage: 'subscriber', ...props }, atMs, atMs);
  }

  /**
   * HubSpot's merge: the primary keeps its id and its values (blanks filled from the other), lists
   * the merged-away id in `hs_merged_object_ids` (`;`-separated) and counts as modified now; the
   * other contact is gone.
   */
  merge(primaryId: string, mergedId: string, atMs = this.now()): void {
    const primary = this.contacts.get(primaryId);
    const merged = this.contacts.get(mergedId);
    if (!primary || !merged || primaryId === mergedId) {
      throw new Error(`cannot merge contact ${mergedId} into ${primaryId}`);
    }
    for (const [k, v] of Object.entries(merged.properties)) {
      if ((primary.properties[k] ?? '') === '' && v !== '') primary.properties[k] = v;
    }
    this.indexEmail(primaryId, primary.properties.email);
    const ids = [primary.properties.hs_merged_object_ids, merged.properties.hs_merged_object_ids, mergedId]
      .filter((x): x is string => !!x)
      .flatMap((x) => x.split(';'));
    primary.properties.hs_merged_object_ids = [...new Set(ids)].join(';');
    primary.updatedAt = new Date(atMs).toISOString();
    primary.properties.lastmodifieddate = primary.updatedAt;
    this.contacts.delete(mergedId);
    this.changed(primaryId);
    this.changed(mergedId);
  }

  /**
   * The contact with this email (case aside); of several (HubSpot keeps emails unique, the sandbox
   * does not check), the first created.
   */
  byEmail(email: string): StoredContact | undefined {
    const wanted = email.toLowerCase();
    let found: StoredContact | undefined;
    for (const id of this.emailIndex.get(wanted) ?? []) {
      const c = this.contacts.get(id);
      if (c?.properties.email?.toLowerCase() !== wanted) continue;
      if (!found || Number(c.id) < Number(found.id)) found = c;
    }
    return found;
  }

  lifecycleOrder(value: string): number {
    return this.properties.get('lifecyclestage')!.options.findIndex((o) => o.value === value);
  }

  /**
   * Problems with writing `props`, in HubSpot's words; empty when every value is acceptable.
   * `internal` writes (tests, seeding) may set read-only properties.
   */
  validate(
    props: Record<string, unknown>,
    internal = false,
  ): { name: string; error: string; message: string }[] {
    const problems: { name: string; error: string; message: string }[] = [];
    for (const [name, value] of Object.entries(props)) {
      const p = this.properties.get(name);
      if (!p) {
        problems.push({ name, error: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
        continue;
      }
      if (p.readOnlyValue && !internal) {
        problems.push({
          name,
          error: 'READ_ONLY_VALUE',
          message: `"${name}" is a read only property; its value cannot be set.`,
        });
        continue;
      }
      const v = asText(value);
      if (v === '') continue;
      if (p.type === 'number' && !Number.isFinite(Number(v))) {
        problems.push({ name, error: 'INVALID_FLOAT', message: `${v} was not a valid number.` });
      }
      if (p.type === 'enumeration' && !p.options.some((o) => o.value === v)) {
        problems.push({
          name,
          error: 'INVALID_OPTION',
          message: `${v} was not one of the allowed options: ${p.options.map((o) => `[label: "${o.label}"\nvalue: "${o.value}"]`).join(', ')}`,
        });
      }
    }
    return problems;
  }

  /**
   * Applies an update the way HubSpot does: a lifecycle stage never moves backwards (the value is
   * silently kept) unless it was cleared first. Returns whether anything changed.
   */
  apply(contact: StoredContact, props: Record<string, unknown>, atMs = this.now()): boolean {
    let changed = false;
    for (const [name, raw] of Object.entries(props)) {
      const v = asText(raw);
      const current = contact.properties[name] ?? '';
      if (
        name === 'lifecyclestage' &&
        v !== '' &&
        current !== '' &&
        this.lifecycleOrder(v) < this.lifecycleOrder(current)
      ) {
        continue;
      }
      if (current === v) continue;
      if (v === '') delete contact.properties[name];
      else contact.properties[name] = v;
      if (name === 'email') this.indexEmail(contact.id, v);
      changed = true;
    }
    if (changed) {
      this.changed(contact.id);
      const at = new Date(atMs).toISOString();
      contact.updatedAt = at;
      contact.properties.lastmodifieddate = at;
    }
    return changed;
  }
}
