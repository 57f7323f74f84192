/**
 * The property the engine must hold on every random model and contact: generated path, explained
 * path and the naive reference (test/reference/evaluate.ts) agree on the stage and every score,
 * the explained reasons' points add up to the scores, and the reasons written as JSON text
 * (`reasonsJson`, what `leadstage score` prints) are JSON.stringify of the reason objects.
 *
 * Tolerance: scores are rounded to 2 decimals by every evaluator, but a decayed rule may sum its
 * events in another order (points × Σ weights against Σ points × weight), which can move a sum
 * lying on a rounding edge by one unit: scores agree within 0.01. Reasons carry each rule's points
 * rounded to 2 decimals, so their sum may differ from the score by 0.005 per rule.
 */
import fc from 'fast-check';

import type { ContactInput } from '../../src/model.ts';
import { compileModelPaths } from '../../src/qualification/compile.ts';
import { parseModelText } from '../../src/qualification/parse.ts';
import { contactArb, modelArb, NOW } from './arbitraries.ts';
import { evaluate, type RefModel } from './evaluate.ts';

export const SCORE_TOLERANCE = 0.01 + 1e-9;

export function disagreement(
  model: RefModel & { name: string },
  contacts: ContactInput[],
): string | undefined {
  const file = parseModelText(JSON.stringify(model), 'random.yaml');
  const { compiled, explained } = compileModelPaths(file);
  for (const contact of contacts) {
    const fast = compiled.qualify(contact, NOW);
    const slow = explained(contact, NOW);
    const ref = evaluate(model, contact, NOW);
    const where = `contact ${JSON.stringify(contact)}`;
    if (fast.stage !== ref.stage) return `stage: generated ${fast.stage}, reference ${ref.stage}; ${where}`;
    if (slow.stage !== ref.stage) return `stage: explained ${slow.stage}, reference ${ref.stage}; ${where}`;
    const json = compiled.reasonsJson(contact, NOW);
    if (json !== JSON.stringify(slow.reasons)) {
      return `reasons as JSON text ${json}, not JSON.stringify(reasons) ${JSON.stringify(slow.reasons)}; ${where}`;
    }
    for (const d of [...model.dimensions, 'total']) {
      const want = ref.scores[d]!;
      for (const [path, have] of [
        ['generated', fast.scores[d]!],
        ['explained', slow.scores[d]!],
      ] as const) {
        if (!(Math.abs(have - want) <= SCORE_TOLERANCE)) {
          return `${d} score: ${path} ${have}, reference ${want}; ${where}`;
        }
      }
      if (d === 'total') continue;
      const reasons = slow.reasons.filter((r) => r.code === 'points' && r.dimension === d);
      const sum = reasons.reduce((n, r) => n + r.points!, 0);
      if (!(Math.abs(sum - fast.scores[d]!) <= 0.005 * (model.scoring?.length ?? 0) + 1e-9)) {
        return `${d}: reasons add up to ${sum}, score ${fast.scores[d]}; ${where}`;
      }
    }
  }
  return undefined;
}

/** Each run: one model against several contacts. */
export const CONTACTS_PER_MODEL = 8;

export const engineAgreesWithReference = fc.property(
  modelArb,
  fc.array(contactArb, { minLength: CONTACTS_PER_MODEL, maxLength: CONTACTS_PER_MODEL }),
  (model, contacts) => {
    const problem = disagreement(model, contacts);
    if (problem) throw new Error(problem);
  },
);
