import type { ContactInput } from '../../../src/model.ts';
import { compileModelText, ModelError, type ModelProblem } from '../../../src/qualification/index.ts';

export const NOW = new Date('2026-11-10T00:00:00Z');

export function daysAgo(n: number): string {
  return new Date(NOW.getTime() - n * 86_400_000).toISOString();
}

export function contact(
  properties: ContactInput['properties'],
  events: [type: string, ageDays: number, props?: ContactInput['properties']][] = [],
  stage?: string,
): ContactInput {
  return {
    id: 'c',
    properties,
    events: events.map(([type, age, props]) => ({
      type,
      at: daysAgo(age),
      ...(props ? { properties: props } : {}),
    })),
    ...(stage ? { stage } : {}),
  };
}

/** A one-stage-gate model around a single condition, to test the condition language alone. */
export function gate(condition: string) {
  return compileModelText(
    `name: gate
dimensions: [d]
stages:
  - key: out
  - key: in
    requires: ${condition}
scoring: []
`,
    'gate.yaml',
  );
}

/** Whether the gate opens, asserting that the generated fast path and the explained path agree. */
export function passes(condition: string, c: ContactInput, now = NOW): boolean {
  const d = gate(condition).qualify(c, now);
  const explained = d.summary.startsWith('In: ') ? 'in' : 'out';
  if (explained !== d.stage) throw new Error(`fast path: ${d.stage}; explained path: ${d.summary}`);
  return d.stage === 'in';
}

/** The problems a model text is refused for; fails when it is accepted. */
export function problems(text: string): ModelProblem[] {
  try {
    compileModelText(text, 'm.yaml');
  } catch (err) {
    if (err instanceof ModelError) return err.problems;
    throw err;
  }
  throw new Error('expected the model to be refused');
}
