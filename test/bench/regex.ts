/**
 * re2js (RE2 semantics, linear time), which runs `matches` in models, against the native
 * backtracking RegExp on the bench model's patterns; and re2js on a catastrophic pattern the
 * native engine cannot finish.
 */
import { RE2JS } from 're2js';

import { regexTest } from '../../src/qualification/regex.ts';

import { benchContacts } from './contacts.ts';

function nsPerTest(test: (s: string) => boolean, inputs: string[], rounds: number): number {
  let hits = 0;
  const t = performance.now();
  for (let r = 0; r < rounds; r++) for (const s of inputs) if (test(s)) hits++;
  const ms = performance.now() - t;
  if (hits < 0) console.log(hits); // keeps the loop from being optimised away
  return (ms * 1e6) / (rounds * inputs.length);
}

export function regexSpeed(): { pattern: string; re2: number; native: number; leadstage: number }[] & {
  evilMs: number;
} {
  const contacts = benchContacts(5_000);
  const rows = [
    {
      pattern: '@(gmail|yahoo|hotmail|outlook)\\.',
      inputs: contacts.map((c) => String(c.properties.email ?? '')),
    },
    {
      pattern: '\\b(head|vp|chief|director)\\b',
      inputs: contacts.map((c) => String(c.properties.jobtitle ?? '')),
    },
  ].map(({ pattern, inputs }) => {
    const re2 = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
    const native = new RegExp(pattern, 'i');
    // What a model's `matches` runs: the native engine where it provably answers as RE2.
    const leadstage = regexTest(pattern);
    nsPerTest((s) => re2.test(s), inputs, 2); // warm-up
    nsPerTest((s) => native.test(s), inputs, 2);
    nsPerTest(leadstage, inputs, 2);
    return {
      pattern,
      re2: nsPerTest((s) => re2.test(s), inputs, 10),
      native: nsPerTest((s) => native.test(s), inputs, 10),
      leadstage: nsPerTest(leadstage, inputs, 10),
    };
  });
  const evil = RE2JS.compile('^(.+)+!$', RE2JS.CASE_INSENSITIVE);
  const t = performance.now();
  evil.test('a'.repeat(100_000));
  return Object.assign(rows, { evilMs: performance.now() - t });
}
