/**
 * The native RegExp shortcut for `matches` must give RE2's answer, in linear time. The oracle is
 * re2js itself (RE2 semantics, what the README promises), run directly, not through regexTest.
 */
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';

import { nativeEquivalent, regexTest } from '../../../src/qualification/regex.ts';

const re2 = (pattern: string, text: string) => RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE).test(text);

describe('which patterns take the native path', () => {
  it.each([
    '@(gmail|yahoo|hotmail|outlook)\\.',
    '\\b(head|vp|chief|director)\\b',
    '^/pricing$',
    '\\.(edu|gov)$',
    '[a-c]\\d\\w',
    '(?:ceo|cto)',
    '',
  ])('word lists and classes: %s', (pattern) => {
    expect(nativeEquivalent(pattern)).toBe(true);
  });

  it.each([
    ['a quantifier', 'a+b'],
    ['a star', '.*x'],
    ['an optional part', 'colou?r'],
    ['a counted repeat', 'a{2}'],
    ['a named group', '(?P<x>a)'],
    ['inline flags', '(?i)a'],
    ['\\s (JavaScript counts \\v and Unicode spaces)', 'a\\sb'],
    ['a control escape', 'a\\nb'],
    ['a POSIX class', '[[:alpha:]]'],
    ['a class starting with ]', '[]a]'],
    ['non-ASCII text', 'café'],
    ['65 ways through alternatives', '(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)'],
  ])('refused: %s', (_why, pattern) => {
    expect(nativeEquivalent(pattern)).toBe(false);
  });

  it('64 ways is the most taken natively', () => {
    expect(nativeEquivalent('(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)')).toBe(true);
  });

  it('a pattern with exponentially many ways answers at once (RE2 runs it)', () => {
    const pattern = '(a|a)'.repeat(60) + 'c';
    const test = regexTest(pattern);
    const t = performance.now();
    expect(test('a'.repeat(200))).toBe(false);
    // Not a speed test: a backtracking engine would take 2^60 steps, i.e. never return.
    expect(performance.now() - t).toBeLessThan(30_000);
  });
});

describe('the native path answers as RE2', () => {
  const atom = fc.oneof(
    fc.constantFrom('a', 'B', 'k', 's', 'z', '0', '9', '.', '@', '-', '_', ' ', '/'),
    fc.constantFrom('\\.', '\\-', '\\d', '\\w', '\\b', '\\B', '\\D', '\\W', '\\/'),
    fc.constantFrom('[a-f]', '[^a-f]', '[0-9_]', '[K-S]', '[\\d.]', '[^\\w]'),
  );
  const pattern: fc.Arbitrary<string> = fc.letrec<{ alt: string; seq: string; item: string }>((tie) => ({
    alt: fc.array(tie('seq'), { minLength: 1, maxLength: 3 }).map((branches) => branches.join('|')),
    seq: fc.array(tie('item'), { minLength: 0, maxLength: 4 }).map((items) => items.join('')),
    item: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      atom,
      tie('alt').map((a) => `(${a})`),
      tie('alt').map((a) => `(?:${a})`),
    ),
  })).alt;
  const anchored = fc
    .tuple(fc.boolean(), pattern, fc.boolean())
    .map(([start, p, end]) => `${start ? '^' : ''}${p}${end ? '$' : ''}`);
  const text = fc.oneof(
    fc.string({
      unit: fc.constantFrom(
        'a',
        'A',
        'b',
        'K',
        'k',
        's',
        'S',
        'z',
        '0',
        '9',
        '.',
        '@',
        '-',
        '_',
        ' ',
        '/',
        '\t',
      ),
    }),
    // Texts outside printable ASCII go to RE2: ſ and the Kelvin sign fold to s and k there only.
    fc.string({ unit: fc.constantFrom('a', 's', 'k', 'ſ', '\u212a', '\n', '\r', '\u00e9', '\v') }),
  );

  it('on every generated pattern and text', () => {
    fc.assert(
      fc.property(anchored, text, (p, t) => {
        fc.pre(nativeEquivalent(p));
        // A blank value is a missing one (README), which never matches.
        expect(regexTest(p)(t)).toBe(t.trim() !== '' && re2(p, t));
      }),
      { numRuns: 1_500, seed: 12 },
    );
  });

  it('ſ and the Kelvin sign match s and k as in RE2', () => {
    expect(regexTest('^sk$')('\u017f\u212a')).toBe(true);
    expect(re2('^sk$', '\u017f\u212a')).toBe(true);
  });
});
