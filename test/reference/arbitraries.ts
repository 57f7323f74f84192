/**
 * Random valid models and random contacts for the engine-vs-reference property: every condition
 * kind and operator, nesting, named conditions, where/withinDays/count, decay, once, max,
 * negative points, recycle with `from`, sales facts, and contacts with events on window
 * boundaries, string-typed numbers, missing and empty properties, non-canonical timestamps and
 * events in the future.
 */
import fc from 'fast-check';

import type { ContactInput } from '../../src/model.ts';
import type { RefModel, RefRule } from './evaluate.ts';

export const NOW = new Date('2026-11-10T12:00:00.000Z');
const DAY = 86_400_000;
type Cond = Record<string, unknown>;

const PROPS = [
  'industry',
  'employees',
  'email',
  'consent',
  'sales_status',
  'sales_amount',
  'sales_close_date',
];
const EVENT_TYPES = ['page_view', 'email_open', 'form_submit', 'meeting_booked'];
const WORDS = ['acme', 'ACME', 'Acme Corp', 'saas', 'gmail.com', 'disqualified', 'won', 'open', 'yes', 'no'];
const WINDOWS = [1, 7, 14, 30];
const DIMS = ['fit', 'intent'];
/** Account dimensions: the model declares them; contacts carry their values (computed beforehand). */
const ACCOUNT_DIMS = ['engagement', 'firmographic'];

const word = fc.constantFrom(...WORDS);
const int = fc.integer({ min: -5, max: 60 });
const isoBound = fc.constantFrom('2026-01-01', '2026-11-01T00:00:00Z', '2027-06-30');
/** Expected values of equals/in: numbers, booleans, text, number-like and boolean-like text. */
const scalar = fc.oneof(int, fc.boolean(), word, fc.constantFrom('5', '10', 'true', 'false', ' Acme '));
const fragment = fc.constantFrom('ac', 'cme', 'mail', 'sa', 'pricing', '/', 'e', '.com');
const REGEXES = ['^ac', 'cme$', '(gmail|yahoo)\\.', '\\d+', '^[a-z]+$', 'o.e', 'pric(e|ing)', 'a|b'];

function valueTest(): fc.Arbitrary<Cond> {
  const one = fc.oneof(
    scalar.map((v) => ({ equals: v })),
    scalar.map((v) => ({ notEquals: v })),
    fc.array(scalar, { minLength: 1, maxLength: 3 }).map((v) => ({ in: v })),
    fc.array(scalar, { minLength: 1, maxLength: 3 }).map((v) => ({ notIn: v })),
    fragment.map((v) => ({ contains: v })),
    fragment.map((v) => ({ startsWith: v })),
    fragment.map((v) => ({ endsWith: v })),
    fc.constantFrom(...REGEXES).map((v) => ({ matches: v })),
    fc.boolean().map((v) => ({ exists: v })),
    fc
      .tuple(fc.constantFrom('gt', 'gte', 'lt', 'lte'), fc.oneof(int, isoBound))
      .map(([op, v]) => ({ [op]: v })),
  );
  // Two operators sometimes: both must hold.
  return fc.array(one, { minLength: 1, maxLength: 2 }).map((ops) => Object.assign({}, ...ops) as Cond);
}

const numericTest = fc
  .array(fc.tuple(fc.constantFrom('gt', 'gte', 'lt', 'lte', 'equals'), fc.integer({ min: 0, max: 4 })), {
    minLength: 1,
    maxLength: 2,
  })
  .map((ops) => Object.fromEntries(ops) as Cond);

const eventCondition: fc.Arbitrary<Cond> = fc
  .record(
    {
      event: fc.oneof(
        fc.constantFrom(...EVENT_TYPES),
        fc.uniqueArray(fc.constantFrom(...EVENT_TYPES), { minLength: 1, maxLength: 2 }),
      ),
      where: fc.dictionary(fc.constantFrom('url', 'campaign'), valueTest(), { maxKeys: 1 }),
      withinDays: fc.constantFrom(...WINDOWS),
      count: numericTest,
    },
    { requiredKeys: ['event'] },
  )
  .map((c) => (c.where && Object.keys(c.where).length === 0 ? { ...c, where: undefined } : c))
  .map((c) => JSON.parse(JSON.stringify(c)) as Cond);

const propertyCondition = fc
  .tuple(fc.constantFrom(...PROPS), valueTest())
  .map(([property, t]) => ({ property, ...t }));

const scoreCondition = fc
  .tuple(fc.constantFrom(...DIMS, 'total'), numericTest)
  .map(([score, t]) => ({ score, ...t }));

const accountCondition = fc
  .tuple(fc.constantFrom(...ACCOUNT_DIMS), numericTest)
  .map(([account, t]) => ({ account, ...t }));

/** A condition tree; `names` are the named conditions it may refer to. */
function condition(names: string[], scores: boolean, depth = 2): fc.Arbitrary<Cond> {
  const leaves: fc.Arbitrary<Cond>[] = [propertyCondition, eventCondition];
  if (scores) leaves.push(scoreCondition, accountCondition);
  if (names.length) leaves.push(fc.constantFrom(...names).map((is) => ({ is })));
  const leaf = fc.oneof(...leaves);
  if (depth === 0) return leaf;
  const inner = condition(names, scores, depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(inner, { minLength: 1, maxLength: 3 }).map((all) => ({ all })) },
    { weight: 1, arbitrary: fc.array(inner, { minLength: 1, maxLength: 3 }).map((any) => ({ any })) },
    { weight: 1, arbitrary: inner.map((not) => ({ not })) },
  );
}

const points = fc.oneof(fc.integer({ min: -20, max: 30 }), fc.constantFrom(2.5, -7.25, 0.1));

function rule(names: string[]): fc.Arbitrary<RefRule> {
  const eventRule = fc.record(
    {
      dimension: fc.constantFrom(...DIMS),
      when: eventCondition,
      points,
      once: fc.boolean(),
      maxFactor: fc.integer({ min: 0, max: 4 }),
      decay: fc.constantFrom(3, 10, 30).map((halfLifeDays) => ({ halfLifeDays })),
    },
    { requiredKeys: ['dimension', 'when', 'points'] },
  );
  const otherRule = fc.record(
    {
      dimension: fc.constantFrom(...DIMS),
      when: condition(names, false, 1),
      points,
      maxFactor: fc.integer({ min: 0, max: 2 }),
    },
    { requiredKeys: ['dimension', 'when', 'points'] },
  );
  return fc.oneof(eventRule, otherRule).map(({ maxFactor, ...r }) => {
    // max has the sign of points (README); a factor of 0 means no max.
    const out = { ...r } as RefRule;
    if (maxFactor) out.max = r.points * maxFactor * 0.75;
    return out;
  });
}

export const modelArb: fc.Arbitrary<RefModel & { name: string }> = fc
  .integer({ min: 0, max: 2 })
  .chain((namedCount) => {
    const names = Array.from({ length: namedCount }, (_, i) => `named_${i}`);
    // A named condition refers only to later names, so there are no cycles; no scores inside, so
    // scoring rules may use them too.
    const named = fc.tuple(...names.map((_, i) => condition(names.slice(i + 1), false, 1)));
    return fc.record({
      conditions: named.map((cs) => Object.fromEntries(cs.map((c, i) => [names[i]!, c]))),
      stageRequires: fc.array(condition(names, true, 2), { minLength: 1, maxLength: 3 }),
      scoring: fc.array(rule(names), { maxLength: 6 }),
      recycle: fc.array(
        fc.record({
          when: condition(names, true, 1),
          to: fc.integer({ min: 0, max: 3 }),
          from: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 2 }), {
            nil: undefined,
          }),
        }),
        { maxLength: 2 },
      ),
    });
  })
  .map(({ conditions, stageRequires, scoring, recycle }) => {
    const keys = ['s0', ...stageRequires.map((_, i) => `s${i + 1}`)];
    const stage = (i: number) => keys[i % keys.length]!;
    return {
      name: 'random',
      dimensions: DIMS,
      conditions,
      stages: [{ key: 's0' }, ...stageRequires.map((requires, i) => ({ key: keys[i + 1]!, requires }))].map(
        (s, i) => (i === 1 ? { ...s, handoff: true } : s),
      ),
      scoring,
      accounts: {
        dimensions: [
          { key: ACCOUNT_DIMS[0]!, sum: DIMS[1]! },
          { key: ACCOUNT_DIMS[1]!, fit: [{ when: { property: 'industry', equals: 'saas' }, points: 10 }] },
        ],
      },
      recycle: recycle.map((r) => ({
        when: r.when,
        to: stage(r.to),
        ...(r.from ? { from: [...new Set(r.from.map(stage))] } : {}),
      })),
    };
  });

/** Property values as vendors send them: typed, text-typed, blank, absent. */
const propertyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constantFrom('', '   '),
  int,
  fc.constantFrom(2.5, 0, 1),
  fc.constantFrom(' 5 ', '10', '5.0', '-1e1', '1e999', '50'),
  fc.boolean(),
  fc.constantFrom('true', 'FALSE', 'yes', 'No'),
  word,
  fc.constantFrom(' acme ', 'ann@gmail.com', 'x@yahoo.com', '/pricing', 'Price list'),
  fc.constantFrom('2026-05-01', '2026-11-01T00:00:00Z', '2027-01-01T10:00:00+02:00', 1_780_000_000_000),
);

const timeFormat = fc.constantFrom('canonical', 'seconds', 'offset', 'date');
/** Event times: on and around window boundaries, in the future, in several spellings. */
const eventTime = fc
  .tuple(
    fc.oneof(
      fc
        .constantFrom(...WINDOWS)
        .chain((w) => fc.constantFrom(-w * DAY, -w * DAY - 1, -w * DAY + 1, -w * DAY - 1000)),
      fc.constantFrom(0, 1, -1, 1000, DAY, 3 * DAY),
      fc.integer({ min: -60 * DAY, max: 5 * DAY }),
    ),
    timeFormat,
  )
  .map(([offset, format]) => {
    const t = new Date(NOW.getTime() + offset);
    const iso = t.toISOString();
    if (format === 'seconds') return iso.slice(0, 19) + 'Z';
    if (format === 'offset') {
      const shifted = new Date(t.getTime() + 2 * 3_600_000).toISOString();
      return `${shifted.slice(0, 23)}+02:00`;
    }
    if (format === 'date') return iso.slice(0, 10);
    return iso;
  });

const eventArb = fc.record(
  {
    type: fc.constantFrom(...EVENT_TYPES, 'email_click'),
    at: eventTime,
    properties: fc.dictionary(fc.constantFrom('url', 'campaign'), propertyValue, { maxKeys: 2 }),
  },
  { requiredKeys: ['type', 'at'] },
);

export const contactArb: fc.Arbitrary<ContactInput> = fc
  .record(
    {
      properties: fc.dictionary(fc.constantFrom(...PROPS), propertyValue, { maxKeys: 5 }),
      events: fc.array(eventArb, { maxLength: 8 }),
      stage: fc.constantFrom('s0', 's1', 's2', 's3', 'unknown_stage'),
      account: fc.record(
        {
          id: fc.constantFrom('domain:acme.com', 'hubspot:company:7'),
          scores: fc.dictionary(fc.constantFrom(...ACCOUNT_DIMS), fc.constantFrom(0, 10, 49.99, 50, 120), {
            maxKeys: 2,
          }),
        },
        { requiredKeys: ['id', 'scores'] },
      ),
    },
    { requiredKeys: ['properties', 'events'] },
  )
  .map((c) => JSON.parse(JSON.stringify({ id: 'c1', ...c })) as ContactInput);
