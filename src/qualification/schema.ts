/**
 * The model file's language, as zod schemas. Conditions are checked by a small dispatcher on the
 * key that names their kind (`property`, `event`, `score`, `all`, `any`, `not`, `is`), because a
 * plain union would answer "invalid input" where an admin needs "unknown operator `equal`".
 */
import { z } from 'zod';

import {
  type BusinessHours,
  SLA_STATUSES,
  STAGE_OWNERS,
  type StageOwner,
  type StageSla,
  WEEKDAYS,
} from '../model.ts';
import { clockMinutes, isTimeZone } from '../sla/business-hours.ts';
import { LIMITS } from './limits.ts';
import { defaultLabel, MODEL_LOCALES, type ModelLocale } from './messages.ts';
import { regexProblem } from './regex.ts';
import { modelWarnings } from './warnings.ts';

export type Path = (string | number)[];
export interface SchemaProblem {
  path: Path;
  message: string;
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const orderValue = z.union([z.number(), z.string()]);

/** Operators on a value; a condition may combine several, all must hold. */
export const valueOperators = {
  equals: scalar,
  notEquals: scalar,
  in: z.array(scalar).min(1),
  notIn: z.array(scalar).min(1),
  contains: z.string(),
  startsWith: z.string(),
  endsWith: z.string(),
  matches: z.string(),
  exists: z.boolean(),
  gt: orderValue,
  gte: orderValue,
  lt: orderValue,
  lte: orderValue,
} as const;
export type ValueOperator = keyof typeof valueOperators;
export const VALUE_OPERATORS = Object.keys(valueOperators) as ValueOperator[];

const valueTestShape = z.strictObject(valueOperators).partial();
export type ValueTest = z.infer<typeof valueTestShape>;

const numericOperators = {
  gt: z.number(),
  gte: z.number(),
  lt: z.number(),
  lte: z.number(),
  equals: z.number(),
};
const numericTest = z.strictObject(numericOperators).partial();
export type NumericTest = z.infer<typeof numericTest>;

export type Condition =
  | ({ property: string } & ValueTest)
  | {
      event: string | string[];
      where?: Record<string, ValueTest>;
      withinDays?: number;
      count?: NumericTest;
    }
  | ({ score: string } & NumericTest)
  | ({ account: string } & NumericTest)
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { is: string };

const propertyCondition = z.strictObject({ property: z.string().min(1), ...valueTestShape.shape });
const eventCondition = z.strictObject({
  event: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  where: z.record(z.string(), valueTestShape).optional(),
  withinDays: z.number().positive().optional(),
  count: numericTest.optional(),
});
const scoreCondition = z.strictObject({ score: z.string().min(1), ...numericTest.shape });
/** A dimension of the contact's account (`accounts.dimensions`), computed before qualification. */
const accountCondition = z.strictObject({ account: z.string().min(1), ...numericTest.shape });

/** For the JSON Schema only: the same language as one recursive union editors understand. */
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    propertyCondition,
    eventCondition,
    scoreCondition,
    accountCondition,
    z.strictObject({ all: z.array(conditionSchema).min(1) }),
    z.strictObject({ any: z.array(conditionSchema).min(1) }),
    z.strictObject({ not: conditionSchema }),
    z.strictObject({ is: z.string().min(1) }),
  ]),
) as z.ZodType<Condition>;

const key = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'must be lower_snake_case: a letter, then letters, digits or _');

const stageSchema = z.strictObject({
  key,
  label: z.string().min(1).optional(),
  description: z.string().optional(),
  owner: z.enum(STAGE_OWNERS).optional(),
  handoff: z.boolean().optional(),
  requires: z.unknown().optional(),
  sla: z.unknown().optional(),
});

/** `24h`, `90m`, `2d`: a whole or decimal number and a unit. */
const DURATION = /^(\d+(?:\.\d+)?)\s*(m|h|d)$/;
const UNIT_MINUTES = { m: 1, h: 60, d: 1440 } as const;

const slaSchema = z.strictObject({
  within: z.string().regex(DURATION, 'a duration such as 24h, 90m or 2d'),
  businessHours: z.boolean().optional(),
  until: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
});

const businessHoursSchema = z.strictObject({
  timeZone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Paris or America/New_York'),
  days: z.array(z.enum(WEEKDAYS)).min(1).optional(),
  start: z.string().refine((v) => clockMinutes(v) !== undefined, 'a time of day HH:MM such as 09:00'),
  end: z.string().refine((v) => clockMinutes(v) !== undefined, 'a time of day HH:MM such as 17:00'),
  holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')).optional(),
});

const accountDimensionSchema = z.strictObject({
  key,
  /** Sum of the account's contacts' scores on this contact dimension (or `total`). */
  sum: z.string().min(1).optional(),
  /** Highest of the account's contacts' scores on this contact dimension (or `total`). */
  max: z.string().min(1).optional(),
  /** Points from the company's firmographics: property conditions on the account's fields. */
  fit: z
    .array(z.strictObject({ when: z.unknown(), points: z.number() }))
    .min(1)
    .optional(),
});

const accountsSchema = z.strictObject({
  dimensions: z
    .array(z.unknown())
    .min(1)
    .max(LIMITS.accountDimensions, `at most ${LIMITS.accountDimensions} account dimensions`),
});

const scoringRuleSchema = z.strictObject({
  id: z.string().min(1).optional(),
  dimension: z.string().min(1),
  when: z.unknown(),
  points: z.number(),
  once: z.boolean().optional(),
  max: z.number().optional(),
  decay: z.strictObject({ halfLifeDays: z.number().positive() }).optional(),
});

const recycleRuleSchema = z.strictObject({
  id: z.string().min(1).optional(),
  when: z.unknown(),
  to: z.string().min(1),
  from: z.array(z.string().min(1)).min(1).optional(),
});

export const modelFileSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  /** The published model this one follows (presets name their source). */
  source: z.string().min(1).optional(),
  /** Language of labels, explanations and the funnel; English when absent. */
  locale: z.enum(MODEL_LOCALES).optional(),
  /** ISO 4217 code forecasts are expressed in; USD when absent. */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code such as EUR or USD')
    .optional(),
  dimensions: z.array(key).min(1),
  /** Named conditions, reused with `{ is: NAME }` (ICP fit, BANT, exclusions). */
  conditions: z.record(key, z.unknown()).optional(),
  stages: z.array(stageSchema).min(1),
  scoring: z.array(scoringRuleSchema).default([]),
  recycle: z.array(recycleRuleSchema).default([]),
  businessHours: businessHoursSchema.optional(),
  accounts: z.strictObject({ dimensions: z.array(accountDimensionSchema).min(1) }).optional(),
});

export type ModelFileRaw = z.infer<typeof modelFileSchema>;

export interface ModelFile {
  name: string;
  description?: string;
  source?: string;
  locale?: ModelLocale;
  currency?: string;
  dimensions: string[];
  conditions: Record<string, Condition>;
  stages: {
    key: string;
    label: string;
    description?: string;
    owner: StageOwner;
    handoff: boolean;
    requires?: Condition;
    sla?: StageSla;
  }[];
  scoring: {
    id: string;
    dimension: string;
    when: Condition;
    points: number;
    once: boolean;
    max?: number;
    decay?: { halfLifeDays: number };
  }[];
  recycle: { id: string; when: Condition; to: string; from?: string[] }[];
  /** The workspace's working time for business-hour SLAs (absent: Monday–Friday 09:00–17:00 UTC). */
  businessHours?: BusinessHours;
  /** Dimensions of the company a contact belongs to, usable as `{ account: KEY, … }` in requirements. */
  accounts?: { dimensions: AccountDimension[] };
}

/** One account dimension: exactly one of `sum`, `max` or `fit`. */
export type AccountDimension =
  | { key: string; sum: string }
  | { key: string; max: string }
  | { key: string; fit: { when: Condition; points: number }[] };

const KIND_KEYS = ['property', 'event', 'score', 'account', 'all', 'any', 'not', 'is'] as const;

/** The raw value at a path, to turn a type error into a hint ("yes" → true). */
function valueAt(raw: unknown, path: Path): unknown {
  let v = raw;
  for (const step of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[step];
  }
  return v;
}

const YES = /^(yes|y|on|true)$/i;
const NO = /^(no|n|off|false)$/i;

function zodProblems(error: z.ZodError, base: Path, raw?: unknown): SchemaProblem[] {
  return error.issues.map((issue) => {
    const path = [...base, ...(issue.path as Path)];
    if (issue.code === 'unrecognized_keys') {
      return {
        path: [...path, issue.keys[0]!],
        message: `unknown key "${issue.keys.join('", "')}"`,
      };
    }
    const value = valueAt(raw, issue.path as Path);
    if (issue.code === 'invalid_type' && issue.expected === 'boolean' && typeof value === 'string') {
      const word = YES.test(value.trim()) ? 'true' : NO.test(value.trim()) ? 'false' : undefined;
      if (word) return { path, message: `${issue.message}: write ${word} (no quotes) instead of "${value}"` };
    }
    if (issue.code === 'invalid_type' && issue.expected === 'number' && typeof value === 'string') {
      const n = Number(value.trim());
      if (value.trim() !== '' && Number.isFinite(n)) {
        return { path, message: `${issue.message}: write ${n} without quotes` };
      }
    }
    return { path, message: issue.message };
  });
}

/** Validates one condition (recursively), collecting every problem with its path. */
export function parseCondition(
  raw: unknown,
  path: Path,
  problems: SchemaProblem[],
  depth = 0,
): Condition | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ path, message: `expected a condition object with one of: ${KIND_KEYS.join(', ')}` });
    return undefined;
  }
  if (depth >= LIMITS.nestingDepth) {
    problems.push({
      path,
      message: `conditions nest more than ${LIMITS.nestingDepth} levels deep; name the inner ones under "conditions"`,
    });
    return undefined;
  }
  const obj = raw as Record<string, unknown>;
  const kinds = KIND_KEYS.filter((k) => k in obj);
  if (kinds.length !== 1) {
    problems.push({
      path,
      message:
        kinds.length === 0
          ? `expected one of the keys ${KIND_KEYS.join(', ')}; got ${Object.keys(obj).join(', ') || 'an empty object'}`
          : `a condition has exactly one kind, got ${kinds.join(' and ')}: wrap them in { all: [...] }`,
    });
    return undefined;
  }
  const kind = kinds[0]!;
  const before = problems.length;
  const check = <T>(schema: z.ZodType<T>): T | undefined => {
    const r = schema.safeParse(obj);
    if (!r.success) problems.push(...zodProblems(r.error, path, obj));
    return r.success ? r.data : undefined;
  };
  switch (kind) {
    case 'property': {
      const c = check(propertyCondition);
      if (c && !VALUE_OPERATORS.some((op) => op in c)) {
        problems.push({
          path,
          message: `property condition needs an operator: ${VALUE_OPERATORS.join(', ')}`,
        });
      }
      if (c) checkRegexes(c, path, problems);
      return problems.length === before ? c : undefined;
    }
    case 'event': {
      const c = check(eventCondition);
      if (c?.where) {
        for (const [p, t] of Object.entries(c.where)) checkRegexes(t, [...path, 'where', p], problems);
      }
      return problems.length === before ? (c as Condition) : undefined;
    }
    case 'score': {
      const c = check(scoreCondition);
      if (c && !(['gt', 'gte', 'lt', 'lte', 'equals'] as const).some((op) => op in c)) {
        problems.push({ path, message: 'score condition needs an operator: gt, gte, lt, lte, equals' });
      }
      return problems.length === before ? c : undefined;
    }
    case 'account': {
      const c = check(accountCondition);
      if (c && !(['gt', 'gte', 'lt', 'lte', 'equals'] as const).some((op) => op in c)) {
        problems.push({ path, message: 'account condition needs an operator: gt, gte, lt, lte, equals' });
      }
      return problems.length === before ? c : undefined;
    }
    case 'all':
    case 'any': {
      const extra = Object.keys(obj).filter((k) => k !== kind);
      if (extra.length) {
        problems.push({ path: [...path, extra[0]!], message: `unknown key "${extra.join('", "')}"` });
      }
      const list = obj[kind];
      if (!Array.isArray(list) || list.length === 0) {
        problems.push({ path: [...path, kind], message: `"${kind}" takes a non-empty list of conditions` });
        return undefined;
      }
      // Partial results still go on to the reference checks, so one pass reports every problem.
      const children = list
        .map((c, i) => parseCondition(c, [...path, kind, i], problems, depth + 1))
        .filter((c) => c !== undefined);
      return { [kind]: children } as Condition;
    }
    case 'not': {
      const extra = Object.keys(obj).filter((k) => k !== 'not');
      if (extra.length) {
        problems.push({ path: [...path, extra[0]!], message: `unknown key "${extra.join('", "')}"` });
      }
      const child = parseCondition(obj.not, [...path, 'not'], problems, depth + 1);
      return child ? { not: child } : undefined;
    }
    case 'is': {
      const c = check(z.strictObject({ is: z.string().min(1) }));
      return c;
    }
  }
}

function checkRegexes(test: ValueTest, path: Path, problems: SchemaProblem[]): void {
  if (test.matches === undefined) return;
  const at = [...path, 'matches'];
  if (test.matches.length > LIMITS.regexLength) {
    problems.push({
      path: at,
      message: `regular expression of ${test.matches.length} characters; at most ${LIMITS.regexLength}`,
    });
    return;
  }
  const problem = regexProblem(test.matches);
  if (problem) problems.push({ path: at, message: problem });
}

const topSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  source: modelFileSchema.shape.source,
  locale: modelFileSchema.shape.locale,
  currency: modelFileSchema.shape.currency,
  dimensions: z.array(key).min(1),
  conditions: z
    .record(key, z.unknown())
    .refine((c) => Object.keys(c).length <= LIMITS.namedConditions, {
      message: `at most ${LIMITS.namedConditions} named conditions`,
    })
    .optional(),
  stages: z.array(z.unknown()).min(1).max(LIMITS.stages, `at most ${LIMITS.stages} stages`),
  scoring: z
    .array(z.unknown())
    .max(LIMITS.scoringRules, `at most ${LIMITS.scoringRules} scoring rules`)
    .default([]),
  recycle: z
    .array(z.unknown())
    .max(LIMITS.recycleRules, `at most ${LIMITS.recycleRules} recycle rules`)
    .default([]),
  businessHours: businessHoursSchema.optional(),
  accounts: z.unknown().optional(),
});

export interface ParsedModelFile {
  model?: ModelFile;
  problems: SchemaProblem[];
  warnings: SchemaProblem[];
}

/**
 * Every part is checked on its own, so one wrong type does not hide the problems elsewhere; a
 * part that failed is left out of the later checks rather than reported again under another name.
 */
export function parseModelFile(raw: unknown): ParsedModelFile {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      problems: [{ path: [], message: 'expected a mapping with name, dimensions, stages and scoring' }],
      warnings: [],
    };
  }
  const obj = raw as Record<string, unknown>;
  const top = topSchema.safeParse(obj);
  const problems: SchemaProblem[] = top.success ? [] : zodProblems(top.error, [], obj);
  const field = <K extends keyof typeof topSchema.shape>(name: K) => {
    const r = topSchema.shape[name].safeParse(obj[name]);
    return r.success ? (r.data as z.infer<(typeof topSchema.shape)[K]>) : undefined;
  };
  const dimensions = field('dimensions');
  const locale = field('locale');
  const rawStages = Array.isArray(obj.stages) ? (obj.stages as unknown[]).slice(0, LIMITS.stages) : [];
  const rawScoring = field('scoring') ?? [];
  const rawRecycle = field('recycle') ?? [];
  const rawConditions =
    obj.conditions && typeof obj.conditions === 'object' && !Array.isArray(obj.conditions)
      ? Object.entries(obj.conditions as Record<string, unknown>)
      : [];
  const declared = new Set(rawConditions.map(([name]) => name));

  const dims = new Set(dimensions ?? []);
  dimensions?.forEach((d, i) => {
    if (d === 'total') {
      problems.push({ path: ['dimensions', i], message: '"total" is built in: the sum of all dimensions' });
    } else if (dimensions.indexOf(d) !== i) {
      problems.push({ path: ['dimensions', i], message: `dimension "${d}" is listed twice` });
    }
  });

  const conditions: Record<string, Condition> = {};
  for (const [name, c] of rawConditions.slice(0, LIMITS.namedConditions)) {
    const parsed = parseCondition(c, ['conditions', name], problems);
    if (parsed) conditions[name] = parsed;
  }
  const requiresOf = (s: unknown, i: number): Condition | undefined => {
    const r = (s as { requires?: unknown } | null)?.requires;
    return r === undefined ? undefined : parseCondition(r, ['stages', i, 'requires'], problems);
  };
  const stageKeys: string[] = [];
  const allStageKeys = rawStages.flatMap((s) => {
    const k = (s as { key?: unknown } | null)?.key;
    return typeof k === 'string' ? [k] : [];
  });
  const stages = rawStages.map((s, i) => {
    const r = stageSchema.safeParse(s);
    if (!r.success) problems.push(...zodProblems(r.error, ['stages', i], s));
    const k = (s as { key?: unknown } | null)?.key;
    if (typeof k === 'string') {
      if (stageKeys.includes(k)) {
        problems.push({ path: ['stages', i, 'key'], message: `stage "${k}" is listed twice` });
      }
      stageKeys.push(k);
    }
    const requires = requiresOf(s, i);
    const rawSla = (s as { sla?: unknown } | null)?.sla;
    const sla =
      rawSla === undefined ? undefined : parseSla(rawSla, ['stages', i, 'sla'], allStageKeys, problems);
    if (!r.success) return undefined;
    return {
      key: r.data.key,
      label: r.data.label ?? defaultLabel(r.data.key, locale),
      ...(r.data.description !== undefined ? { description: r.data.description } : {}),
      owner: r.data.owner ?? ('marketing' as const),
      handoff: r.data.handoff ?? false,
      ...(requires ? { requires } : {}),
      ...(sla ? { sla } : {}),
    };
  });
  const accounts =
    obj.accounts === undefined ? undefined : parseAccounts(obj.accounts, dimensions ?? [], problems);
  const warnings: SchemaProblem[] = [];
  const scoring = rawScoring.map((raw, i) => {
    const { rule, when } = parseRule(scoringRuleSchema, raw, ['scoring', i], problems);
    if (!rule) return undefined;
    if (dimensions && !dims.has(rule.dimension)) {
      problems.push({
        path: ['scoring', i, 'dimension'],
        message: `unknown dimension "${rule.dimension}"; the model's dimensions are ${dimensions.join(', ')}`,
      });
    }
    if (rule.decay && when && !('event' in when)) {
      problems.push({
        path: ['scoring', i, 'decay'],
        message: 'decay applies to event rules only (points per event, by age)',
      });
    }
    if (rule.max !== undefined && (rule.points >= 0 ? rule.max < 0 : rule.max > 0)) {
      problems.push({
        path: ['scoring', i, 'max'],
        message: `max caps what the rule gives, so it has the sign of points (${rule.points})`,
      });
    }
    if (rule.once && when && !('event' in when)) {
      warnings.push({
        path: ['scoring', i, 'once'],
        message: '"once" changes nothing here: a rule on anything but { event: … } gives its points once',
      });
    }
    return {
      id: rule.id ?? `${rule.dimension} rule ${i + 1}`,
      dimension: rule.dimension,
      when: when as Condition,
      points: rule.points,
      once: rule.once ?? false,
      ...(rule.max !== undefined ? { max: rule.max } : {}),
      ...(rule.decay ? { decay: rule.decay } : {}),
    };
  });
  const stagesKnown = Array.isArray(obj.stages) && stageKeys.length === rawStages.length;
  const recycle = rawRecycle.map((raw, i) => {
    const { rule, when } = parseRule(recycleRuleSchema, raw, ['recycle', i], problems);
    if (!rule) return undefined;
    if (stagesKnown && !stageKeys.includes(rule.to)) {
      problems.push({ path: ['recycle', i, 'to'], message: unknownStage(rule.to, stageKeys) });
    }
    rule.from?.forEach((f, j) => {
      if (stagesKnown && !stageKeys.includes(f)) {
        problems.push({ path: ['recycle', i, 'from', j], message: unknownStage(f, stageKeys) });
      }
    });
    return {
      id: rule.id ?? `recycle to ${rule.to}`,
      when: when as Condition,
      to: rule.to,
      ...(rule.from ? { from: rule.from } : {}),
    };
  });
  checkReferences(
    {
      dimensions: dimensions ?? [],
      accountDimensions: accounts?.dimensions.map((d) => d.key) ?? [],
      conditions,
      declared,
      roots: [
        ...stages.map((s, i) => ({ c: s?.requires, path: ['stages', i, 'requires'], scores: true })),
        ...scoring.map((r, i) => ({ c: r?.when, path: ['scoring', i, 'when'], scores: false })),
        ...recycle.map((r, i) => ({ c: r?.when, path: ['recycle', i, 'when'], scores: true })),
      ],
      dimensionsKnown: dimensions !== undefined,
    },
    problems,
  );
  if (problems.length || !top.success) return { problems, warnings };
  const model: ModelFile = {
    name: top.data.name,
    ...(top.data.description !== undefined ? { description: top.data.description } : {}),
    // Absent fields stay absent so the version hash of existing models does not change.
    ...(top.data.source !== undefined ? { source: top.data.source } : {}),
    ...(top.data.locale !== undefined ? { locale: top.data.locale } : {}),
    ...(top.data.currency !== undefined ? { currency: top.data.currency } : {}),
    dimensions: top.data.dimensions,
    conditions,
    stages: stages as ModelFile['stages'],
    scoring: scoring as ModelFile['scoring'],
    recycle: recycle as ModelFile['recycle'],
    ...(top.data.businessHours
      ? {
          businessHours: {
            ...top.data.businessHours,
            days: top.data.businessHours.days ?? ['mon', 'tue', 'wed', 'thu', 'fri'],
            holidays: top.data.businessHours.holidays ?? [],
          },
        }
      : {}),
    ...(accounts ? { accounts } : {}),
  };
  return { model, problems, warnings: [...warnings, ...modelWarnings(model)] };
}

/** A rule's own fields and its `when`, each checked even when the other is wrong. */
function parseRule<T>(
  schema: z.ZodType<T>,
  raw: unknown,
  path: Path,
  problems: SchemaProblem[],
): { rule?: T; when?: Condition } {
  const r = schema.safeParse(raw);
  if (!r.success) problems.push(...zodProblems(r.error, path, raw));
  const rawWhen = (raw as { when?: unknown } | null)?.when;
  const when = rawWhen === undefined ? undefined : parseCondition(rawWhen, [...path, 'when'], problems);
  return { ...(r.success ? { rule: r.data } : {}), ...(when ? { when } : {}) };
}

/** A stage's SLA: a positive duration, hours when counted in business hours, known sales statuses. */
function parseSla(
  raw: unknown,
  path: Path,
  stageKeys: string[],
  problems: SchemaProblem[],
): StageSla | undefined {
  const r = slaSchema.safeParse(raw);
  if (!r.success) {
    problems.push(...zodProblems(r.error, path, raw));
    return undefined;
  }
  const before = problems.length;
  const [, amount, unit] = DURATION.exec(r.data.within)!;
  const minutes = Number(amount) * UNIT_MINUTES[unit as keyof typeof UNIT_MINUTES];
  const businessHours = r.data.businessHours ?? false;
  if (!(minutes >= 1)) {
    problems.push({ path: [...path, 'within'], message: 'an SLA gives at least 1 minute (e.g. 24h)' });
  }
  if (businessHours && unit === 'd') {
    problems.push({
      path: [...path, 'within'],
      message: `with businessHours, write hours (e.g. ${Number(amount) * 8}h for ${amount} days of 8 hours): a business day is as long as the workspace's opening hours`,
    });
  }
  const until = r.data.until === undefined ? [] : [r.data.until].flat();
  until.forEach((u, j) => {
    if ((SLA_STATUSES as readonly string[]).includes(u)) return;
    const at = Array.isArray(r.data.until) ? [...path, 'until', j] : [...path, 'until'];
    problems.push({
      path: at,
      message: stageKeys.includes(u)
        ? `"${u}" is a stage: leaving this stage always ends the SLA; until lists sales statuses (${SLA_STATUSES.join(', ')})`
        : `unknown sales status "${u}"; until lists sales statuses: ${SLA_STATUSES.join(', ')}`,
    });
  });
  if (problems.length > before) return undefined;
  return { within: r.data.within, withinMinutes: minutes, businessHours, until };
}

/** Account dimensions: each a sum or maximum of a contact dimension, or points from firmographics. */
function parseAccounts(
  raw: unknown,
  dimensions: string[],
  problems: SchemaProblem[],
): { dimensions: AccountDimension[] } | undefined {
  const r = accountsSchema.safeParse(raw);
  if (!r.success) {
    problems.push(...zodProblems(r.error, ['accounts'], raw));
    return undefined;
  }
  const before = problems.length;
  const contactDims = [...dimensions, 'total'];
  const keys: string[] = [];
  const out = r.data.dimensions.map((rawDim, i): AccountDimension | undefined => {
    const path: Path = ['accounts', 'dimensions', i];
    const d = accountDimensionSchema.safeParse(rawDim);
    if (!d.success) {
      problems.push(...zodProblems(d.error, path, rawDim));
      return undefined;
    }
    if (keys.includes(d.data.key)) {
      problems.push({ path: [...path, 'key'], message: `account dimension "${d.data.key}" is listed twice` });
    }
    keys.push(d.data.key);
    const kinds = (['sum', 'max', 'fit'] as const).filter((k) => d.data[k] !== undefined);
    if (kinds.length !== 1) {
      problems.push({
        path,
        message:
          kinds.length === 0
            ? 'an account dimension needs one of: sum (a contact dimension), max (a contact dimension), fit (rules on company fields)'
            : `an account dimension has exactly one of sum, max, fit; got ${kinds.join(' and ')}`,
      });
      return undefined;
    }
    const of = d.data.sum ?? d.data.max;
    if (of !== undefined) {
      if (dimensions.length && !contactDims.includes(of)) {
        problems.push({
          path: [...path, kinds[0]!],
          message: `unknown dimension "${of}"; contact dimensions are ${contactDims.join(', ')}`,
        });
      }
      return d.data.sum !== undefined ? { key: d.data.key, sum: of } : { key: d.data.key, max: of };
    }
    const fit = d.data.fit!.map((rule, j) => {
      const at: Path = [...path, 'fit', j, 'when'];
      const when = parseCondition(rule.when, at, problems);
      if (when && !onCompanyFields(when)) {
        problems.push({
          path: at,
          message: 'fit rules test company fields only: property conditions, combined with all, any, not',
        });
      }
      return { when: when!, points: rule.points };
    });
    return { key: d.data.key, fit };
  });
  return problems.length > before ? undefined : { dimensions: out as AccountDimension[] };
}

function onCompanyFields(c: Condition): boolean {
  if ('property' in c) return true;
  if ('all' in c) return c.all.every(onCompanyFields);
  if ('any' in c) return c.any.every(onCompanyFields);
  if ('not' in c) return onCompanyFields(c.not);
  return false;
}

function unknownStage(key: string, keys: string[]): string {
  return `unknown stage "${key}"; the model's stages are ${keys.join(', ')}`;
}

interface References {
  dimensions: string[];
  accountDimensions: string[];
  dimensionsKnown: boolean;
  conditions: Record<string, Condition>;
  /** Every name under `conditions`, valid or not: a reference to an invalid one is no new problem. */
  declared: Set<string>;
  roots: { c: Condition | undefined; path: Path; scores: boolean }[];
}

interface Reach {
  usesScore: boolean;
  /** How many named conditions deep, through `is`. */
  depth: number;
  /** Leaf conditions once every `is` is replaced by its condition. */
  size: number;
}

/**
 * Score dimensions, named conditions and their cycles, score conditions only where scores exist,
 * and the model's size with named conditions substituted. Each named condition is walked once
 * (memoised), so a long chain or a diamond of references costs linear time.
 */
function checkReferences(refs: References, problems: SchemaProblem[]): void {
  const dims = new Set([...refs.dimensions, 'total']);
  const reach = new Map<string, Reach>();
  const visiting: string[] = [];
  let tooDeep = false;
  const none: Reach = { usesScore: false, depth: 0, size: 0 };

  const named = (name: string, path: Path): Reach => {
    const known = reach.get(name);
    if (known) return known;
    const target = refs.conditions[name];
    if (!target) {
      if (!refs.declared.has(name)) {
        const names = [...refs.declared];
        const listed = names.length > 20 ? `${names.slice(0, 20).join(', ')}, …` : names.join(', ');
        problems.push({
          path: [...path, 'is'],
          message: `unknown condition "${name}"; ${names.length ? `named conditions are ${listed}` : 'the model names none under "conditions"'}`,
        });
      }
      return none;
    }
    if (visiting.includes(name)) {
      problems.push({
        path: [...path, 'is'],
        message: `condition "${name}" refers to itself (${[...visiting.slice(visiting.indexOf(name)), name].join(' → ')})`,
      });
      return none;
    }
    if (visiting.length >= LIMITS.namedDepth) {
      if (!tooDeep) {
        problems.push({
          path: [...path, 'is'],
          message: `named conditions refer to one another more than ${LIMITS.namedDepth} deep (${[...visiting, name].join(' → ')})`,
        });
      }
      tooDeep = true;
      return none;
    }
    visiting.push(name);
    const inner = walk(target, ['conditions', name], true);
    visiting.pop();
    const r = { usesScore: inner.usesScore, depth: inner.depth + 1, size: inner.size };
    reach.set(name, r);
    return r;
  };

  const walk = (c: Condition | undefined, path: Path, scoresAllowed: boolean): Reach => {
    if (!c) return none;
    if ('score' in c) {
      if (refs.dimensionsKnown && !dims.has(c.score)) {
        problems.push({
          path: [...path, 'score'],
          message: `unknown dimension "${c.score}"; scores are ${[...dims].join(', ')}`,
        });
      } else if (!scoresAllowed) {
        problems.push({
          path,
          message: 'score conditions belong in stage requirements and recycle rules, not in scoring rules',
        });
      }
      return { usesScore: true, depth: 0, size: 1 };
    }
    if ('account' in c) {
      if (!refs.accountDimensions.includes(c.account)) {
        problems.push({
          path: [...path, 'account'],
          message: refs.accountDimensions.length
            ? `unknown account dimension "${c.account}"; account dimensions are ${refs.accountDimensions.join(', ')}`
            : `unknown account dimension "${c.account}": the model defines none under accounts.dimensions`,
        });
      } else if (!scoresAllowed) {
        problems.push({
          path,
          message: 'account conditions belong in stage requirements and recycle rules, not in scoring rules',
        });
      }
      return { usesScore: true, depth: 0, size: 1 };
    }
    const list = 'all' in c ? c.all : 'any' in c ? c.any : 'not' in c ? [c.not] : undefined;
    if (list) {
      const kind = 'all' in c ? 'all' : 'any' in c ? 'any' : 'not';
      const parts = list.map((x, i) =>
        walk(x, kind === 'not' ? [...path, 'not'] : [...path, kind, i], scoresAllowed),
      );
      return {
        usesScore: parts.some((p) => p.usesScore),
        depth: Math.max(0, ...parts.map((p) => p.depth)),
        size: parts.reduce((n, p) => n + p.size, 0),
      };
    }
    if ('is' in c) {
      const r = named(c.is, path);
      if (r.usesScore && !scoresAllowed) {
        problems.push({
          path: [...path, 'is'],
          message: `condition "${c.is}" tests a score; score conditions belong in stage requirements and recycle rules, not in scoring rules`,
        });
      }
      return r;
    }
    return { usesScore: false, depth: 0, size: 1 };
  };

  for (const name of Object.keys(refs.conditions)) named(name, ['conditions', name]);
  let size = 0;
  for (const root of refs.roots) size += walk(root.c, root.path, root.scores).size;
  if (size > LIMITS.expandedConditions) {
    problems.push({
      path: [],
      message: `the model's conditions come to ${size} tests once named conditions are written out in full (at most ${LIMITS.expandedConditions}): name fewer, larger conditions or simplify`,
    });
  }
}

/** The model file's JSON Schema, for editor autocompletion (`leadstage rules schema`). */
export function modelJsonSchema(): unknown {
  const withConditions = modelFileSchema.extend({
    conditions: z.record(key, conditionSchema).optional(),
    stages: z
      .array(stageSchema.extend({ requires: conditionSchema.optional(), sla: slaSchema.optional() }))
      .min(1),
    scoring: z.array(scoringRuleSchema.extend({ when: conditionSchema })),
    recycle: z.array(recycleRuleSchema.extend({ when: conditionSchema })).optional(),
  });
  return z.toJSONSchema(withConditions, { target: 'draft-2020-12', io: 'input' });
}
