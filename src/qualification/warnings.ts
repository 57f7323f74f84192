/**
 * What `rules check` warns about in a valid model: things that run but are very likely not what the
 * admin meant (an event type no connector emits, a stage nothing can reach, no handoff stage).
 * Warnings never stop a model; `rules check --strict` fails on them.
 */
import { EVENT_TYPES } from '../model.ts';
import type { Condition, ModelFile, NumericTest, Path, SchemaProblem } from './schema.ts';

export function modelWarnings(model: ModelFile): SchemaProblem[] {
  const warnings: SchemaProblem[] = [];
  eventTypeWarnings(model, warnings);
  if (!model.stages.some((s) => s.handoff)) {
    warnings.push({
      path: ['stages'],
      message: 'no stage has handoff: true, so no contact is ever handed to the CRM',
    });
  }
  const never = new Impossible(model);
  model.stages.forEach((s, i) => {
    const why = s.requires && never.why(s.requires);
    if (why) {
      warnings.push({
        path: ['stages', i, 'requires'],
        message: `stage "${s.key}" can never be reached: ${why}`,
      });
    }
  });
  return warnings;
}

function eventTypeWarnings(model: ModelFile, warnings: SchemaProblem[]): void {
  const known = new Set<string>(EVENT_TYPES);
  const visit = (c: Condition | undefined, path: Path): void => {
    if (!c) return;
    if ('event' in c) {
      const types = Array.isArray(c.event) ? c.event : [c.event];
      types.forEach((t, i) => {
        if (known.has(t)) return;
        const near = closest(t, EVENT_TYPES);
        warnings.push({
          path: Array.isArray(c.event) ? [...path, 'event', i] : [...path, 'event'],
          message: `no connector emits event type "${t}"${near ? `; did you mean "${near}"?` : ''} (they emit ${EVENT_TYPES.join(', ')})`,
        });
      });
    } else if ('all' in c) c.all.forEach((x, i) => visit(x, [...path, 'all', i]));
    else if ('any' in c) c.any.forEach((x, i) => visit(x, [...path, 'any', i]));
    else if ('not' in c) visit(c.not, [...path, 'not']);
  };
  for (const [name, c] of Object.entries(model.conditions)) visit(c, ['conditions', name]);
  model.stages.forEach((s, i) => visit(s.requires, ['stages', i, 'requires']));
  model.scoring.forEach((r, i) => visit(r.when, ['scoring', i, 'when']));
  model.recycle.forEach((r, i) => visit(r.when, ['recycle', i, 'when']));
}

/** The candidate within edit distance 2 (a typo), if any. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions counted as one edit ("sumbit" → "submit"). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Bounds a numeric test allows, as [low, high] with strictness; empty when they cross. */
function numericEmpty(t: NumericTest, range: [number, number] = [-Infinity, Infinity]): string | undefined {
  let [lo, hi] = range;
  let loStrict = false;
  let hiStrict = false;
  if (t.gt !== undefined && t.gt >= lo) [lo, loStrict] = [t.gt, true];
  if (t.gte !== undefined && t.gte > lo) [lo, loStrict] = [t.gte, false];
  if (t.lt !== undefined && t.lt <= hi) [hi, hiStrict] = [t.lt, true];
  if (t.lte !== undefined && t.lte < hi) [hi, hiStrict] = [t.lte, false];
  if (t.equals !== undefined) {
    const eq = t.equals;
    if (eq < lo || (eq === lo && loStrict) || eq > hi || (eq === hi && hiStrict)) {
      return `= ${eq} is out of range`;
    }
    return undefined;
  }
  if (lo > hi || (lo === hi && (loStrict || hiStrict))) return 'the bounds exclude every value';
  return undefined;
}

/** Conservative: says "never" only when no contact can satisfy the condition. */
class Impossible {
  private readonly model: ModelFile;
  private readonly ranges = new Map<string, [number, number]>();
  private readonly memo = new Map<string, string | undefined>();

  constructor(model: ModelFile) {
    this.model = model;
    let total: [number, number] = [0, 0];
    for (const d of model.dimensions) {
      const r: [number, number] = [0, 0];
      for (const rule of model.scoring.filter((x) => x.dimension === d)) {
        const bounded = rule.max !== undefined || rule.once || !('event' in rule.when);
        const reach = rule.max ?? rule.points;
        if (rule.points >= 0) r[1] += bounded ? reach : Infinity;
        else r[0] += bounded ? reach : -Infinity;
      }
      this.ranges.set(d, r);
      total = [total[0] + r[0], total[1] + r[1]];
    }
    this.ranges.set('total', total);
  }

  why(c: Condition): string | undefined {
    if ('account' in c) {
      const empty = numericEmpty(c, [-Infinity, Infinity]);
      return empty && `account ${c.account}: ${empty}`;
    }
    if ('score' in c) {
      const [lo, hi] = this.ranges.get(c.score) ?? [-Infinity, Infinity];
      const empty = numericEmpty(c, [lo - 0.005, hi + 0.005]);
      return empty && `${c.score} score can only be between ${lo} and ${hi}`;
    }
    if ('event' in c) {
      const empty = c.count && numericEmpty(c.count, [0, Infinity]);
      return empty && `its event count test: ${empty}`;
    }
    if ('property' in c) {
      const { gt, gte, lt, lte } = c;
      const numeric = Object.fromEntries(
        Object.entries({ gt, gte, lt, lte }).filter(([, v]) => typeof v === 'number'),
      ) as NumericTest;
      const empty = numericEmpty(numeric);
      return empty && `${c.property}: ${empty}`;
    }
    if ('all' in c) {
      for (const x of c.all) {
        const w = this.why(x);
        if (w) return w;
      }
      return undefined;
    }
    if ('any' in c) {
      const all = c.any.map((x) => this.why(x));
      return all.every(Boolean) ? all.join('; ') : undefined;
    }
    if ('not' in c) return undefined;
    if (!this.memo.has(c.is)) {
      this.memo.set(c.is, undefined);
      this.memo.set(c.is, this.why(this.model.conditions[c.is]!));
    }
    return this.memo.get(c.is);
  }
}
