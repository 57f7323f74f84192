/**
 * The same model (20 rules and 2 count rules) in json-rules-engine, the baseline the benchmark compares against. Its
 * facts are derived from the same raw events inside the timed loop, as a caller would have to.
 */
import { Engine, type RuleProperties } from 'json-rules-engine';

import type { ContactInput } from '../../src/model.ts';

const DAY = 86_400_000;

interface Facts {
  jobtitle: string;
  email: string;
  employees: number;
  industry: string;
  country: string;
  forms: number;
  salesForms: number;
  views: number;
  pricing: number;
  pricingRecent: number;
  careers: number;
  meetings: number;
  opens: number;
  opensRecent: number;
  clicks: number;
  clicksRecent: number;
  unsubscribes: number;
}

export function deriveFacts(c: ContactInput, nowMs: number): Facts {
  const f: Facts = {
    jobtitle: String(c.properties.jobtitle ?? '').toLowerCase(),
    email: String(c.properties.email ?? ''),
    employees: Number(c.properties.employees ?? 0),
    industry: String(c.properties.industry ?? ''),
    country: String(c.properties.country ?? ''),
    forms: 0,
    salesForms: 0,
    views: 0,
    pricing: 0,
    pricingRecent: 0,
    careers: 0,
    meetings: 0,
    opens: 0,
    opensRecent: 0,
    clicks: 0,
    clicksRecent: 0,
    unsubscribes: 0,
  };
  for (const e of c.events) {
    const age = nowMs - Date.parse(e.at);
    const p = e.properties ?? {};
    switch (e.type) {
      case 'form_submit':
        f.forms++;
        if (
          String(p.formName ?? '')
            .toLowerCase()
            .includes('sales')
        ) {
          f.salesForms++;
        }
        break;
      case 'page_view': {
        f.views++;
        const url = String(p.url ?? '').toLowerCase();
        if (url.includes('/pricing')) {
          f.pricing++;
          if (age <= 14 * DAY) f.pricingRecent++;
        }
        if (url.includes('/careers')) f.careers++;
        break;
      }
      case 'meeting_booked':
        f.meetings++;
        break;
      case 'email_open':
        f.opens++;
        if (age <= 30 * DAY) f.opensRecent++;
        break;
      case 'email_click':
        f.clicks++;
        if (age <= 30 * DAY) f.clicksRecent++;
        break;
      case 'email_unsubscribe':
        f.unsubscribes++;
        break;
    }
  }
  return f;
}

interface Params {
  dimension: 'fit' | 'behavior' | 'engagement';
  points: number;
  /** Points per unit of this fact (event rules); absent: once. */
  per?: keyof Facts;
  max?: number;
}

const rule = (fact: keyof Facts, operator: string, value: unknown, params: Params): RuleProperties => ({
  conditions: { all: [{ fact, operator, value }] },
  event: { type: 'points', params: params },
});
const any = (fact: keyof Facts, params: Omit<Params, 'per'>, per = true) =>
  rule(fact, 'greaterThan', 0, per ? { ...params, per: fact } : params);

export const JRE_RULES: RuleProperties[] = [
  rule('jobtitle', 'textContains', 'marketing', { dimension: 'fit', points: 20 }),
  rule('jobtitle', 'matches', '\\b(head|vp|chief|director)\\b', { dimension: 'fit', points: 10 }),
  rule('employees', 'greaterThanInclusive', 50, { dimension: 'fit', points: 10 }),
  rule('employees', 'greaterThanInclusive', 1000, { dimension: 'fit', points: 5 }),
  rule('industry', 'in', ['Software', 'Financial Services', 'Healthcare'], { dimension: 'fit', points: 10 }),
  rule('country', 'in', ['United States', 'Canada', 'United Kingdom'], { dimension: 'fit', points: 5 }),
  rule('email', 'matches', '@(gmail|yahoo|hotmail|outlook)\\.', { dimension: 'fit', points: -20 }),
  rule('jobtitle', 'in', ['student', 'intern'], { dimension: 'fit', points: -30 }),
  any('forms', { dimension: 'behavior', points: 10, max: 30 }),
  any('salesForms', { dimension: 'behavior', points: 25 }, false),
  any('views', { dimension: 'behavior', points: 2, max: 20 }),
  any('pricing', { dimension: 'behavior', points: 10, max: 30 }),
  any('pricingRecent', { dimension: 'behavior', points: 5, max: 15 }),
  any('careers', { dimension: 'behavior', points: -10 }, false),
  any('meetings', { dimension: 'behavior', points: 30 }, false),
  any('opens', { dimension: 'engagement', points: 2, max: 10 }),
  any('opensRecent', { dimension: 'engagement', points: 1, max: 5 }),
  any('clicks', { dimension: 'engagement', points: 5, max: 20 }),
  any('clicksRecent', { dimension: 'engagement', points: 3, max: 9 }),
  any('unsubscribes', { dimension: 'engagement', points: -20 }, false),
  rule('opens', 'greaterThanInclusive', 5, { dimension: 'engagement', points: 10 }),
  rule('pricing', 'greaterThanInclusive', 2, { dimension: 'behavior', points: 15 }),
];

export function createJreEngine(): Engine {
  const engine = new Engine(JRE_RULES, { allowUndefinedFacts: true });
  engine.addOperator('textContains', (a: string, b: string) => a.includes(b));
  engine.addOperator('matches', (a: string, b: string) => new RegExp(b, 'i').test(a));
  return engine;
}

/** Scores and stage for one contact through json-rules-engine, with the stage gates in plain code. */
export async function jreQualify(
  engine: Engine,
  c: ContactInput,
  nowMs: number,
): Promise<{ stage: string; total: number }> {
  const facts = deriveFacts(c, nowMs);
  const { events } = await engine.run(facts);
  const s = { fit: 0, behavior: 0, engagement: 0 };
  for (const e of events) {
    const p = e.params as unknown as Params;
    let pts = p.per ? p.points * Number(facts[p.per]) : p.points;
    if (p.max !== undefined) pts = Math.min(pts, p.max);
    s[p.dimension] += pts;
  }
  const total = s.fit + s.behavior + s.engagement;
  const stage =
    s.fit >= 20 && facts.meetings > 0
      ? 'sql'
      : s.fit >= 20 && s.behavior >= 30 && s.engagement >= 10
        ? 'mql'
        : facts.email && total >= 10
          ? 'lead'
          : 'subscriber';
  return { stage, total };
}
