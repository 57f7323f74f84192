/**
 * Conditions compiled once into closures: scoring a contact runs plain function calls, no lookups
 * in the model and no type dispatch on expected values.
 */
import type { Properties, PropertyValue } from '../model.ts';
import type { Condition, NumericTest, ValueTest } from './schema.ts';
import { WORDS, type Words } from './messages.ts';
import { regexTest } from './regex.ts';
import { DAY_MS } from './time.ts';
import {
  equalsTest,
  oneOfTest,
  escapeRegExp,
  formatValue,
  isMissing,
  numberTest,
  orderingTest,
  textTest,
  type Scalar,
} from './values.ts';

export interface ScoredEvent {
  atMs: number;
  properties: Properties;
}

/** One contact, prepared once for every rule: events grouped by type. */
export interface EvalContext {
  properties: Properties;
  events: Map<string, ScoredEvent[]>;
  nowMs: number;
  scores: Record<string, number>;
  /** The contact's account dimensions, computed before qualification (none: every one is 0). */
  account: Record<string, number>;
}

/** A requirement's outcome for explanations: the leaf facts with what the contact has. */
export interface Check {
  met: boolean;
  text: string;
  have?: PropertyValue;
  need?: string;
  dimension?: string;
}

export interface CompiledCondition {
  test: (ctx: EvalContext) => boolean;
  describe: () => string;
  explain: (ctx: EvalContext) => Check[];
}

export interface CompiledEventMatcher {
  types: string[];
  /** Events of the contact that match type, `where` and `withinDays`. */
  matching: (ctx: EvalContext) => ScoredEvent[];
  describe: () => string;
}

type ValuePredicate = (v: PropertyValue | undefined) => boolean;

const OP_WORDS: Record<string, string> = {
  equals: '=',
  notEquals: '≠',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
};

export function valuePredicate(
  test: ValueTest,
  w: Words = WORDS.en,
): { predicate: ValuePredicate; text: string } {
  const parts: ValuePredicate[] = [];
  const words: string[] = [];
  const add = (p: ValuePredicate, w: string) => {
    parts.push(p);
    words.push(w);
  };
  if (test.equals !== undefined) add(equalsTest(test.equals), `= ${fmt(test.equals)}`);
  if (test.notEquals !== undefined) {
    const eq = equalsTest(test.notEquals);
    add((v) => !eq(v), `≠ ${fmt(test.notEquals)}`);
  }
  if (test.in) {
    add(oneOfTest(test.in), `${w.in} [${test.in.map(fmt).join(', ')}]`);
  }
  if (test.notIn) {
    const oneOf = oneOfTest(test.notIn);
    add((v) => !oneOf(v), `${w.notIn} [${test.notIn.map(fmt).join(', ')}]`);
  }
  if (test.contains !== undefined) {
    add(textTest(escapeRegExp(test.contains)), `${w.contains} ${fmt(test.contains)}`);
  }
  if (test.startsWith !== undefined) {
    add(textTest(`^\\s*${escapeRegExp(test.startsWith)}`), `${w.startsWith} ${fmt(test.startsWith)}`);
  }
  if (test.endsWith !== undefined) {
    add(textTest(`${escapeRegExp(test.endsWith)}\\s*$`), `${w.endsWith} ${fmt(test.endsWith)}`);
  }
  if (test.matches !== undefined) {
    add(regexTest(test.matches), `${w.matches} /${test.matches}/`);
  }
  if (test.exists !== undefined) {
    const want = test.exists;
    add((v) => isMissing(v) !== want, want ? w.isSet : w.isEmpty);
  }
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
    const bound = test[op];
    if (bound !== undefined) add(orderingTest(op, bound), `${OP_WORDS[op]} ${bound}`);
  }
  const predicate: ValuePredicate = parts.length === 1 ? parts[0]! : (v) => parts.every((p) => p(v));
  return { predicate, text: words.join(` ${w.and} `) };
}

function fmt(v: Scalar): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

export function numericPredicate(
  test: NumericTest,
  w: Words = WORDS.en,
): { predicate: (n: number) => boolean; text: string } {
  const words = (['equals', 'gt', 'gte', 'lt', 'lte'] as const)
    .filter((op) => test[op] !== undefined)
    .map((op) => `${OP_WORDS[op]} ${test[op]}`);
  return { predicate: numberTest(test), text: words.join(` ${w.and} `) };
}

export function compileEventMatcher(
  c: Extract<Condition, { event: unknown }>,
  w: Words = WORDS.en,
): CompiledEventMatcher {
  const types = Array.isArray(c.event) ? c.event : [c.event];
  const where = Object.entries(c.where ?? {}).map(([prop, t]) => {
    const { predicate, text } = valuePredicate(t, w);
    return { prop, predicate, text: `${prop} ${text}` };
  });
  const windowMs = c.withinDays !== undefined ? c.withinDays * DAY_MS : undefined;
  const text = [
    types.join(` ${w.or} `),
    where.length ? `${w.where} ${where.map((x) => x.text).join(` ${w.and} `)}` : '',
    c.withinDays !== undefined ? w.inLastDays(c.withinDays) : '',
  ]
    .filter(Boolean)
    .join(' ');
  const filtered = where.length > 0 || windowMs !== undefined;
  // Same semantics as the fast path: only a time window looks at dates (and excludes the future).
  return {
    types,
    describe: () => text,
    matching(ctx) {
      const out: ScoredEvent[] = [];
      for (const type of types) {
        const list = ctx.events.get(type);
        if (!list) continue;
        if (!filtered) {
          if (types.length === 1) return list;
          out.push(...list);
          continue;
        }
        for (const e of list) {
          if (windowMs !== undefined && !(e.atMs >= ctx.nowMs - windowMs && e.atMs <= ctx.nowMs)) continue;
          if (where.every((w) => w.predicate(e.properties[w.prop]))) out.push(e);
        }
      }
      return out;
    },
  };
}

export function compileCondition(
  c: Condition,
  named: Record<string, Condition>,
  cache = new Map<string, CompiledCondition>(),
  w: Words = WORDS.en,
): CompiledCondition {
  if ('property' in c) {
    const { property } = c;
    const { predicate, text } = valuePredicate(c, w);
    const describe = () => `${property} ${text}`;
    return {
      test: (ctx) => predicate(ctx.properties[property]),
      describe,
      explain: (ctx) => {
        const have = ctx.properties[property];
        return [
          {
            met: predicate(have),
            // formatValue's own "nothing" test, so English reads exactly as before.
            text: `${describe()} (${w.has(have === undefined || have === null || have === '' ? w.nothing : formatValue(have))})`,
            have: have ?? null,
            need: text,
          },
        ];
      },
    };
  }
  if ('event' in c) {
    const matcher = compileEventMatcher(c, w);
    const count = numericPredicate(c.count ?? { gte: 1 }, w);
    const describe = () => `${matcher.describe()} ${c.count ? `${w.count} ${count.text}` : w.atLeastOnce}`;
    return {
      test: (ctx) => count.predicate(matcher.matching(ctx).length),
      describe,
      explain: (ctx) => {
        const n = matcher.matching(ctx).length;
        return [
          {
            met: count.predicate(n),
            text: `${describe()} (${w.has(String(n))})`,
            have: n,
            need: c.count ? count.text : '≥ 1',
          },
        ];
      },
    };
  }
  if ('score' in c) {
    const { score } = c;
    const { predicate, text } = numericPredicate(c, w);
    const describe = () => `${w.score(score)} ${text}`;
    return {
      test: (ctx) => predicate(ctx.scores[score] ?? 0),
      describe,
      explain: (ctx) => {
        const have = ctx.scores[score] ?? 0;
        return [
          {
            met: predicate(have),
            text: `${describe()} (${w.has(String(have))})`,
            have,
            need: text,
            dimension: score,
          },
        ];
      },
    };
  }
  if ('account' in c) {
    const { account } = c;
    const { predicate, text } = numericPredicate(c, w);
    const describe = () => `${w.account(account)} ${text}`;
    return {
      test: (ctx) => predicate(ctx.account[account] ?? 0),
      describe,
      explain: (ctx) => {
        const have = ctx.account[account] ?? 0;
        return [{ met: predicate(have), text: `${describe()} (${w.has(String(have))})`, have, need: text }];
      },
    };
  }
  if ('all' in c) {
    const parts = c.all.map((x) => compileCondition(x, named, cache, w));
    return {
      test: (ctx) => parts.every((p) => p.test(ctx)),
      describe: () => parts.map((p) => p.describe()).join(` ${w.and} `),
      explain: (ctx) => parts.flatMap((p) => p.explain(ctx)),
    };
  }
  if ('any' in c) {
    const parts = c.any.map((x) => compileCondition(x, named, cache, w));
    const describe = () => `${w.oneOf} ${parts.map((p) => p.describe()).join('; ')}`;
    return {
      test: (ctx) => parts.some((p) => p.test(ctx)),
      describe,
      explain: (ctx) => {
        const met = parts.filter((p) => p.test(ctx));
        return [
          { met: met.length > 0, text: met.length ? met.map((p) => p.describe()).join('; ') : describe() },
        ];
      },
    };
  }
  if ('not' in c) {
    const inner = compileCondition(c.not, named, cache, w);
    const describe = () => `${w.not} (${inner.describe()})`;
    return {
      test: (ctx) => !inner.test(ctx),
      describe,
      explain: (ctx) => [{ met: !inner.test(ctx), text: describe() }],
    };
  }
  const name = c.is;
  const hit = cache.get(name);
  if (hit) return hit;
  const target = compileCondition(named[name]!, named, cache, w);
  const compiled: CompiledCondition = {
    test: target.test,
    describe: () => name.replace(/_/g, ' '),
    explain: (ctx) => {
      const checks = target.explain(ctx);
      const met = target.test(ctx);
      return [
        {
          met,
          text: `${name.replace(/_/g, ' ')}${
            met
              ? ''
              : `: ${checks
                  .filter((x) => !x.met)
                  .map((x) => x.text)
                  .join('; ')}`
          }`,
        },
      ];
    },
  };
  cache.set(name, compiled);
  return compiled;
}
