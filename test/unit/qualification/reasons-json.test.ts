/**
 * `reasonsJson` writes a decision's reasons as JSON text without building the objects (what
 * `leadstage score` prints); it must be JSON.stringify of the reason objects byte for byte, with
 * any text in the model and the contact: quotes, backslashes, control characters, emoji (surrogate
 * pairs) and lone surrogates, which JSON.stringify escapes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { ContactInput } from '../../../src/model.ts';
import { compileModelText } from '../../../src/qualification/index.ts';
import { daysAgo, NOW } from './helpers.ts';

const awkward = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }),
  fc.constantFrom('"', '\\', '\n', '\u2028', '😀', '\ud83d', '\ude00', 'a"b\\c', '≥ ×'),
);

function modelWith(texts: string[], label: string, locale: 'en' | 'fr' = 'en') {
  const [a, b, c] = texts;
  const model = {
    name: 'awkward',
    locale,
    dimensions: ['d'],
    stages: [
      { key: 'out' },
      {
        key: 'in',
        label,
        requires: {
          all: [
            { property: 'p', exists: true },
            { score: 'd', gte: 1 },
          ],
        },
      },
      { key: 'top', handoff: true, requires: { property: 'p', equals: a } },
    ],
    scoring: [
      { dimension: 'd', when: { property: 'p', contains: a }, points: 1.5 },
      { dimension: 'd', when: { property: 'p', in: [b, c] }, points: -2.25 },
      { dimension: 'd', when: { event: 'page_view', where: { url: { equals: b } } }, points: 3 },
      { dimension: 'd', when: { event: 'page_view', count: { gte: 2 } }, points: 10, once: true },
    ],
    recycle: [{ to: 'out', when: { property: 'q', equals: c } }],
  };
  return compileModelText(JSON.stringify(model), 'awkward.yaml');
}

describe('reasons as JSON text', () => {
  it('are JSON.stringify of the reason objects, whatever the text in model and contact', () => {
    fc.assert(
      fc.property(
        fc.array(awkward, { minLength: 3, maxLength: 3 }),
        awkward,
        fc.array(awkward, { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom(undefined, 'in', 'top', 'gone'),
        fc.constantFrom('en' as const, 'fr' as const),
        (texts, label, values, views, stage, locale) => {
          const model = modelWith(texts, label, locale);
          const [p, q, url] = values;
          const c: ContactInput = {
            id: 'c"1',
            properties: { p: p!, q: q! },
            events: Array.from({ length: views }, (_, i) => ({
              type: 'page_view',
              at: daysAgo(i),
              properties: { url: i === 0 ? texts[1]! : url! },
            })),
            ...(stage ? { stage } : {}),
          };
          expect(model.reasonsJson(c, NOW)).toBe(JSON.stringify(model.qualify(c, NOW).reasons));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('write a count rule with its test and the events it counted, and an empty list as []', () => {
    const model = modelWith(['x', 'y', 'z'], 'In');
    const c: ContactInput = {
      id: '1',
      properties: {},
      events: [0, 1, 2].map((age) => ({ type: 'page_view', at: daysAgo(age) })),
    };
    // Hand-written from the README's reason texts: the count rule says its test and what it saw.
    expect(JSON.parse(model.reasonsJson(c, NOW))[0]).toEqual({
      code: 'points',
      rule: 'd rule 4',
      dimension: 'd',
      points: 10,
      count: 1,
      text: '+10 d: page_view, count ≥ 2 (has 3)',
    });
    const bare = compileModelText(
      'name: bare\ndimensions: [d]\nstages: [{ key: only }]\nscoring: []\n',
      'bare.yaml',
    );
    expect(bare.reasonsJson({ id: '1', properties: {}, events: [] }, NOW)).toBe('[]');
  });
});
