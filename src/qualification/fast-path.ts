/**
 * The hot path: a model compiled into one generated JavaScript function that decides scores and
 * stage in a single pass over a contact's events.
 *
 * Why generated code rather than closures: with closures, every rule is a call through a
 * megamorphic function slot and every event condition writes to a typed array. Generated code
 * keeps every counter in a local variable, switches on the event type once, tests each distinct
 * `where` once per event and inlines the stage requirements, which is what makes scoring fast
 * enough to requalify a whole database on every model change.
 *
 * Nothing from the model file reaches the source text except numbers and `JSON.stringify`-ed
 * strings; every predicate (text, regex, value comparison) is a closure passed in, built by the
 * same `valuePredicate` as the explained path (`conditions.ts`). A test holds the two paths to the
 * same answers on every preset.
 */
import type { ContactInput } from '../model.ts';
import { valuePredicate } from './conditions.ts';
import type { Condition, ModelFile, NumericTest, ValueTest } from './schema.ts';
import { DAY_MS, decayWeight, parseIsoMs } from './time.ts';
import { toNumber } from './values.ts';

type EventCondition = Extract<Condition, { event: unknown }>;
type Rule = ModelFile['scoring'][number];

/** Filled by the generated function beside the scores it returns, so a decision costs one object. */
export interface StageBox {
  final: number;
  recycled: boolean;
}

export type FastQualify = (contact: ContactInput, nowMs: number, box: StageBox) => Record<string, number>;

interface Slot {
  id: number;
  types: string[];
  /** Indexes into the distinct `where` tests. */
  where: number[];
  windowMs?: number;
  halfLifeMs?: number;
}

interface WhereTest {
  id: number;
  prop: string;
  helper: string;
}

/** A number as JavaScript source; validated models only hold finite numbers, but be exact anyway. */
function num(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  return Object.is(n, -0) ? '-0' : String(n);
}

const str = (s: string) => JSON.stringify(s);

class Generator {
  private readonly helpers: unknown[] = [];
  private readonly helperNames = new Map<unknown, string>();
  readonly slots: Slot[] = [];
  private readonly slotKeys = new Map<string, Slot>();
  readonly wheres: WhereTest[] = [];
  private readonly whereKeys = new Map<string, WhereTest>();
  private readonly named: Record<string, Condition>;
  /** Properties read as numbers, each converted once per contact. */
  readonly numbers = new Map<string, string>();

  constructor(named: Record<string, Condition>) {
    this.named = named;
  }

  /** A value the generated code reads as a constant of its enclosing closure. */
  helper(value: unknown): string {
    let name = this.helperNames.get(value);
    if (name === undefined) {
      name = `h${this.helpers.length}`;
      this.helpers.push(value);
      this.helperNames.set(value, name);
    }
    return name;
  }

  private predicate(test: ValueTest): string {
    return this.helper(valuePredicate(test).predicate);
  }

  /** One counter per distinct event condition (rules and requirements often repeat them). */
  slot(c: EventCondition, halfLifeDays?: number): Slot {
    const types = Array.isArray(c.event) ? c.event : [c.event];
    const key = JSON.stringify([types, c.where ?? {}, c.withinDays ?? null, halfLifeDays ?? null]);
    const known = this.slotKeys.get(key);
    if (known) return known;
    const slot: Slot = {
      id: this.slots.length,
      types,
      where: Object.entries(c.where ?? {}).map(([prop, t]) => this.where(prop, t).id),
      ...(c.withinDays !== undefined ? { windowMs: c.withinDays * DAY_MS } : {}),
      ...(halfLifeDays !== undefined ? { halfLifeMs: halfLifeDays * DAY_MS } : {}),
    };
    this.slots.push(slot);
    this.slotKeys.set(key, slot);
    return slot;
  }

  private where(prop: string, test: ValueTest): WhereTest {
    const key = JSON.stringify([prop, test]);
    let w = this.whereKeys.get(key);
    if (!w) {
      w = { id: this.wheres.length, prop, helper: this.predicate(test) };
      this.wheres.push(w);
      this.whereKeys.set(key, w);
    }
    return w;
  }

  /** A condition as a side-effect-free boolean expression over the generated function's locals. */
  condition(c: Condition): string {
    if ('property' in c) return this.propertyTest(c);
    if ('event' in c) return numeric(`c${this.slot(c).id}`, c.count ?? { gte: 1 });
    if ('score' in c) return numeric(scoreVar(c.score), c);
    if ('account' in c) return numeric(`(A[${str(c.account)}] ?? 0)`, c);
    if ('all' in c) return `(${c.all.map((x) => this.condition(x)).join(' && ')})`;
    if ('any' in c) return `(${c.any.map((x) => this.condition(x)).join(' || ')})`;
    if ('not' in c) return `!${this.condition(c.not)}`;
    return this.condition(this.named[c.is]!);
  }

  /** Numeric bounds read the property's number once per contact; other tests call their predicate. */
  private propertyTest(c: Extract<Condition, { property: unknown }>): string {
    const { property, ...test } = c;
    const ops = Object.entries(test).filter(([, v]) => v !== undefined);
    const numericOnly = ops.length > 0 && ops.every(([op, v]) => ORDERING.has(op) && typeof v === 'number');
    if (!numericOnly) return `${this.predicate(test)}(P[${str(property)}])`;
    let n = this.numbers.get(property);
    if (n === undefined) this.numbers.set(property, (n = `n${this.numbers.size}`));
    return `(${n} !== undefined && ${numeric(n, test as NumericTest)})`;
  }

  compile(source: string): FastQualify {
    const names = this.helpers.map((_, i) => `h${i}`);
    // Generated code is the point of this module; the source holds no text from the model file
    // except JSON.stringify-ed strings and numbers (see the header).
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const factory = new Function(...names, `'use strict';\n${source}`) as (...h: unknown[]) => FastQualify;
    return factory(...this.helpers);
  }
}

const ORDERING = new Set(['gt', 'gte', 'lt', 'lte']);

function numeric(v: string, t: NumericTest): string {
  const parts: string[] = [];
  if (t.equals !== undefined) parts.push(`${v} === ${num(t.equals)}`);
  if (t.gt !== undefined) parts.push(`${v} > ${num(t.gt)}`);
  if (t.gte !== undefined) parts.push(`${v} >= ${num(t.gte)}`);
  if (t.lt !== undefined) parts.push(`${v} < ${num(t.lt)}`);
  if (t.lte !== undefined) parts.push(`${v} <= ${num(t.lte)}`);
  return parts.length ? `(${parts.join(' && ')})` : 'true';
}

const scoreVar = (name: string) => (name === 'total' ? 'total' : `s_${name}`);

/**
 * Points of one rule, capped. An event rule gives nothing unless its count test holds (default
 * `gte: 1`); then its points per matching event (decayed when asked), or once (decayed by the
 * most recent matching event's age, in full when the count test allows none).
 */
function rulePoints(g: Generator, rule: Rule): string {
  const p = num(rule.points);
  let expr: string;
  if ('event' in rule.when) {
    const slot = g.slot(rule.when, rule.decay?.halfLifeDays);
    const c = `c${slot.id}`;
    const holds = numeric(c, rule.when.count ?? { gte: 1 });
    let given: string;
    if (!rule.decay) given = rule.once ? p : `${p} * ${c}`;
    else if (rule.once) {
      given = `(${c} > 0 ? ${p} * ${g.helper(decayWeight)}(l${slot.id}, nowMs, ${num(slot.halfLifeMs!)}) : ${p})`;
    } else given = `${p} * w${slot.id}`;
    expr = `(${holds} ? ${given} : 0)`;
  } else {
    expr = `(${g.condition(rule.when)} ? ${p} : 0)`;
  }
  if (rule.max === undefined) return expr;
  return `Math.${rule.points >= 0 ? 'min' : 'max'}(${expr}, ${num(rule.max)})`;
}

/**
 * True for `YYYY-MM-DDTHH:MM:SS.sssZ`, the shape `toISOString` and every connector emit. Such
 * strings sort in time order, so a time window compares them as text against the window's bounds
 * without parsing the date (inputs are checked to be dates where they enter: `contact-input.ts`).
 */
export function isCanonicalIso(s: string): boolean {
  return (
    s.length === 24 &&
    s.charCodeAt(23) === 90 /* Z */ &&
    s.charCodeAt(10) === 84 /* T */ &&
    s.charCodeAt(19) === 46 /* . */ &&
    s.charCodeAt(4) === 45 /* - */ &&
    s.charCodeAt(7) === 45 &&
    s.charCodeAt(13) === 58 /* : */ &&
    s.charCodeAt(16) === 58
  );
}

/** The variable holding a window's lower bound as ISO text; slots with the same window share it. */
const lowBound = (windowMs: number) => `loIso${String(windowMs).replace(/\W/g, '_')}`;

/** Bounds of every time window as canonical ISO text, rebuilt when `now` changes. */
function windowBounds(g: Generator): { state: string; refresh: string } {
  const windows = [...new Set(g.slots.flatMap((s) => (s.windowMs === undefined ? [] : [s.windowMs])))];
  if (!windows.length) return { state: '', refresh: '' };
  const lows = windows.map((w) => `nowMs - ${num(w)}`);
  return {
    state: `let nowKey = NaN, isoOk = false, nowIso = '';\n${windows.map((w) => `let ${lowBound(w)} = '';`).join('\n')}`,
    refresh: `if (nowMs !== nowKey) {
nowKey = nowMs;
isoOk = ${[`nowMs`, ...lows].map((v) => `Number.isInteger(${v}) && ${v} >= 0`).join(' && ')} && nowMs < 253402300800000;
nowIso = isoOk ? new Date(nowMs).toISOString() : '';
${windows.map((w, i) => `${lowBound(w)} = isoOk ? new Date(${lows[i]}).toISOString() : '';`).join('\n')}
}`,
  };
}

/** The loop over events: one `case` per event type the model names, each slot a local counter. */
function eventLoop(g: Generator): string {
  const byType = new Map<string, Slot[]>();
  for (const slot of g.slots) {
    for (const type of slot.types) {
      let list = byType.get(type);
      if (!list) byType.set(type, (list = []));
      list.push(slot);
    }
  }
  if (byType.size === 0) return '';
  const parse = g.helper(parseIsoMs);
  const decay = g.helper(decayWeight);
  const canonical = g.helper(isCanonicalIso);
  const empty = g.helper(Object.freeze({}));
  const cases: string[] = [];
  for (const [type, slots] of byType) {
    const lines: string[] = [];
    const whereIds = [...new Set(slots.flatMap((s) => s.where))];
    if (whereIds.length) lines.push(`const EP = e.properties ?? ${empty};`);
    for (const id of whereIds) {
      const w = g.wheres[id]!;
      lines.push(`const q${id} = ${w.helper}(EP[${str(w.prop)}]);`);
    }
    const timed = slots.some((s) => s.windowMs !== undefined || s.halfLifeMs !== undefined);
    if (timed) lines.push('let t = 0, tt = false, sc = -1;');
    for (const s of slots) {
      const tests = s.where.map((id) => `q${id}`);
      const body: string[] = [];
      const parsed = `if (!tt) { t = ${parse}(e.at); tt = true; }`;
      if (s.windowMs !== undefined) {
        body.push(`if (sc < 0) sc = isoOk && ${canonical}(e.at) ? 1 : 0;`);
        body.push(`let inside; if (sc === 1) inside = e.at >= ${lowBound(s.windowMs)} && e.at <= nowIso;`);
        body.push(`else { ${parsed} inside = t >= nowMs - ${num(s.windowMs)} && t <= nowMs; }`);
        body.push('if (inside) {');
      }
      body.push(`c${s.id}++;`);
      if (s.halfLifeMs !== undefined) {
        body.push(parsed);
        body.push(`w${s.id} += ${decay}(t, nowMs, ${num(s.halfLifeMs)});`);
        body.push(`if (t > l${s.id}) l${s.id} = t;`);
      }
      if (s.windowMs !== undefined) body.push('}');
      // Each slot in its own block: two windowed slots on one event type each declare \`inside\`.
      lines.push(tests.length ? `if (${tests.join(' && ')}) { ${body.join(' ')} }` : `{ ${body.join(' ')} }`);
    }
    cases.push(`case ${str(type)}: {\n${lines.join('\n')}\nbreak;\n}`);
  }
  return `const ev = contact.events;
for (let k = 0; k < ev.length; k++) {
const e = ev[k];
switch (e.type) {
${cases.join('\n')}
}
}`;
}

export function compileFastPath(model: ModelFile, stageIndex: Map<string, number>): FastQualify {
  const g = new Generator(model.conditions);
  const dims = model.dimensions;

  // Conditions first: they register the slots the event loop fills.
  const scoring = model.scoring.map((rule) => `s_${rule.dimension} += ${rulePoints(g, rule)};`);
  const requires = model.stages.map((s) => (s.requires ? g.condition(s.requires) : 'true'));
  const recycle = model.recycle.map((r) => ({
    to: stageIndex.get(r.to)!,
    from: r.from ? g.helper(new Set(r.from.map((f) => stageIndex.get(f)!))) : undefined,
    when: g.condition(r.when),
  }));
  const loop = eventLoop(g);
  const bounds = windowBounds(g);

  const declare = g.slots.flatMap((s) => [
    `let c${s.id} = 0;`,
    ...(s.halfLifeMs !== undefined ? [`let w${s.id} = 0, l${s.id} = -Infinity;`] : []),
  ]);
  // Rounded per dimension, then the total of the rounded parts, as the explained path reports them.
  const round = (v: string) => `${v} = Math.round(${v} * 100) / 100;`;
  const reached = requires
    .map((test, i) => ({ test, i }))
    .reverse()
    .map(({ test, i }) => (i === 0 ? `reached = 0;` : `if (${test}) reached = ${i}; else`))
    .join('\n');
  const recycling = recycle
    .map(
      (r, i) =>
        `if (by < 0 && final > ${r.to}${r.from ? ` && ${r.from}.has(cur === undefined ? final : cur)` : ''} && ${r.when}) { final = ${r.to}; by = ${i}; }`,
    )
    .join('\n');
  const stages = g.helper(stageIndex);

  const toNumberFn = g.helper(toNumber);
  const numbers = [...g.numbers].map(([prop, n]) => `const ${n} = ${toNumberFn}(P[${str(prop)}]);`);
  const source = `${bounds.state}
return function qualifyFast(contact, nowMs, box) {
${bounds.refresh}
const P = contact.properties;
const A = contact.account === undefined ? ${g.helper(Object.freeze({}))} : contact.account.scores;
${numbers.join('\n')}
${declare.join('\n')}
${loop}
${dims.map((d) => `let s_${d} = 0;`).join('\n')}
${scoring.join('\n')}
let total = 0;
${dims.map((d) => `${round(`s_${d}`)} total += s_${d};`).join('\n')}
${round('total')}
let reached;
${reached}
const cur = contact.stage === undefined ? undefined : ${stages}.get(contact.stage);
let final = cur === undefined || reached > cur ? reached : cur;
let by = -1;
${recycling}
box.final = final;
box.recycled = by >= 0 && cur !== undefined && cur > final;
return { ${dims.map((d) => `${d}: s_${d}`).join(', ')}, total };
};`;
  return g.compile(source);
}
