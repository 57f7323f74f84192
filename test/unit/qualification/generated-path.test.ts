import { describe, expect, it } from 'vitest';

import type { ContactInput } from '../../../src/model.ts';
import { isCanonicalIso } from '../../../src/qualification/fast-path.ts';
import { compileModelText } from '../../../src/qualification/index.ts';
import { NOW, passes } from './helpers.ts';

const DAY = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString();

function scored(rules: string, events: ContactInput['events'], now = NOW, properties = {}) {
  const model = compileModelText(
    `name: t\ndimensions: [d]\nstages: [{ key: only }]\nscoring:\n${rules}\n`,
    't.yaml',
  );
  const d = model.qualify({ id: 'c', properties, events }, now);
  const explained = d.reasons.filter((r) => r.code === 'points').reduce((s, r) => s + r.points!, 0);
  expect(d.scores.d, 'fast path against explained path').toBeCloseTo(explained, 2);
  return d.scores.d!;
}

describe('time windows in the generated path', () => {
  const rule = '  - { dimension: d, when: { event: email_open, withinDays: 7 }, points: 1 }';
  const open = (iso: string) => [{ type: 'email_open', at: iso }];

  it.each([
    ['canonical, inside', at(NOW.getTime() - 6 * DAY), 1],
    ['canonical, just outside', at(NOW.getTime() - 7 * DAY - 1), 0],
    ['canonical, on the boundary', at(NOW.getTime() - 7 * DAY), 1],
    ['canonical, in the future', at(NOW.getTime() + 1000), 0],
    ['offset form, inside', '2026-11-04T02:00:00+02:00', 1],
    ['offset form, outside', '2026-11-03T01:59:59+02:00', 0],
    ['no milliseconds, inside', '2026-11-04T00:00:00Z', 1],
    ['date only, outside', '2026-11-01', 0],
  ])('%s (%s) → %s point', (_name, iso, points) => {
    expect(scored(rule, open(iso))).toBe(points);
  });

  it('follows `now` when the same compiled model scores at another time', () => {
    const model = compileModelText(
      `name: t\ndimensions: [d]\nstages: [{ key: only }]\nscoring:\n${rule}\n`,
      't.yaml',
    );
    const c: ContactInput = { id: 'c', properties: {}, events: open(at(NOW.getTime() - 6 * DAY)) };
    expect(model.qualify(c, NOW).scores.d).toBe(1);
    expect(model.qualify(c, new Date(NOW.getTime() + 2 * DAY)).scores.d).toBe(0);
    expect(model.qualify(c, new Date(NOW.getTime() - 7 * DAY)).scores.d).toBe(0);
    expect(model.qualify(c, NOW).scores.d).toBe(1);
  });

  it('windows reached through stage requirements use the same bounds', () => {
    const ev = open(at(NOW.getTime() - 3 * DAY));
    const c: ContactInput = { id: 'c', properties: {}, events: ev };
    expect(passes('{ event: email_open, withinDays: 5 }', c)).toBe(true);
    expect(passes('{ event: email_open, withinDays: 2 }', c)).toBe(false);
    expect(passes('{ event: email_open, withinDays: 0.5 }', c, new Date(NOW.getTime() - 2.75 * DAY))).toBe(
      true,
    );
  });
});

describe('decay in the generated path', () => {
  const ev = (days: number[]) => days.map((d) => ({ type: 'form_submit', at: at(NOW.getTime() - d * DAY) }));

  it('halves points per half-life, per event', () => {
    const rule =
      '  - { dimension: d, when: { event: form_submit }, points: 10, decay: { halfLifeDays: 10 } }';
    expect(scored(rule, ev([10, 20]))).toBe(7.5);
    expect(scored(rule, ev([0]))).toBe(10);
  });

  it('decays a once rule from the latest event, capped by max', () => {
    const once =
      '  - { dimension: d, when: { event: form_submit }, points: 10, once: true, decay: { halfLifeDays: 10 } }';
    expect(scored(once, ev([30, 10]))).toBe(5);
    const capped =
      '  - { dimension: d, when: { event: form_submit }, points: 10, max: 12, decay: { halfLifeDays: 10 } }';
    expect(scored(capped, ev([0, 0, 10]))).toBe(12);
  });

  it('ignores events that cannot be dated, and counts future ones fully', () => {
    const rule = '  - { dimension: d, when: { event: form_submit }, points: 8, decay: { halfLifeDays: 1 } }';
    expect(
      scored(rule, [
        { type: 'form_submit', at: 'not a date' },
        { type: 'form_submit', at: at(NOW.getTime() + DAY) },
      ]),
    ).toBe(8);
  });
});

describe('model text never becomes code', () => {
  it('property names, event types and values with quotes and brackets are only data', () => {
    const hostile = 'x"]); globalThis.pwned = 1; (P["';
    const model = compileModelText(
      `name: t
dimensions: [d]
stages: [{ key: only }]
scoring:
  - { dimension: d, when: { property: ${JSON.stringify(hostile)}, equals: ${JSON.stringify(hostile)} }, points: 3 }
  - { dimension: d, when: { event: ${JSON.stringify(hostile)}, where: { ${JSON.stringify(hostile)}: { exists: true } } }, points: 4 }
  - { dimension: d, when: { property: "n\`\${1}", gte: 5 }, points: 5 }
`,
      't.yaml',
    );
    const d = model.qualify(
      {
        id: 'c',
        properties: { [hostile]: hostile, 'n`${1}': '7' },
        events: [{ type: hostile, at: NOW.toISOString(), properties: { [hostile]: 'y' } }],
      },
      NOW,
    );
    expect(d.scores.d).toBe(12);
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
  });
});

describe('isCanonicalIso', () => {
  it.each([
    ['2026-11-10T10:00:00.000Z', true],
    ['2026-11-10T10:00:00Z', false],
    ['2026-11-10T10:00:00.000+00:00', false],
    ['2026-11-10 10:00:00.000Z', false],
    ['+002026-11-10T10:00:00.000Z', false],
  ])('%s → %s', (s, expected) => {
    expect(isCanonicalIso(s)).toBe(expected);
  });
});
