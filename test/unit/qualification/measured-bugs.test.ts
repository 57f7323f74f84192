/**
 * The engine's measured failures, each with its expected value computed by hand from the README's
 * model reference.
 */
import { describe, expect, it } from 'vitest';

import type { ContactInput } from '../../../src/model.ts';
import { checkModelText } from '../../../src/qualification/parse.ts';
import { compileModelText } from '../../../src/qualification/index.ts';
import { contact, NOW, problems } from './helpers.ts';

/** One dimension, one rule, a gate stage at `score gte 1`: the rule's points in both paths. */
function pointsOf(rule: string, c: ContactInput): number {
  const m = compileModelText(
    `name: one-rule
dimensions: [d]
stages:
  - key: out
  - key: in
    handoff: true
    requires: { score: d, gt: 0 }
scoring:
  - ${rule}
`,
    'rule.yaml',
  );
  const d = m.qualify(c, NOW);
  const explained = d.reasons.filter((r) => r.code === 'points').reduce((n, r) => n + r.points!, 0);
  expect(explained).toBeCloseTo(d.scores.d!, 2);
  return d.scores.d!;
}

const opens = (n: number, ageDays = 1) =>
  contact(
    {},
    Array.from({ length: n }, () => ['email_open', ageDays] as [string, number]),
  );

describe('count in a scoring rule is a threshold on the matching events', () => {
  const fiveOpensOnce =
    '{ dimension: d, when: { event: email_open, count: { gte: 5 } }, points: 10, once: true }';
  it('gives nothing below the count, with once', () => {
    expect(pointsOf(fiveOpensOnce, opens(1))).toBe(0);
    expect(pointsOf(fiveOpensOnce, opens(4))).toBe(0);
  });
  it('gives the points once when the count holds, with once', () => {
    expect(pointsOf(fiveOpensOnce, opens(5))).toBe(10);
    expect(pointsOf(fiveOpensOnce, opens(9))).toBe(10);
  });
  it('gives the points per matching event once the count holds, without once', () => {
    const rule = '{ dimension: d, when: { event: email_open, count: { gte: 3 } }, points: 10 }';
    expect(pointsOf(rule, opens(2))).toBe(0);
    expect(pointsOf(rule, opens(3))).toBe(30);
    expect(pointsOf(rule, opens(4))).toBe(40);
  });
  it('counts only the events that pass where (2 visits to /pricing)', () => {
    const rule =
      '{ dimension: d, when: { event: page_view, where: { url: { contains: /pricing } }, count: { gte: 2 } }, points: 15, once: true }';
    const visits = (urls: string[]) =>
      contact(
        {},
        urls.map((url) => ['page_view', 1, { url }] as [string, number, { url: string }]),
      );
    expect(pointsOf(rule, visits(['/pricing', '/blog', '/about']))).toBe(0);
    expect(pointsOf(rule, visits(['/pricing', '/blog', '/pricing/enterprise']))).toBe(15);
  });
  it('says in the reason which count test held and on how many events', () => {
    const m = compileModelText(
      `name: reasons
dimensions: [d]
stages:
  - key: out
  - key: in
    handoff: true
    requires: { score: d, gt: 0 }
scoring:
  - { dimension: d, when: { event: email_open, count: { gte: 5 } }, points: 10, once: true }
  - { dimension: d, when: { event: email_open }, points: 1 }
`,
      'reasons.yaml',
    );
    const texts = m
      .qualify(opens(6), NOW)
      .reasons.filter((r) => r.code === 'points')
      .map((r) => r.text);
    expect(texts).toEqual(['+10 d: email_open, count ≥ 5 (has 6)', '+6 d: email_open ×6']);
  });
  it('caps with max after the count holds', () => {
    const rule = '{ dimension: d, when: { event: email_open, count: { gte: 2 } }, points: 10, max: 25 }';
    expect(pointsOf(rule, opens(1))).toBe(0);
    expect(pointsOf(rule, opens(2))).toBe(20);
    expect(pointsOf(rule, opens(6))).toBe(25);
  });
  it('decays each event once the count holds; with once, by the latest event', () => {
    const perEvent =
      '{ dimension: d, when: { event: email_open, count: { gte: 2 } }, points: 8, decay: { halfLifeDays: 10 } }';
    // Two opens 10 days old: 8 × 0.5 + 8 × 0.5.
    expect(pointsOf(perEvent, opens(2, 10))).toBe(8);
    expect(pointsOf(perEvent, opens(1, 10))).toBe(0);
    const once =
      '{ dimension: d, when: { event: email_open, count: { gte: 2 } }, points: 8, once: true, decay: { halfLifeDays: 10 } }';
    // Latest of (20 days, 10 days): 8 × 0.5.
    const c = contact({}, [
      ['email_open', 20],
      ['email_open', 10],
    ]);
    expect(pointsOf(once, c)).toBe(4);
  });
  it('a count test that allows no event gives once-rules their full points', () => {
    const rule =
      '{ dimension: d, when: { event: email_open, count: { lt: 1 } }, points: 7, once: true, decay: { halfLifeDays: 10 } }';
    expect(pointsOf(rule, opens(0))).toBe(7);
    expect(pointsOf(rule, opens(1))).toBe(0);
  });
});

describe('two time-windowed conditions on one event type', () => {
  it('compile and count separately (no duplicate identifier in generated code)', () => {
    const m = compileModelText(
      `name: windows
dimensions: [d]
stages:
  - key: out
  - key: in
    handoff: true
    requires: { event: page_view, withinDays: 7, count: { gte: 3 } }
scoring:
  - { dimension: d, when: { event: page_view, withinDays: 14 }, points: 1 }
`,
      'w.yaml',
    );
    const c = contact({}, [
      ['page_view', 1],
      ['page_view', 3],
      ['page_view', 10],
      ['page_view', 20],
    ]);
    const d = m.qualify(c, NOW);
    expect(d.scores.d).toBe(3);
    expect(d.stage).toBe('out');
    const more = contact({}, [
      ['page_view', 1],
      ['page_view', 2],
      ['page_view', 6],
    ]);
    expect(m.qualify(more, NOW).stage).toBe('in');
  });
});

const gateModel = (cond: string, extra = '') => `name: g
dimensions: [d]
${extra}stages:
  - key: out
  - key: in
    handoff: true
    requires: ${cond}
`;

describe('regular expressions run on RE2', () => {
  it('a catastrophic pattern answers at once (linear time)', () => {
    const m = compileModelText(gateModel("{ property: email, matches: '^(.+)+!$' }"), 'g.yaml');
    const evil = 'a'.repeat(5_000);
    expect(m.qualify(contact({ email: evil }), NOW).stage).toBe('out');
    expect(m.qualify(contact({ email: `${evil}!` }), NOW).stage).toBe('in');
  });
  it('matches case-insensitively, as documented', () => {
    const m = compileModelText(gateModel("{ property: email, matches: '@(gmail|yahoo)\\.' }"), 'g.yaml');
    expect(m.qualify(contact({ email: 'Ann@GMAIL.com' }), NOW).stage).toBe('in');
  });
  it('refuses backreferences and lookaround at their line and column', () => {
    const ps = problems(
      gateModel(
        "\n      all:\n        - { property: a, matches: '(x)\\1' }\n        - { property: b, matches: 'x(?=y)' }",
      ),
    );
    expect(ps.map((p) => [p.line, p.column, p.path])).toEqual([
      [9, 26, 'stages[1].requires.all[0].matches'],
      [10, 26, 'stages[1].requires.all[1].matches'],
    ]);
    expect(ps[0]!.message).toMatch(/backreferences/);
    expect(ps[1]!.message).toMatch(/lookahead/);
  });
  it('refuses a huge pattern with its length', () => {
    const ps = problems(gateModel(`{ property: a, matches: '${'x'.repeat(10_000)}' }`));
    expect(ps).toHaveLength(1);
    expect(ps[0]!.message).toMatch(/10000 characters; at most 1000/);
  });
});

describe('model size is bounded with clear errors', () => {
  it('5,000 stages', () => {
    const stages = Array.from({ length: 5_000 }, (_, i) => `  - { key: s${i} }`).join('\n');
    const ps = problems(`name: big\ndimensions: [d]\nstages:\n${stages}\n`);
    expect(ps.map((p) => [p.path, p.message])).toEqual([['stages', 'at most 100 stages']]);
  });
  it('2,000 chained named conditions', () => {
    const named = Array.from({ length: 2_000 }, (_, i) =>
      i === 1_999 ? `  c${i}: { property: x, exists: true }` : `  c${i}: { is: c${i + 1} }`,
    ).join('\n');
    const ps = problems(gateModel('{ is: c0 }', `conditions:\n${named}\n`));
    expect(ps.map((p) => p.message)).toEqual([
      'at most 1000 named conditions',
      expect.stringMatching(/more than 16 deep/),
    ]);
  });
  it('a diamond of named conditions that would expand beyond the bound', () => {
    const named = Array.from({ length: 11 }, (_, i) =>
      i === 10
        ? `  c${i}: { property: x, exists: true }`
        : `  c${i}: { any: [{ is: c${i + 1} }, { is: c${i + 1} }, { is: c${i + 1} }] }`,
    ).join('\n');
    const ps = problems(gateModel('{ is: c0 }', `conditions:\n${named}\n`));
    expect(ps.map((p) => p.message)).toEqual([expect.stringMatching(/come to 59049 tests/)]);
  });
  it('nesting deeper than 32 levels', () => {
    const deep = '{ not: '.repeat(40) + '{ property: x, exists: true }' + ' }'.repeat(40);
    const ps = problems(gateModel(deep));
    expect(ps.map((p) => p.message)).toEqual([expect.stringMatching(/more than 32 levels deep/)]);
  });
});

describe('rules check reports every problem once, and warnings', () => {
  it('a type error does not hide the other problems', () => {
    const ps = problems(`name: m
dimensions: [d]
stages:
  - key: a
    handoff: yes
  - key: b
    requires: { is: nope }
`);
    expect(ps.map((p) => [p.line, p.path])).toEqual([
      [5, 'stages[0].handoff'],
      [7, 'stages[1].requires.is'],
    ]);
    expect(ps[0]!.message).toMatch(/write true \(no quotes\) instead of "yes"/);
  });
  it('a bad regex in a named condition is not also an unknown condition', () => {
    const ps = problems(
      gateModel('{ is: free_mail }', "conditions:\n  free_mail: { property: email, matches: '(gmail' }\n"),
    );
    expect(ps.map((p) => p.path)).toEqual(['conditions.free_mail.matches']);
  });
  it('warns on a misspelt event type, a missing handoff stage, a stage never reached, a redundant once', () => {
    const {
      model,
      problems: ps,
      warnings,
    } = checkModelText(
      `name: w
dimensions: [d]
stages:
  - key: a
  - key: b
    requires: { score: d, gte: 50 }
scoring:
  - { dimension: d, when: { event: form_sumbit }, points: 10, once: true }
  - { dimension: d, when: { not: { event: email_bounce } }, points: 5, once: true }
`,
      'w.yaml',
    );
    expect(ps).toEqual([]);
    expect(model).toBeDefined();
    expect(warnings.map((w) => [w.line, w.path, w.message])).toEqual([
      [3, 'stages', 'no stage has handoff: true, so no contact is ever handed to the CRM'],
      [6, 'stages[1].requires', 'stage "b" can never be reached: d score can only be between 0 and 15'],
      [
        8,
        'scoring[0].when.event',
        expect.stringMatching(/no connector emits event type "form_sumbit"; did you mean "form_submit"\?/),
      ],
      [9, 'scoring[1].once', expect.stringMatching(/"once" changes nothing here/)],
    ]);
  });
});
