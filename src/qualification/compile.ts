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
import { modelReads } from './reads.ts';
import type { ModelFile } from './schema.ts';
import { DAY_MS, decayWeight, parseIsoMs } from './time.ts';
import { numberTest, round2 } from './values.ts';

type Rule = ModelFile['scoring'][number];

interface ExplainedRule {
  id: string;
  dimension: string;
  score: (ctx: EvalContext) => { points: number; count: number };
  /** The rule's condition in words; with `ctx`, what the contact has where that helps. */
  describe: (ctx?: EvalContext) => string;
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

function explainedRule(rule: Rule, named: ModelFile['conditions']): ExplainedRule {
  const cap = capper(rule);
  if ('event' in rule.when) {
    const matcher = compileEventMatcher(rule.when);
    const holds = numberTest(rule.when.count ?? { gte: 1 });
    const halfLifeMs = rule.decay ? rule.decay.halfLifeDays * DAY_MS : 0;
    // A count test gates the rule: the reason says which test held and on how many events, so a
    // "+10 for 3 page views" reads as such rather than as points for one page view.
    const countText = rule.when.count ? numericPredicate(rule.when.count).text : undefined;
    return {
      id: rule.id,
      dimension: rule.dimension,
      describe: (ctx) =>
        countText === undefined
          ? matcher.describe()
          : `${matcher.describe()}, count ${countText} (has ${ctx ? matcher.matching(ctx).length : '?'})`,
      score(ctx) {
        const events: ScoredEvent[] = matcher.matching(ctx);
        let weight = 0;
        let latest = -Infinity;
        for (const e of events) {
          if (rule.decay) weight += decayWeight(e.atMs, ctx.nowMs, halfLifeMs);
          if (e.atMs > latest) latest = e.atMs;
        }
        if (!holds(events.length)) return { points: 0, count: 0 };
        const points = cap(eventPoints(rule, events.length, weight, latest, ctx.nowMs));
        return { points, count: rule.once ? 1 : events.length };
      },
    };
  }
  const condition = compileCondition(rule.when, named);
  const given = cap(rule.points);
  return {
    id: rule.id,
    dimension: rule.dimension,
    describe: condition.describe,
    score: (ctx) => (condition.test(ctx) ? { points: given, count: 1 } : { points: 0, count: 0 }),
  };
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
  const rules = model.scoring.map((r) => explainedRule(r, named));
  const requirements: (CompiledCondition | undefined)[] = model.stages.map((s) =>
    s.requires ? compileCondition(s.requires, named) : undefined,
  );
  const recycle = model.recycle.map((r) => ({ id: r.id, when: compileCondition(r.when, named) }));

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

  function explain(
    contact: ContactInput,
    nowMs: number,
  ): Explanation & { final: number; scores: Record<string, number> } {
    const ctx = evalContext(contact, nowMs);
    const reasons: Reason[] = [];
    const raw: Record<string, number> = {};
    for (const d of dimensions) raw[d] = 0;
    for (const rule of rules) {
      const { points, count } = rule.score(ctx);
      if (points === 0) continue;
      raw[rule.dimension]! += points;
      const p = round2(points);
      reasons.push({
        code: 'points',
        rule: rule.id,
        dimension: rule.dimension,
        points: p,
        count,
        text: `${p > 0 ? '+' : ''}${p} ${rule.dimension}: ${rule.describe(ctx)}${count > 1 ? ` ×${count}` : ''}`,
      });
    }
    ctx.scores = totals(raw);
    const { final, reached, current, recycledBy } = decideStage(contact, ctx);
    if (contact.stage !== undefined && current === undefined) {
      reasons.push({
        code: 'unknown_stage',
        text: `current stage "${contact.stage}" is not in this model; ignored`,
      });
    }
    let recycledReason: Reason | undefined;
    if (recycledBy !== undefined) {
      const back = stages[final]!;
      recycledReason = {
        code: 'recycled',
        rule: recycle[recycledBy]!.id,
        stage: back.key,
        text: `recycled to ${back.label}: ${recycle[recycledBy]!.when.describe()}`,
      };
      reasons.push(recycledReason);
    } else if (current !== undefined && current > reached) {
      const held = stages[current]!;
      reasons.push({
        code: 'held',
        stage: held.key,
        text: `stays ${held.label}: stages never move back without a recycle rule`,
      });
    }
    const stage = stages[final]!;
    const met = requirements[final]?.explain(ctx) ?? [];
    for (const c of met) reasons.push(checkReason('requirement_met', stage.key, c));
    const next = stages[final + 1];
    const missing = next ? (requirements[final + 1]?.explain(ctx) ?? []).filter((c) => !c.met) : [];
    for (const c of missing) reasons.push(checkReason('requirement_missing', next!.key, c));
    return {
      reasons,
      summary: summarize(stage, met, next, missing, recycledReason),
      final,
      scores: ctx.scores,
    };
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
      dimensions,
      stages,
      handoffStage,
      businessHours,
      accountDimensions,
      eventTypes: [...modelReads(model).events.keys()],
      qualify,
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

function checkReason(code: 'requirement_met' | 'requirement_missing', stage: string, c: Check): Reason {
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
  stage: StageInfo,
  met: Check[],
  next: StageInfo | undefined,
  missing: Check[],
  recycled?: Reason,
): string {
  const why = recycled ? recycled.text : met.length ? met.map((c) => c.text).join('; ') : 'entry stage';
  const ahead =
    next && missing.length ? ` | ${next.label} needs ${missing.map((c) => c.text).join('; ')}` : '';
  return `${stage.label}: ${why}${ahead}`;
}
