import { describe, expect, it } from 'vitest';

import { problems } from './helpers.ts';

const base = (stages: string, scoring = '[]', extra = '') => `name: m
dimensions: [fit, intent]
${extra}stages:
${stages}
scoring: ${scoring}
`;

describe('model file problems are located precisely', () => {
  it('reports YAML syntax errors with their line', () => {
    const [p] = problems('name: m\ndimensions: [fit\nstages: []\n');
    expect(p).toMatchObject({ file: 'm.yaml', line: 3 });
    expect(p!.message).toMatch(/^YAML:/);
  });

  it('reports an unknown key at the key, with its name', () => {
    const ps = problems(base('  - key: a\n  - key: b\n    requries: { score: fit, gte: 1 }'));
    expect(ps).toEqual([
      expect.objectContaining({
        line: 6,
        column: 5,
        path: 'stages[1].requries',
        message: 'unknown key "requries"',
      }),
    ]);
  });

  it('reports a wrong type with what was expected', () => {
    const ps = problems(
      base('  - key: a', '\n  - { dimension: fit, when: { property: x, exists: true }, points: ten }'),
    );
    expect(ps[0]).toMatchObject({ line: 6, path: 'scoring[0].points' });
    expect(ps[0]!.message).toMatch(/expected number/);
  });

  it('reports unknown dimensions in rules and in score conditions', () => {
    const ps = problems(
      base(
        '  - key: a\n  - key: b\n    requires: { score: intnet, gte: 5 }',
        '\n  - { dimension: fitt, when: { event: x }, points: 1 }',
      ),
    );
    expect(ps.map((p) => [p.line, p.path, p.message])).toEqual([
      [6, 'stages[1].requires.score', 'unknown dimension "intnet"; scores are fit, intent, total'],
      [8, 'scoring[0].dimension', 'unknown dimension "fitt"; the model\'s dimensions are fit, intent'],
    ]);
  });

  it('reports unknown stage keys in recycle rules', () => {
    const ps = problems(
      base('  - key: a\n  - key: b') +
        'recycle:\n  - { when: { property: x, exists: true }, to: nurture, from: [b, c] }\n',
    );
    expect(ps.map((p) => p.path)).toEqual(['recycle[0].to', 'recycle[0].from[1]']);
    expect(ps[0]!.line).toBe(8);
  });

  it('reports bad regular expressions and unknown operators inside nested conditions', () => {
    const ps = problems(
      base(
        "  - key: a\n    requires:\n      all:\n        - { property: t, matches: '(x' }\n        - { any: [{ property: t, equal: y }] }",
      ),
    );
    expect(ps.map((p) => [p.line, p.path])).toEqual([
      [7, 'stages[0].requires.all[0].matches'],
      [8, 'stages[0].requires.all[1].any[0].equal'],
    ]);
    expect(ps[0]!.message).toMatch(/bad regular expression/);
  });

  it('reports named conditions that are missing or refer to themselves', () => {
    const ps = problems(
      base(
        '  - key: a\n    requires: { is: icp }',
        '[]',
        'conditions:\n  icp: { all: [{ is: persona }] }\n  persona: { is: icp }\n  other: { is: nope }\n',
      ),
    );
    expect(ps.map((p) => p.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/refers to itself/),
        expect.stringMatching(/unknown condition "nope"/),
      ]),
    );
  });

  it('refuses score conditions inside scoring rules, and decay on property rules', () => {
    const ps = problems(
      base(
        '  - key: a',
        '\n  - { dimension: fit, when: { score: intent, gte: 1 }, points: 1 }\n  - { dimension: fit, when: { property: x, exists: true }, points: 1, decay: { halfLifeDays: 3 } }',
      ),
    );
    expect(ps.map((p) => p.path)).toEqual(['scoring[0].when', 'scoring[1].decay']);
  });

  it('reports a condition with two kinds or none', () => {
    const ps = problems(
      base('  - key: a\n    requires: { property: x, event: y, exists: true }\n  - key: b\n    requires: {}'),
    );
    expect(ps.map((p) => p.message)).toEqual([
      expect.stringMatching(/exactly one kind/),
      expect.stringMatching(/expected one of the keys/),
    ]);
  });
});
