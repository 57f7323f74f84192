/**
 * The model language, evaluated naively from the README's model reference ("The qualification
 * model file"), as an independent oracle for the engine: no compilation, no caching, no code
 * shared with src/qualification/. Where this file and the engine disagree, the README decides.
 *
 * The model is the plain object a model file's YAML reads as (a valid one: `rules check` has
 * already said so); the contact is what `leadstage score` reads, one JSON line.
 */
import type { ContactInput } from '../../src/model.ts';
import { RE2JS } from 're2js';

type Value = string | number | boolean | null | undefined;
type Props = Record<string, Value>;
type Cond = Record<string, unknown>;

export interface RefModel {
  dimensions: string[];
  conditions?: Record<string, Cond>;
  stages: { key: string; requires?: Cond }[];
  scoring?: RefRule[];
  recycle?: { when: Cond; to: string; from?: string[] }[];
  accounts?: { dimensions: RefAccountDimension[] };
}

/** README "Accounts": one of sum or max of a contact dimension, or fit points on company fields. */
export interface RefAccountDimension {
  key: string;
  sum?: string;
  max?: string;
  fit?: { when: Cond; points: number }[];
}

export interface RefRule {
  dimension: string;
  when: Cond;
  points: number;
  once?: boolean;
  max?: number;
  decay?: { halfLifeDays: number };
}

const DAY = 24 * 60 * 60 * 1000;

// --- Comparing values -------------------------------------------------------------------

/** "absent, null, or text that is empty or only spaces" */
function missing(v: Value): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/** "a number, text that is one decimal number such as " 5.5 " or "-1e3", booleans as 1/0" */
function asNumber(v: Value): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v.trim())) {
    return Number(v.trim());
  }
  return undefined;
}

/** "true, "yes", "1", non-zero numbers; false, "no", "0", 0, empty text" */
function asBoolean(v: Value): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (['true', 'yes', '1'].includes(t)) return true;
    if (['false', 'no', '0', ''].includes(t)) return false;
  }
  return undefined;
}

/** "Text compares ignoring case and surrounding spaces." */
function text(v: Value): string | undefined {
  return v === undefined || v === null ? undefined : String(v).trim().toLowerCase();
}

function equalsOne(v: Value, expected: string | number | boolean): boolean {
  if (typeof expected === 'number') return asNumber(v) === expected;
  if (typeof expected === 'boolean') return asBoolean(v) === expected;
  const e = expected.trim().toLowerCase();
  if (e === 'true' || e === 'false') return asBoolean(v) === (e === 'true');
  const n = asNumber(expected);
  if (n !== undefined) return asNumber(v) === n || text(v) === e;
  return text(v) === e;
}

/** "with an ISO date as the bound the value is read as a date (ISO text, or epoch milliseconds)" */
function asDate(v: Value): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const n = asNumber(v);
  if (n !== undefined) return n;
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v.trim())) return undefined;
  const t = Date.parse(v.trim());
  return Number.isNaN(t) ? undefined : t;
}

function order(v: Value, op: string, bound: number | string): boolean {
  const have = typeof bound === 'string' ? asDate(v) : asNumber(v);
  const want = typeof bound === 'string' ? Date.parse(bound) : bound;
  if (have === undefined) return false;
  if (op === 'gt') return have > want;
  if (op === 'gte') return have >= want;
  if (op === 'lt') return have < want;
  return have <= want;
}

/** Every operator given must hold. */
function valueTest(v: Value, t: Record<string, unknown>): boolean {
  for (const [op, x] of Object.entries(t)) {
    if (op === 'property' || x === undefined) continue;
    let ok: boolean;
    switch (op) {
      case 'equals':
        ok = equalsOne(v, x as string);
        break;
      case 'notEquals':
        ok = !equalsOne(v, x as string);
        break;
      case 'in':
        ok = (x as string[]).some((e) => equalsOne(v, e));
        break;
      case 'notIn':
        ok = !(x as string[]).some((e) => equalsOne(v, e));
        break;
      case 'contains':
        ok =
          v !== undefined &&
          v !== null &&
          String(v)
            .toLowerCase()
            .includes((x as string).toLowerCase());
        break;
      case 'startsWith':
        ok =
          v !== undefined &&
          v !== null &&
          String(v)
            .trimStart()
            .toLowerCase()
            .startsWith((x as string).toLowerCase());
        break;
      case 'endsWith':
        ok =
          v !== undefined &&
          v !== null &&
          String(v)
            .trimEnd()
            .toLowerCase()
            .endsWith((x as string).toLowerCase());
        break;
      case 'matches':
        ok = !missing(v) && RE2JS.compile(x as string, RE2JS.CASE_INSENSITIVE).test(String(v));
        break;
      case 'exists':
        ok = missing(v) !== x;
        break;
      default:
        ok = order(v, op, x as number | string);
    }
    if (!ok) return false;
  }
  return true;
}

function numberTest(n: number, t: Record<string, unknown>): boolean {
  for (const [op, x] of Object.entries(t)) {
    if (typeof x !== 'number') continue;
    if (op === 'equals' && n !== x) return false;
    if (op === 'gt' && !(n > x)) return false;
    if (op === 'gte' && !(n >= x)) return false;
    if (op === 'lt' && !(n < x)) return false;
    if (op === 'lte' && !(n <= x)) return false;
  }
  return true;
}

// --- Conditions ---------------------------------------------------------------------------

interface Facts {
  model: RefModel;
  contact: ContactInput;
  now: number;
  scores: Record<string, number>;
}

interface Matched {
  at: number;
}

/** Events of the types named, passing `where`, and inside `withinDays` when given. */
function matchingEvents(c: Cond, f: Facts): Matched[] {
  const types = Array.isArray(c.event) ? (c.event as string[]) : [c.event as string];
  const where = (c.where ?? {}) as Record<string, Record<string, unknown>>;
  const out: Matched[] = [];
  for (const e of f.contact.events) {
    if (!types.includes(e.type)) continue;
    const at = Date.parse(e.at);
    if (c.withinDays !== undefined && !(at >= f.now - (c.withinDays as number) * DAY && at <= f.now)) {
      continue;
    }
    const props = (e.properties ?? {}) as Props;
    if (!Object.entries(where).every(([p, t]) => valueTest(props[p], t))) continue;
    out.push({ at });
  }
  return out;
}

function holds(c: Cond, f: Facts): boolean {
  if ('property' in c) return valueTest((f.contact.properties as Props)[c.property as string], c);
  if ('event' in c) {
    return numberTest(matchingEvents(c, f).length, (c.count ?? { gte: 1 }) as Record<string, unknown>);
  }
  if ('score' in c) return numberTest(f.scores[c.score as string] ?? 0, c);
  // "A contact without an account, or an account without the dimension, counts 0."
  if ('account' in c) return numberTest(f.contact.account?.scores[c.account as string] ?? 0, c);
  if ('all' in c) return (c.all as Cond[]).every((x) => holds(x, f));
  if ('any' in c) return (c.any as Cond[]).some((x) => holds(x, f));
  if ('not' in c) return !holds(c.not as Cond, f);
  return holds(f.model.conditions![c.is as string]!, f);
}

// --- Scoring and stages -------------------------------------------------------------------

const round2 = (n: number) => Math.round(n * 100) / 100;

export function rulePoints(rule: RefRule, f: Facts): number {
  let points: number;
  if ('event' in rule.when) {
    const events = matchingEvents(rule.when, f);
    const count = (rule.when.count ?? { gte: 1 }) as Record<string, unknown>;
    const weight = (at: number) =>
      rule.decay ? 0.5 ** (Math.max(0, f.now - at) / DAY / rule.decay.halfLifeDays) : 1;
    if (!numberTest(events.length, count)) points = 0;
    else if (rule.once) {
      const latest = Math.max(...events.map((e) => e.at));
      points = events.length === 0 ? rule.points : rule.points * weight(latest);
    } else {
      points = events.reduce((sum, e) => sum + rule.points * weight(e.at), 0);
    }
  } else {
    points = holds(rule.when, f) ? rule.points : 0;
  }
  if (rule.max === undefined) return points;
  return rule.points >= 0 ? Math.min(points, rule.max) : Math.max(points, rule.max);
}

export interface RefDecision {
  stage: string;
  scores: Record<string, number>;
}

export function evaluate(model: RefModel, contact: ContactInput, now: Date): RefDecision {
  const f: Facts = { model, contact, now: now.getTime(), scores: {} };
  const scores: Record<string, number> = {};
  for (const d of model.dimensions) {
    let sum = 0;
    for (const rule of model.scoring ?? []) if (rule.dimension === d) sum += rulePoints(rule, f);
    scores[d] = round2(sum);
  }
  scores.total = round2(model.dimensions.reduce((t, d) => t + scores[d]!, 0));
  f.scores = scores;

  const keys = model.stages.map((s) => s.key);
  let reached = 0;
  model.stages.forEach((s, i) => {
    if (!s.requires || holds(s.requires, f)) reached = i;
  });
  const current = contact.stage === undefined ? -1 : keys.indexOf(contact.stage);
  let stage = Math.max(reached, current);
  for (const r of model.recycle ?? []) {
    const to = keys.indexOf(r.to);
    const fromStage = current >= 0 ? current : stage;
    if (to < stage && (!r.from || r.from.includes(keys[fromStage]!)) && holds(r.when, f)) {
      stage = to;
      break;
    }
  }
  return { stage: keys[stage]!, scores };
}

/**
 * README "Accounts": an account's dimensions from its contacts' scores and its company's fields.
 * `sum` adds the contacts' scores, `max` takes the highest (0 with no contact), `fit` adds the
 * points of every rule whose condition holds on the company's fields; each rounded to 2 decimals.
 */
export function referenceAccountScores(
  model: RefModel,
  contactScores: Record<string, number>[],
  company: Props,
): Record<string, number> {
  const out: Record<string, number> = {};
  const companyFacts: Facts = {
    model,
    contact: { id: 'company', properties: company as ContactInput['properties'], events: [] },
    now: 0,
    scores: {},
  };
  for (const d of model.accounts?.dimensions ?? []) {
    let v = 0;
    if (d.sum !== undefined) for (const s of contactScores) v += s[d.sum] ?? 0;
    else if (d.max !== undefined && contactScores.length) {
      v = Math.max(...contactScores.map((s) => s[d.max!] ?? 0));
    } else for (const r of d.fit ?? []) if (holds(r.when, companyFacts)) v += r.points;
    out[d.key] = round2(v);
  }
  return out;
}
