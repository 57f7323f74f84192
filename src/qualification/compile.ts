/**
 * Turns a validated model into a CompiledModel: scores per dimension, the stage, and the reasons
 * for both. Pure: the same contact, model and `now` always give the same decision.
 *
 * Two evaluators: the fast path (`fast-path.ts`, one generated function per model) decides scores
 * and stage; the explained path (`conditions.ts`) recomputes them with every reason, only when a
 * caller reads `reasons` or `summary`.
 */
import { createHash } from 'node:crypto';

import type {
  AccountDimensionSpec,
  CompiledModel,
  ContactInput,
  Decision,
  Properties,
  Reason,
  StageInfo,
} from '../model.ts';
import { DEFAULT_BUSINESS_HOURS } from '../sla/business-hours.ts';
import {
  compileCondition,
  compileEventMatcher,
  numericPredicate,
  type Check,
  type CompiledCondition,
  type EvalContext,
  type ScoredEvent,
} from './conditions.ts';
import { compileFastPath, type StageBox } from './fast-path.ts';
import { WORDS, type Words } from './messages.ts';
import { modelReads } from './reads.ts';
import type { ModelFile } from './schema.ts';
import { DAY_MS, decayWeight, parseIsoMs } from './time.ts';
import { numberTest, round2 } from './values.ts';

type Rule = ModelFile['scoring'][number];

interface ExplainedRule {
  id: string;
  dimension: string;
  /** Points, how many times they count, and how many events matched (a count rule's reason says it). */
  score: (ctx: EvalContext) => { points: number; count: number; matched: number };
  /** The rule's condition in words. */
  text: string;
  /** A count rule: its reason adds ` (has N)`, N the events that matched. */
  counted: boolean;
}

function capper(rule: Rule): (p: number) => number {
  const { max, points } = rule;
  if (max === undefined) return (p) => p;
  return points >= 0 ? (p) => Math.min(p, max) : (p) => Math.max(p, max);
}

/**
 * Points for `count` matching events once the rule's count test holds: per event (decayed when
 * asked), or once, decayed by the latest event's age (in full when the test allows no event).
 */
function eventPoints(rule: Rule, count: number, weight: number, latestMs: number, nowMs: number): number {
  if (!rule.decay) return rule.once ? rule.points : rule.points * count;
  if (rule.once) {
    return count === 0
      ? rule.points
      : rule.points * decayWeight(latestMs, nowMs, rule.decay.halfLifeDays * DAY_MS);
  }
  return rule.points * weight;
}

function explainedRule(rule: Rule, named: ModelFile['conditions'], w: Words): ExplainedRule {
  const cap = capper(rule);
  if ('event' in rule.when) {
    const matcher = compileEventMatcher(rule.when, w);
    const holds = numberTest(rule.when.count ?? { gte: 1 });
    const halfLifeMs = rule.decay ? rule.decay.halfLifeDays * DAY_MS : 0;
    // A count test gates the rule: the reason says which test held and on how many events, so a
    // "+10 for 3 page views" reads as such rather than as points for one page view.
    const counted = rule.when.count !== undefined;
    return {
      id: rule.id,
      dimension: rule.dimension,
      text: counted
        ? `${matcher.describe()}, ${w.count} ${numericPredicate(rule.when.count!, w).text}`
        : matcher.describe(),
      counted,
      score(ctx) {
        const events: ScoredEvent[] = matcher.matching(ctx);
        let weight = 0;
        let latest = -Infinity;
        for (const e of events) {
          if (rule.decay) weight += decayWeight(e.atMs, ctx.nowMs, halfLifeMs);
          if (e.atMs > latest) latest = e.atMs;
        }
        const matched = events.length;
        if (!holds(matched)) return { points: 0, count: 0, matched };
        const points = cap(eventPoints(rule, matched, weight, latest, ctx.nowMs));
        return { points, count: rule.once ? 1 : matched, matched };
      },
    };
  }
  const condition = compileCondition(rule.when, named, undefined, w);
  const given = cap(rule.points);
  return {
    id: rule.id,
    dimension: rule.dimension,
    text: condition.describe(),
    counted: false,
    score: (ctx) =>
      condition.test(ctx) ? { points: given, count: 1, matched: 0 } : { points: 0, count: 0, matched: 0 },
  };
}

/** A points reason's text: `+10 fit: jobtitle contains "vp"`, `+6 behavior: page_view ×3`. */
function pointsText(rule: ExplainedRule, p: number, count: number, matched: number, w: Words): string {
  const has = rule.counted ? ` (${w.has(String(matched))})` : '';
  return `${p > 0 ? '+' : ''}${p} ${rule.dimension}${w.colon} ${rule.text}${has}${count > 1 ? ` ×${count}` : ''}`;
}

export function modelVersion(model: ModelFile): string {
  return createHash('sha256').update(JSON.stringify(model)).digest('hex').slice(0, 12);
}

/** Groups events by type for the explained path. */
export function evalContext(contact: ContactInput, nowMs: number): EvalContext {
  const events = new Map<string, ScoredEvent[]>();
  for (const e of contact.events) {
    let list = events.get(e.type);
    if (!list) events.set(e.type, (list = []));
    list.push({ atMs: parseIsoMs(e.at), properties: e.properties ?? {} });
  }
  return {
    properties: contact.properties,
    events,
    nowMs,
    scores: {},
    account: contact.account?.scores ?? {},
  };
}

interface StageOutcome {
  final: number;
  reached: number;
  current: number | undefined;
  recycledBy: number | undefined;
}

export function compileModel(model: ModelFile): CompiledModel {
  return compileModelPaths(model).compiled;
}

/** The explained path's own decision, for tests that hold both paths to one reference. */
export type ExplainedQualify = (
  contact: ContactInput,
  now: Date,
) => { stage: string; scores: Record<string, number>; reasons: Reason[] };

export function compileModelPaths(model: ModelFile): {
  compiled: CompiledModel;
  explained: ExplainedQualify;
} {
  const named = model.conditions;
  const dimensions = model.dimensions;
  const locale = model.locale ?? 'en';
  const w = WORDS[locale];
  const stages: StageInfo[] = model.stages.map((s, index) => ({
    key: s.key,
    label: s.label,
    owner: s.owner,
    handoff: s.handoff,
    index,
    ...(s.sla ? { sla: s.sla } : {}),
  }));
  const stageIndex = new Map(stages.map((s) => [s.key, s.index]));
  const recycleTargets = model.recycle.map((r) => ({
    to: stageIndex.get(r.to)!,
    from: r.from ? new Set(r.from.map((f) => stageIndex.get(f)!)) : undefined,
  }));

  const qualifyFast = compileFastPath(model, stageIndex);
  const box: StageBox = { final: 0, recycled: false };

  // Explained path.
  const rules = model.scoring.map((r) => explainedRule(r, named, w));
  const requirements: (CompiledCondition | undefined)[] = model.stages.map((s) =>
    s.requires ? compileCondition(s.requires, named, undefined, w) : undefined,
  );
  const recycle = model.recycle.map((r) => ({
    id: r.id,
    when: compileCondition(r.when, named, undefined, w),
  }));

  /**
   * The highest stage that holds, never below the current one unless recycled. The generated fast
   * path (`fast-path.ts`) encodes the same rule; a test holds the two together.
   */
  function decideStage(contact: ContactInput, ctx: EvalContext): StageOutcome {
    const holds = (i: number) => requirements[i]?.test(ctx) ?? true;
    const recycleHolds = (r: number) => recycle[r]!.when.test(ctx);
    let reached = 0;
    for (let i = stages.length - 1; i >= 0; i--) {
      if (holds(i)) {
        reached = i;
        break;
      }
    }
    const current = contact.stage !== undefined ? stageIndex.get(contact.stage) : undefined;
    let final = Math.max(reached, current ?? 0);
    let recycledBy: number | undefined;
    for (let r = 0; r < recycleTargets.length; r++) {
      const { to, from } = recycleTargets[r]!;
      if (final <= to) continue;
      if (from && !from.has(current ?? final)) continue;
      if (!recycleHolds(r)) continue;
      final = to;
      recycledBy = r;
      break;
    }
    return { final, reached, current, recycledBy };
  }

  const version = modelVersion(model);
  const handoffStage = stages.find((s) => s.handoff)?.key ?? null;

  /**
   * The explained path: scores, stage and every reason, in order, into `sink`. What it returns is
   * what the summary is made of.
   */
  function explainInto(contact: ContactInput, nowMs: number, sink: ReasonSink) {
    const ctx = evalContext(contact, nowMs);
    const raw: Record<string, number> = {};
    for (const d of dimensions) raw[d] = 0;
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r]!;
      const { points, count, matched } = rule.score(ctx);
      if (points === 0) continue;
      raw[rule.dimension]! += points;
      sink.points(r, round2(points), count, matched);
    }
    ctx.scores = totals(raw);
    const { final, reached, current, recycledBy } = decideStage(contact, ctx);
    if (contact.stage !== undefined && current === undefined) {
      sink.add({
        code: 'unknown_stage',
        text: w.unknownStage(contact.stage),
      });
    }
    let recycledReason: Reason | undefined;
    if (recycledBy !== undefined) {
      const back = stages[final]!;
      recycledReason = {
        code: 'recycled',
        rule: recycle[recycledBy]!.id,
        stage: back.key,
        text: `${w.recycledTo(back.label)}${w.colon} ${recycle[recycledBy]!.when.describe()}`,
      };
      sink.add(recycledReason);
    } else if (current !== undefined && current > reached) {
      const held = stages[current]!;
      sink.add({
        code: 'held',
        stage: held.key,
        text: w.stays(held.label),
      });
    }
    const stage = stages[final]!;
    const met = requirements[final]?.explain(ctx) ?? [];
    for (const c of met) sink.check('requirement_met', stage.key, c);
    const next = stages[final + 1];
    const missing = next ? (requirements[final + 1]?.explain(ctx) ?? []).filter((c) => !c.met) : [];
    for (const c of missing) sink.check('requirement_missing', next!.key, c);
    return { final, scores: ctx.scores, stage, met, next, missing, recycledReason };
  }

  function explain(
    contact: ContactInput,
    nowMs: number,
  ): Explanation & { final: number; scores: Record<string, number> } {
    const sink = new ReasonList(rules, w);
    const e = explainInto(contact, nowMs, sink);
    return {
      reasons: sink.reasons,
      summary: summarize(w, e.stage, e.met, e.next, e.missing, e.recycledReason),
      final: e.final,
      scores: e.scores,
    };
  }

  const jsonRules = rules.map((r) => jsonParts(r, w));
  function reasonsJson(contact: ContactInput, now: Date): string {
    const sink = new ReasonJson(jsonRules);
    explainInto(contact, now.getTime(), sink);
    return sink.json();
  }

  function totals(raw: Record<string, number>): Record<string, number> {
    let total = 0;
    for (const d of dimensions) {
      raw[d] = round2(raw[d]!);
      total += raw[d];
    }
    raw.total = round2(total);
    return raw;
  }

  function qualify(contact: ContactInput, now: Date): Decision {
    const nowMs = now.getTime();
    const scores = qualifyFast(contact, nowMs, box);
    return new LazyDecision(contact, nowMs, stages[box.final]!.key, scores, box.recycled, version, explain);
  }

  const explained: ExplainedQualify = (contact, now) => {
    const e = explain(contact, now.getTime());
    return { stage: stages[e.final]!.key, scores: e.scores, reasons: e.reasons };
  };
  const businessHours = model.businessHours ?? DEFAULT_BUSINESS_HOURS;
  const accountDimensions = (model.accounts?.dimensions ?? []).map((d): AccountDimensionSpec => {
    if ('fit' in d) {
      return {
        key: d.key,
        fit: d.fit.map((r) => {
          const c = compileCondition(r.when, named);
          const holds = (company: Properties) =>
            c.test({ properties: company, events: new Map(), nowMs: 0, scores: {}, account: {} });
          return { points: r.points, holds };
        }),
      };
    }
    return d;
  });
  return {
    compiled: {
      name: model.name,
      version,
      locale,
      currency: model.currency ?? 'USD',
      dimensions,
      stages,
      handoffStage,
      businessHours,
      accountDimensions,
      eventTypes: [...modelReads(model).events.keys()],
      qualify,
      reasonsJson,
    },
    explained,
  };
}

/**
 * A decision whose reasons and summary are computed on first read: the pipeline and the bench
 * often need only the stage and scores. Serialises (toJSON) with everything.
 */
type Explanation = { reasons: Reason[]; summary: string };
type Explainer = (c: ContactInput, nowMs: number) => Explanation;

class LazyDecision implements Decision {
  readonly contactId: string;
  readonly previousStage?: string;
  readonly stage: string;
  readonly scores: Record<string, number>;
  readonly recycled: boolean;
  readonly modelVersion: string;
  private readonly contact: ContactInput;
  private readonly nowMs: number;
  private readonly explainer: Explainer;
  private explained: Explanation | undefined;

  constructor(
    contact: ContactInput,
    nowMs: number,
    stage: string,
    scores: Record<string, number>,
    recycled: boolean,
    modelVersion: string,
    explainer: Explainer,
  ) {
    this.contact = contact;
    this.nowMs = nowMs;
    this.stage = stage;
    this.scores = scores;
    this.recycled = recycled;
    this.modelVersion = modelVersion;
    this.explainer = explainer;
    this.contactId = contact.id;
    if (contact.stage !== undefined) this.previousStage = contact.stage;
  }

  get reasons(): Reason[] {
    return (this.explained ??= this.explainer(this.contact, this.nowMs)).reasons;
  }

  get summary(): string {
    return (this.explained ??= this.explainer(this.contact, this.nowMs)).summary;
  }

  toJSON(): Decision {
    return {
      contactId: this.contactId,
      stage: this.stage,
      ...(this.previousStage !== undefined ? { previousStage: this.previousStage } : {}),
      scores: this.scores,
      reasons: this.reasons,
      summary: this.summary,
      recycled: this.recycled,
      modelVersion: this.modelVersion,
    };
  }
}

type CheckCode = 'requirement_met' | 'requirement_missing';

/** Receives the explained path's reasons in order. */
interface ReasonSink {
  points(rule: number, points: number, count: number, matched: number): void;
  check(code: CheckCode, stage: string, c: Check): void;
  add(reason: Reason): void;
}

/** Reasons as objects, for a Decision. */
class ReasonList implements ReasonSink {
  readonly reasons: Reason[] = [];
  private readonly rules: ExplainedRule[];
  private readonly w: Words;
  constructor(rules: ExplainedRule[], w: Words) {
    this.rules = rules;
    this.w = w;
  }
  points(r: number, points: number, count: number, matched: number): void {
    const rule = this.rules[r]!;
    this.reasons.push({
      code: 'points',
      rule: rule.id,
      dimension: rule.dimension,
      points,
      count,
      text: pointsText(rule, points, count, matched, this.w),
    });
  }
  check(code: CheckCode, stage: string, c: Check): void {
    this.reasons.push(checkReason(code, stage, c));
  }
  add(reason: Reason): void {
    this.reasons.push(reason);
  }
}

/**
 * A rule's points reason as JSON text around its numbers: the parts that never change are
 * escaped once. Joining escaped parts is escaping the joined text because every joint has ASCII
 * on one side (JSON escapes character by character, except a surrogate pair split in two).
 */
interface RuleJson {
  /** `{"code":"points","rule":…,"dimension":…,"points":` */
  head: string;
  /** ` fit: jobtitle contains \"vp\"`, escaped, without quotes. */
  words: string;
  /** A count rule's ` (has N)`, escaped, N the events that matched; undefined for other rules. */
  has: ((matched: number) => string) | undefined;
}

const escaped = (s: string) => JSON.stringify(s).slice(1, -1);
/** What JSON.stringify escapes in a string: quote, backslash, control characters, surrogates. */
// eslint-disable-next-line no-control-regex -- control characters are what the test looks for
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
/** JSON.stringify(s), quicker on the usual text that needs no escape. */
const quote = (s: string) => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);
/** A number as JSON.stringify writes it. */
const jsonNumber = (n: number) => (Number.isFinite(n) ? String(n) : 'null');

function jsonParts(rule: ExplainedRule, w: Words): RuleJson {
  return {
    head: `{"code":"points","rule":${JSON.stringify(rule.id)},"dimension":${JSON.stringify(rule.dimension)},"points":`,
    words: escaped(` ${rule.dimension}${w.colon} ${rule.text}`),
    has: rule.counted ? (matched) => escaped(` (${w.has(String(matched))})`) : undefined,
  };
}

/**
 * Reasons as JSON text, byte for byte `JSON.stringify` of what ReasonList holds, without building
 * the objects: `leadstage score` writes every reason of millions of contacts. A test holds the
 * two sinks to the same text on random models and contacts.
 */
class ReasonJson implements ReasonSink {
  private text = '';
  private readonly rules: RuleJson[];
  constructor(rules: RuleJson[]) {
    this.rules = rules;
  }
  private next(item: string): void {
    this.text += this.text === '' ? `[${item}` : `,${item}`;
  }
  points(r: number, points: number, count: number, matched: number): void {
    const rule = this.rules[r]!;
    this.next(
      `${rule.head}${jsonNumber(points)},"count":${jsonNumber(count)},"text":"${points > 0 ? '+' : ''}${points}${rule.words}${
        rule.has ? rule.has(matched) : ''
      }${count > 1 ? ` ×${count}` : ''}"}`,
    );
  }
  check(code: CheckCode, stage: string, c: Check): void {
    const { have } = c;
    this.next(
      `{"code":"${code}","stage":${quote(stage)},"met":${c.met},"text":${quote(c.text)}${
        c.dimension ? `,"dimension":${quote(c.dimension)}` : ''
      }${have === undefined ? '' : `,"have":${typeof have === 'string' ? quote(have) : JSON.stringify(have)}`}${
        c.need !== undefined ? `,"need":${quote(c.need)}` : ''
      }}`,
    );
  }
  add(reason: Reason): void {
    this.next(JSON.stringify(reason));
  }
  json(): string {
    return this.text === '' ? '[]' : `${this.text}]`;
  }
}

function checkReason(code: CheckCode, stage: string, c: Check): Reason {
  return {
    code,
    stage,
    met: c.met,
    text: c.text,
    ...(c.dimension ? { dimension: c.dimension } : {}),
    ...(c.have !== undefined ? { have: c.have } : {}),
    ...(c.need !== undefined ? { need: c.need } : {}),
  };
}

function summarize(
  w: Words,
  stage: StageInfo,
  met: Check[],
  next: StageInfo | undefined,
  missing: Check[],
  recycled?: Reason,
): string {
  const why = recycled ? recycled.text : met.length ? met.map((c) => c.text).join('; ') : w.entryStage;
  const ahead =
    next && missing.length ? ` | ${next.label} ${w.needs} ${missing.map((c) => c.text).join('; ')}` : '';
  return `${stage.label}${w.colon} ${why}${ahead}`;
}
