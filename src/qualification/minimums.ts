/**
 * The score a stage's requirement asks of each dimension, read from the model file rather than from
 * a decision: the engine reports only the requirements a contact misses, so a page that draws every
 * dimension against the next stage's bar needs the minimums the contact already meets as well.
 */
import type { Condition, ModelFile } from './schema.ts';

export interface ScoreMinimum {
  /** `gt`: the score must exceed `value`; `gte`: reach it. */
  op: 'gt' | 'gte';
  value: number;
}

/** The stricter of two minimums on one dimension (`> 40` is stricter than `≥ 40`). */
function stricter(a: ScoreMinimum | undefined, b: ScoreMinimum): ScoreMinimum {
  if (!a || b.value > a.value) return b;
  if (b.value === a.value && b.op === 'gt') return b;
  return a;
}

/**
 * Minimum per dimension (and `total`) from the `{ score: DIM, gte|gt: N }` leaves that every contact in
 * `stageKey` must satisfy: leaves reached through `all` and named conditions (`is`) count, the
 * strictest one winning when a dimension is named twice. Leaves under `any` do not: one branch may be
 * met without the others, so none of their numbers is a minimum the stage imposes. Leaves under `not`
 * do not either: a negated `gte` is a ceiling, not a floor. `equals`, `lt` and `lte` name no minimum.
 * An unknown stage or one without `requires` yields no minimums.
 */
export function stageMinimums(model: ModelFile, stageKey: string): Record<string, ScoreMinimum> {
  const stage = model.stages.find((s) => s.key === stageKey);
  const found: Record<string, ScoreMinimum> = {};
  // The parser rejects cyclic named conditions; the set still keeps a hand-built model from looping.
  const visit = (c: Condition, names: ReadonlySet<string>): void => {
    if ('score' in c) {
      if (c.gte !== undefined) found[c.score] = stricter(found[c.score], { op: 'gte', value: c.gte });
      if (c.gt !== undefined) found[c.score] = stricter(found[c.score], { op: 'gt', value: c.gt });
    } else if ('all' in c) {
      for (const child of c.all) visit(child, names);
    } else if ('is' in c) {
      const named = model.conditions[c.is];
      if (named && !names.has(c.is)) visit(named, new Set([...names, c.is]));
    }
  };
  if (stage?.requires) visit(stage.requires, new Set());
  return found;
}

/** How a page writes a minimum: `≥ 40`, `> 40`, as the engine's own reasons do. */
export const minimumText = (m: ScoreMinimum): string => `${m.op === 'gt' ? '>' : '≥'} ${m.value}`;
