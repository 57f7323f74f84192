/**
 * The hot path: scores and stage in one pass over a contact's events, with no allocation per
 * event. Every event condition of the model (in scoring rules, stage requirements, recycle rules
 * and named conditions) becomes a numbered slot; one loop over the events fills each slot's count,
 * decayed weight and latest time, and the compiled tests read the slots.
 *
 * The explained path (`conditions.ts`) computes the same decision with reasons; a test holds the
 * two to the same answers. Reasons are only computed when someone reads them.
 */
import type { ContactInput, Properties, PropertyValue } from '../model.ts';
import type { Condition, ValueTest } from './schema.ts';
import { valuePredicate } from './conditions.ts';
import { numberTest } from './values.ts';

const DAY_MS = 86_400_000;

interface Slot {
  index: number;
  where: { prop: string; test: (v: PropertyValue | undefined) => boolean }[];
  windowMs?: number;
  halfLifeMs?: number;
  needsTime: boolean;
}

export interface SlotState {
  count: Float64Array;
  weight: Float64Array;
  latest: Float64Array;
}

export interface FastContext {
  properties: Properties;
  slots: SlotState;
  scores: Record<string, number>;
}

export type FastTest = (ctx: FastContext) => boolean;

/** Collects slots while conditions compile; `pass` then fills them for one contact. */
export class SlotPlan {
  private readonly slots: Slot[] = [];
  private readonly byType = new Map<string, Slot[]>();

  add(c: Extract<Condition, { event: unknown }>, halfLifeDays?: number): number {
    const slot: Slot = {
      index: this.slots.length,
      where: Object.entries(c.where ?? {}).map(([prop, t]) => ({ prop, test: valueTest(t) })),
      ...(c.withinDays !== undefined ? { windowMs: c.withinDays * DAY_MS } : {}),
      ...(halfLifeDays !== undefined ? { halfLifeMs: halfLifeDays * DAY_MS } : {}),
      needsTime: true,
    };
    slot.needsTime = slot.windowMs !== undefined || slot.halfLifeMs !== undefined;
    this.slots.push(slot);
    for (const type of Array.isArray(c.event) ? c.event : [c.event]) {
      let list = this.byType.get(type);
      if (!list) this.byType.set(type, (list = []));
      list.push(slot);
    }
    return slot.index;
  }

  newState(): SlotState {
    const n = this.slots.length;
    return { count: new Float64Array(n), weight: new Float64Array(n), latest: new Float64Array(n) };
  }

  pass(contact: ContactInput, nowMs: number, state: SlotState): void {
    const { count, weight, latest } = state;
    count.fill(0);
    weight.fill(0);
    latest.fill(-Infinity);
    const events = contact.events;
    for (let k = 0; k < events.length; k++) {
      const e = events[k]!;
      const slots = this.byType.get(e.type);
      if (slots === undefined) continue;
      let t = NaN;
      let timed = false;
      for (let j = 0; j < slots.length; j++) {
        const slot = slots[j]!;
        const where = slot.where;
        if (where.length !== 0) {
          const props = e.properties ?? NO_PROPS;
          let ok = true;
          for (let w = 0; w < where.length && ok; w++) ok = where[w]!.test(props[where[w]!.prop]);
          if (!ok) continue;
        }
        if (slot.needsTime) {
          if (!timed) {
            t = parseIsoMs(e.at);
            timed = true;
          }
          if (slot.windowMs !== undefined && !(t >= nowMs - slot.windowMs && t <= nowMs)) continue;
        }
        const i = slot.index;
        count[i]!++;
        if (slot.halfLifeMs !== undefined) {
          weight[i]! += decayWeight(t, nowMs, slot.halfLifeMs);
          if (t > latest[i]!) latest[i] = t;
        }
      }
    }
  }
}

const NO_PROPS: Properties = {};

/** 0.5^(age / half-life); future events count fully, undatable ones not at all. */
export function decayWeight(atMs: number, nowMs: number, halfLifeMs: number): number {
  if (Number.isNaN(atMs)) return 0;
  return 0.5 ** (Math.max(0, nowMs - atMs) / halfLifeMs);
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fff]Z` by arithmetic (the shape every connector emits), anything else
 * through Date.parse. Twice as fast as Date.parse on the hot path.
 */
export function parseIsoMs(s: string): number {
  const n = s.length;
  if (n < 20 || s.charCodeAt(n - 1) !== 90 /* Z */ || s.charCodeAt(10) !== 84 /* T */) return Date.parse(s);
  const d = (i: number) => s.charCodeAt(i) - 48;
  const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  const month = d(5) * 10 + d(6);
  const day = d(8) * 10 + d(9);
  const hh = d(11) * 10 + d(12);
  const mm = d(14) * 10 + d(15);
  const ss = d(17) * 10 + d(18);
  let ms = 0;
  if (n === 24 && s.charCodeAt(19) === 46 /* . */) ms = d(20) * 100 + d(21) * 10 + d(22);
  else if (n !== 20) return Date.parse(s);
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31 && hh < 24 && mm < 60 && ss < 61)) {
    return Date.parse(s);
  }
  // Days from the civil date (Howard Hinnant's algorithm), valid for the proleptic Gregorian calendar.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return ((days * 24 + hh) * 60 + mm) * 60000 + ss * 1000 + ms;
}

const valueTest = (t: ValueTest) => valuePredicate(t).predicate;

export function compileFast(
  c: Condition,
  named: Record<string, Condition>,
  plan: SlotPlan,
  cache = new Map<string, FastTest>(),
): FastTest {
  if ('property' in c) {
    const { property } = c;
    const test = valueTest(c);
    return (ctx) => test(ctx.properties[property]);
  }
  if ('event' in c) {
    const slot = plan.add(c);
    const test = numberTest(c.count ?? { gte: 1 });
    return (ctx) => test(ctx.slots.count[slot]!);
  }
  if ('score' in c) {
    const { score } = c;
    const test = numberTest(c);
    return (ctx) => test(ctx.scores[score] ?? 0);
  }
  if ('all' in c) {
    const parts = c.all.map((x) => compileFast(x, named, plan, cache));
    return (ctx) => {
      for (const p of parts) if (!p(ctx)) return false;
      return true;
    };
  }
  if ('any' in c) {
    const parts = c.any.map((x) => compileFast(x, named, plan, cache));
    return (ctx) => {
      for (const p of parts) if (p(ctx)) return true;
      return false;
    };
  }
  if ('not' in c) {
    const inner = compileFast(c.not, named, plan, cache);
    return (ctx) => !inner(ctx);
  }
  const hit = cache.get(c.is);
  if (hit) return hit;
  const compiled = compileFast(named[c.is]!, named, plan, cache);
  cache.set(c.is, compiled);
  return compiled;
}
