/**
 * Deterministic synthetic people and activity shared by the source sandboxes, so a HubSpot and a
 * Mautic sandbox seeded alike hold the same market and the same model qualifies them alike.
 * The mix is skewed like a real database: most contacts are subscribers who opened a newsletter,
 * a few are active evaluators with a booked meeting.
 */
import type { CanonicalEventType, Properties } from '../src/model.ts';

export interface SyntheticPerson {
  firstname: string;
  lastname: string;
  email: string;
  jobtitle: string;
  company: string;
  industry: string;
  employees: number;
  country: string;
  /** ISO-8601. */
  createdAt: string;
  /** ISO-8601: the latest of creation and the person's last activity. */
  updatedAt: string;
  consent: boolean;
  /** BANT and meeting facts, as a sales development rep would record them ('' when unknown). */
  budget: string;
  authority: string;
  need: string;
  timeline: string;
  meetingBooked: boolean;
  /** A sales development rep called and confirmed the interest (SDR / tele-sales qualification). */
  sdrConfirmed: boolean;
  /** Last NPS survey answer, 0-10, or null when the person never answered one. */
  npsScore: number | null;
  /** Contract renewals on record (0 for everyone who is not a customer yet). */
  renewals: number;
}

export interface SyntheticActivity {
  /** Stable across calls with the same seed: the vendor event id is derived from it. */
  key: string;
  /** Index into the people array. */
  personKey: number;
  type: CanonicalEventType;
  /** ISO-8601. */
  at: string;
  properties: Properties;
}

const DAY = 86_400_000;

/** mulberry32: tiny, fast and good enough for synthetic data; same seed, same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = [
  'Alice',
  'Bruno',
  'Chloé',
  'Dmitri',
  'Elena',
  'Farid',
  'Grace',
  'Hugo',
  'Ines',
  'Jonas',
  'Keiko',
  'Liam',
  'Maya',
  'Noah',
  'Olivia',
  'Pablo',
  'Quinn',
  'Rosa',
  'Sami',
  'Tara',
  'Umar',
  'Vera',
  'Wen',
  'Yusuf',
  'Zoé',
];
const LAST = [
  'Martin',
  'Bernard',
  'Schmidt',
  'Rossi',
  'García',
  'Nowak',
  'Smith',
  'Johnson',
  'Dubois',
  'Müller',
  'Silva',
  'Kim',
  'Nguyen',
  'Haddad',
  'Okafor',
  'Larsen',
  'Costa',
  'Lefebvre',
  'Cohen',
  'Tanaka',
];
const COMPANIES = [
  'Acme Analytics',
  'Northwind Labs',
  'Globex',
  'Initech',
  'Umbrella Health',
  'Stark Logistics',
  'Wayne Retail',
  'Hooli Cloud',
  'Vandelay Imports',
  'Soylent Foods',
  'Cyberdyne Systems',
  'Tyrell Biotech',
  'Wonka Brands',
  'Aperture Science',
  'Pied Piper',
];
const INDUSTRIES = [
  'Software',
  'Financial Services',
  'Healthcare',
  'Retail',
  'Manufacturing',
  'Education',
  'Logistics',
  'Media',
];
const COUNTRIES = [
  'United States',
  'France',
  'Germany',
  'United Kingdom',
  'Canada',
  'Spain',
  'Netherlands',
  'Brazil',
  'Japan',
];
/** Weighted towards the personas a B2B marketing team targets, with students and job seekers as noise. */
const TITLES: [string, number][] = [
  ['Marketing Manager', 14],
  ['Head of Marketing', 6],
  ['VP Marketing', 4],
  ['Chief Marketing Officer', 2],
  ['Marketing Operations Specialist', 6],
  ['Sales Director', 5],
  ['Account Executive', 6],
  ['Chief Executive Officer', 3],
  ['Software Engineer', 10],
  ['Product Manager', 7],
  ['Consultant', 8],
  ['Student', 8],
  ['Intern', 4],
  ['', 17],
];
const PAGES = [
  '/',
  '/blog/lead-scoring-101',
  '/blog/mql-vs-sql',
  '/features',
  '/pricing',
  '/customers',
  '/demo',
  '/careers',
  '/docs/getting-started',
];
const EMAILS = ['Newsletter November', 'Webinar invitation', 'Product update', 'Case study: Northwind'];
const FORMS = ['Newsletter signup', 'Ebook download', 'Contact sales', 'Webinar registration'];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function pickWeighted(rand: () => number, items: readonly [string, number][]): string {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return items[items.length - 1]![0];
}

function slug(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

/** How engaged a person is: most are quiet, a tenth are actively evaluating. */
type Temperature = 'cold' | 'warm' | 'hot';

function temperatureOf(rand: () => number): Temperature {
  const r = rand();
  return r < 0.6 ? 'cold' : r < 0.88 ? 'warm' : 'hot';
}

interface Planned {
  person: SyntheticPerson;
  temperature: Temperature;
}

function plan(seed: number, count: number, nowMs: number): Planned[] {
  const rand = seededRandom(seed);
  // Facts added later draw from a stream of their own, so the earlier ones stay as they were.
  const later = seededRandom((seed ^ 0x85ebca6b) >>> 0);
  const out: Planned[] = [];
  for (let i = 0; i < count; i++) {
    const firstname = pick(rand, FIRST);
    const lastname = pick(rand, LAST);
    const company = pick(rand, COMPANIES);
    const temperature = temperatureOf(rand);
    const hot = temperature === 'hot';
    const createdAt = new Date(nowMs - Math.floor(rand() * 365 * DAY)).toISOString();
    const bant = (yes: string, chance: number) => (rand() < chance ? yes : '');
    out.push({
      temperature,
      person: {
        firstname,
        lastname,
        email: `${slug(firstname)}.${slug(lastname)}.${i + 1}@${slug(company)}.example`,
        jobtitle: pickWeighted(rand, TITLES),
        company,
        industry: pick(rand, INDUSTRIES),
        employees: Math.round(5 + rand() ** 2 * 5000),
        country: pick(rand, COUNTRIES),
        createdAt,
        updatedAt: createdAt,
        consent: rand() < 0.8,
        budget: bant('approved', hot ? 0.6 : 0.05),
        authority: bant('decision maker', hot ? 0.6 : 0.1),
        need: bant('confirmed', hot ? 0.7 : 0.1),
        timeline: bant(pick(rand, ['this quarter', 'next quarter']), hot ? 0.6 : 0.05),
        meetingBooked: hot && rand() < 0.5,
        sdrConfirmed: later() < (hot ? 0.5 : temperature === 'warm' ? 0.1 : 0.01),
        npsScore: later() < 0.2 ? Math.floor(later() * 11) : null,
        renewals: later() < 0.1 ? 1 + Math.floor(later() * 3) : 0,
      },
    });
  }
  return out;
}

export function generatePeople(seed: number, count: number, nowMs: number): SyntheticPerson[] {
  const people = plan(seed, count, nowMs).map((p) => p.person);
  const last = lastActivityByPerson(generateActivities(seed, people, nowMs));
  return people.map((p, i) => {
    const at = last.get(i);
    return at && at > p.updatedAt ? { ...p, updatedAt: at } : p;
  });
}

function lastActivityByPerson(activities: SyntheticActivity[]): Map<number, string> {
  const last = new Map<number, string>();
  for (const a of activities) if ((last.get(a.personKey) ?? '') < a.at) last.set(a.personKey, a.at);
  return last;
}

/** Activity over the last 90 days, in time order; the same seed and people give the same list. */
export function generateActivities(
  seed: number,
  people: SyntheticPerson[],
  nowMs: number,
): SyntheticActivity[] {
  const planned = plan(seed, people.length, nowMs);
  const rand = seededRandom(seed ^ 0x9e3779b9);
  const out: SyntheticActivity[] = [];
  planned.forEach(({ temperature, person }, personKey) => {
    const created = Date.parse(person.createdAt);
    const counts = { cold: [1, 0, 0, 1], warm: [4, 2, 1, 4], hot: [8, 4, 2, 9] }[temperature];
    const [opens, clicks, forms, views] = counts.map((n) => Math.round(n * (0.5 + rand()))) as [
      number,
      number,
      number,
      number,
    ];
    let n = 0;
    const add = (type: CanonicalEventType, properties: Properties) => {
      const at = Math.max(created, nowMs - Math.floor(rand() * 90 * DAY));
      out.push({
        key: `${personKey + 1}-${++n}`,
        personKey,
        type,
        at: new Date(at).toISOString(),
        properties,
      });
    };
    for (let i = 0; i < opens; i++) add('email_open', { emailName: pick(rand, EMAILS) });
    for (let i = 0; i < clicks; i++) {
      add('email_click', {
        emailName: pick(rand, EMAILS),
        url: `https://leadstage.example${pick(rand, PAGES)}`,
      });
    }
    for (let i = 0; i < forms; i++) add('form_submit', { formName: pick(rand, FORMS) });
    for (let i = 0; i < views; i++) {
      const page = temperature === 'hot' && rand() < 0.4 ? '/pricing' : pick(rand, PAGES);
      add('page_view', {
        url: `https://leadstage.example${page}`,
        title: page === '/' ? 'Home' : page.slice(1),
      });
    }
    if (person.meetingBooked) add('meeting_booked', { title: 'Discovery call' });
  });
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.key < b.key ? -1 : 1));
}

/** A company of the synthetic people, as both marketing sandboxes hold it. */
export interface SyntheticCompany {
  name: string;
  /** The domain its people's email addresses use. */
  domain: string;
  industry: string;
  employees: number;
  /** Yearly revenue in the portal's currency: 150,000 per employee, so fit rules have a number to test. */
  annualRevenue: number;
}

/**
 * One company per company name the people carry, in order of first appearance; its firmographics
 * are those its first person was generated with.
 */
export function generateCompanies(people: SyntheticPerson[]): SyntheticCompany[] {
  const out = new Map<string, SyntheticCompany>();
  for (const p of people) {
    if (out.has(p.company)) continue;
    out.set(p.company, {
      name: p.company,
      domain: `${slug(p.company)}.example`,
      industry: p.industry,
      employees: p.employees,
      annualRevenue: p.employees * 150_000,
    });
  }
  return [...out.values()];
}
