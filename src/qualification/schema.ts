/**
 * The model file's language, as zod schemas. Conditions are checked by a small dispatcher on the
 * key that names their kind (`property`, `event`, `score`, `all`, `any`, `not`, `is`), because a
 * plain union would answer "invalid input" where an admin needs "unknown operator `equal`".
 */
import { z } from 'zod';

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

/** For the JSON Schema only: the same language as one recursive union editors understand. */
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    propertyCondition,
    eventCondition,
    scoreCondition,
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
  owner: z.enum(['marketing', 'sales']).optional(),
  handoff: z.boolean().optional(),
  requires: z.unknown().optional(),
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

export const MODEL_LOCALES = ['en', 'fr'] as const;
export type ModelLocale = (typeof MODEL_LOCALES)[number];

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
    owner: 'marketing' | 'sales';
    handoff: boolean;
    requires?: Condition;
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
}

const KIND_KEYS = ['property', 'event', 'score', 'all', 'any', 'not', 'is'] as const;

function zodProblems(error: z.ZodError, base: Path): SchemaProblem[] {
  return error.issues.map((issue) => {
    const path = [...base, ...(issue.path as Path)];
    if (issue.code === 'unrecognized_keys') {
      return {
        path: [...path, issue.keys[0]!],
        message: `unknown key "${issue.keys.join('", "')}"`,
      };
    }
    return { path, message: issue.message };
  });
}

/** Validates one condition (recursively), collecting every problem with its path. */
export function parseCondition(raw: unknown, path: Path, problems: SchemaProblem[]): Condition | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ path, message: `expected a condition object with one of: ${KIND_KEYS.join(', ')}` });
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
    if (!r.success) problems.push(...zodProblems(r.error, path));
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
        .map((c, i) => parseCondition(c, [...path, kind, i], problems))
        .filter((c) => c !== undefined);
      return { [kind]: children } as Condition;
    }
    case 'not': {
      const extra = Object.keys(obj).filter((k) => k !== 'not');
      if (extra.length) {
        problems.push({ path: [...path, extra[0]!], message: `unknown key "${extra.join('", "')}"` });
      }
      const child = parseCondition(obj.not, [...path, 'not'], problems);
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
  try {
    new RegExp(test.matches, 'i');
  } catch (err) {
    problems.push({
      path: [...path, 'matches'],
      message: `bad regular expression: ${(err as Error).message}`,
    });
  }
}

/** Structure first (zod), then every condition, then cross-references. */
export function parseModelFile(raw: unknown): { model?: ModelFile; problems: SchemaProblem[] } {
  const top = modelFileSchema.safeParse(raw);
  if (!top.success) return { problems: zodProblems(top.error, []) };
  const r = top.data;
  const problems: SchemaProblem[] = [];
  const dims = new Set(r.dimensions);
  if (dims.has('total')) {
    problems.push({
      path: ['dimensions', r.dimensions.indexOf('total')],
      message: '"total" is built in: the sum of all dimensions',
    });
  }
  r.dimensions.forEach((d, i) => {
    if (r.dimensions.indexOf(d) !== i) {
      problems.push({ path: ['dimensions', i], message: `dimension "${d}" is listed twice` });
    }
  });
  const stageKeys = r.stages.map((s) => s.key);
  r.stages.forEach((s, i) => {
    if (stageKeys.indexOf(s.key) !== i) {
      problems.push({ path: ['stages', i, 'key'], message: `stage "${s.key}" is listed twice` });
    }
  });

  const conditions: Record<string, Condition> = {};
  for (const [name, c] of Object.entries(r.conditions ?? {})) {
    const parsed = parseCondition(c, ['conditions', name], problems);
    if (parsed) conditions[name] = parsed;
  }
  const stages = r.stages.map((s, i) => ({
    key: s.key,
    label: s.label ?? titleCase(s.key),
    ...(s.description !== undefined ? { description: s.description } : {}),
    owner: s.owner ?? ('marketing' as const),
    handoff: s.handoff ?? false,
    ...(s.requires !== undefined
      ? { requires: parseCondition(s.requires, ['stages', i, 'requires'], problems) }
      : {}),
  }));
  const scoring = r.scoring.map((rule, i) => {
    const when = parseCondition(rule.when, ['scoring', i, 'when'], problems);
    if (!dims.has(rule.dimension)) {
      problems.push({
        path: ['scoring', i, 'dimension'],
        message: `unknown dimension "${rule.dimension}"; the model's dimensions are ${r.dimensions.join(', ')}`,
      });
    }
    if (rule.decay && when && !('event' in when)) {
      problems.push({
        path: ['scoring', i, 'decay'],
        message: 'decay applies to event rules only (points per event, by age)',
      });
    }
    if (rule.once && when && !('event' in when)) {
      problems.push({
        path: ['scoring', i, 'once'],
        message: '"once" applies to event rules; a property rule counts once already',
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
  const recycle = r.recycle.map((rule, i) => {
    if (!stageKeys.includes(rule.to)) {
      problems.push({ path: ['recycle', i, 'to'], message: unknownStage(rule.to, stageKeys) });
    }
    rule.from?.forEach((f, j) => {
      if (!stageKeys.includes(f)) {
        problems.push({ path: ['recycle', i, 'from', j], message: unknownStage(f, stageKeys) });
      }
    });
    return {
      id: rule.id ?? `recycle to ${rule.to}`,
      when: parseCondition(rule.when, ['recycle', i, 'when'], problems) as Condition,
      to: rule.to,
      ...(rule.from ? { from: rule.from } : {}),
    };
  });
  const model: ModelFile = {
    name: r.name,
    ...(r.description !== undefined ? { description: r.description } : {}),
    // Absent fields stay absent so the version hash of existing models does not change.
    ...(r.source !== undefined ? { source: r.source } : {}),
    ...(r.locale !== undefined ? { locale: r.locale } : {}),
    ...(r.currency !== undefined ? { currency: r.currency } : {}),
    dimensions: r.dimensions,
    conditions,
    stages: stages as ModelFile['stages'],
    scoring,
    recycle,
  };
  checkReferences(model, problems);
  return problems.length ? { problems } : { model, problems };
}

function unknownStage(key: string, keys: string[]): string {
  return `unknown stage "${key}"; the model's stages are ${keys.join(', ')}`;
}

function titleCase(key: string): string {
  return key.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

/** Score dimensions, named conditions and their cycles; score conditions only where scores exist. */
function checkReferences(model: ModelFile, problems: SchemaProblem[]): void {
  const dims = new Set([...model.dimensions, 'total']);
  const visit = (c: Condition | undefined, path: Path, scoresAllowed: boolean, seen: string[]): void => {
    if (!c) return;
    if ('score' in c) {
      if (!dims.has(c.score)) {
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
    } else if ('all' in c) c.all.forEach((x, i) => visit(x, [...path, 'all', i], scoresAllowed, seen));
    else if ('any' in c) c.any.forEach((x, i) => visit(x, [...path, 'any', i], scoresAllowed, seen));
    else if ('not' in c) visit(c.not, [...path, 'not'], scoresAllowed, seen);
    else if ('is' in c) {
      const target = model.conditions[c.is];
      if (!target) {
        const names = Object.keys(model.conditions);
        problems.push({
          path: [...path, 'is'],
          message: `unknown condition "${c.is}"; ${names.length ? `named conditions are ${names.join(', ')}` : 'the model names none under "conditions"'}`,
        });
      } else if (seen.includes(c.is)) {
        problems.push({
          path: [...path, 'is'],
          message: `condition "${c.is}" refers to itself (${[...seen, c.is].join(' → ')})`,
        });
      } else {
        visit(target, ['conditions', c.is], scoresAllowed, [...seen, c.is]);
      }
    }
  };
  for (const [name, c] of Object.entries(model.conditions)) visit(c, ['conditions', name], true, [name]);
  model.stages.forEach((s, i) => visit(s.requires, ['stages', i, 'requires'], true, []));
  model.scoring.forEach((r, i) => visit(r.when, ['scoring', i, 'when'], false, []));
  model.recycle.forEach((r, i) => visit(r.when, ['recycle', i, 'when'], true, []));
}

/** The model file's JSON Schema, for editor autocompletion (`leadstage rules schema`). */
export function modelJsonSchema(): unknown {
  const withConditions = modelFileSchema.extend({
    conditions: z.record(key, conditionSchema).optional(),
    stages: z.array(stageSchema.extend({ requires: conditionSchema.optional() })).min(1),
    scoring: z.array(scoringRuleSchema.extend({ when: conditionSchema })),
    recycle: z.array(recycleRuleSchema.extend({ when: conditionSchema })).optional(),
  });
  return z.toJSONSchema(withConditions, { target: 'draft-2020-12', io: 'input' });
}
