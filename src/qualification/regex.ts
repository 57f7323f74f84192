/**
 * `matches` in a model runs on RE2 (through re2js): linear time in the text whatever the pattern,
 * so a model can never hang scoring with a catastrophic pattern such as `^(.+)+!$`.
 *
 * re2js costs 4–8× a native RegExp per test, and most model patterns are lists of words
 * (`@(gmail|yahoo)\.`, `\b(head|vp)\b`). For those, and only those, the native engine is used where
 * it provably gives RE2's answer in linear time: see `nativeEquivalent`.
 */
import { RE2JS } from 're2js';

import type { PropertyValue } from '../model.ts';
import { isMissing } from './values.ts';

/** Why RE2 refuses a pattern, in the admin's terms; undefined when it compiles. */
export function regexProblem(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
    return undefined;
  } catch (err) {
    const detail = (err as Error).message.replace(/^error parsing regexp: /, '');
    if (/\\[1-9]/.test(pattern) && /escape/.test(detail)) {
      return `bad regular expression: backreferences (\\1) are not supported (RE2 syntax): ${detail}`;
    }
    if (/\(\?<?[=!]/.test(pattern)) {
      return `bad regular expression: lookahead and lookbehind are not supported (RE2 syntax): ${detail}`;
    }
    return `bad regular expression: ${detail}`;
  }
}

/**
 * Escapes whose meaning is the same in RE2 and in a JavaScript RegExp without the `u` flag, on
 * ASCII text: escaped punctuation, `\d` = [0-9], `\w` = [0-9A-Za-z_], `\b`/`\B` on that `\w`.
 * (`\s` is left out: JavaScript's includes \v and Unicode spaces, RE2's does not.)
 */
const SAME_ESCAPE = /^\\([dwDWbB]|[!-/:-@[-`{-~])/;

/** Most paths through alternatives a native pattern may have (see `nativeEquivalent`). */
const MAX_NATIVE_PATHS = 64;

/**
 * True when `pattern` has no quantifier (`* + ? {`), uses only ASCII literals, escapes of
 * `SAME_ESCAPE`, `.`, classes, alternation, groups (plain or `(?:`) and the anchors `^ $`, and has
 * at most `MAX_NATIVE_PATHS` ways through its alternatives.
 *
 * Such a pattern, run by V8's backtracking engine, tries each start position once per way through
 * the pattern: with no quantifier there are no run lengths to backtrack over, and the ways are
 * bounded (`(a|a)(a|a)…` would otherwise double them per group). Time is the text's length times a
 * constant, linear as RE2 is. On a text of printable ASCII and tab (`NOT_PLAIN_TEXT` false) its
 * answer is RE2's: case-insensitive matching of ASCII letters is the same in both (the differences,
 * ſ and the Kelvin sign, are not ASCII), `.` excludes only line breaks, which such a text has none
 * of, and `^ $` anchor at the text's ends in both without multi-line mode.
 */
export function nativeEquivalent(pattern: string): boolean {
  if (!/^[\x20-\x7e]*$/.test(pattern)) return false;
  let i = 0;
  // Ways through an alternation up to `)` or the end: the sum over its branches of the product
  // over each branch's groups. NaN when the pattern uses anything outside the native subset.
  const alternation = (): number => {
    let total = 0;
    let branch = 1;
    while (i < pattern.length && pattern[i] !== ')') {
      const c = pattern[i]!;
      if (c === '|') {
        total += branch;
        branch = 1;
        i++;
      } else if (c === '\\') {
        if (!SAME_ESCAPE.test(pattern.slice(i, i + 2))) return NaN;
        i += 2;
      } else if (c === '[') {
        if (!skipClass()) return NaN;
      } else if (c === '(') {
        i++;
        if (pattern[i] === '?') {
          // Only `(?:`: named groups and flags are spelt differently in the two engines.
          if (pattern[i + 1] !== ':') return NaN;
          i += 2;
        }
        const inner = alternation();
        if (pattern[i] !== ')') return NaN;
        i++;
        branch *= inner;
      } else if ('*+?{}'.includes(c)) {
        return NaN;
      } else {
        i++;
      }
      if (!(branch <= MAX_NATIVE_PATHS)) return NaN;
    }
    return total + branch;
  };
  const skipClass = (): boolean => {
    i++;
    if (pattern[i] === '^') i++;
    // A `]` first in a class is a literal in RE2, an empty class in JavaScript.
    if (pattern[i] === ']') return false;
    while (i < pattern.length && pattern[i] !== ']') {
      if (pattern[i] === '\\') {
        if (!SAME_ESCAPE.test(pattern.slice(i, i + 2))) return false;
        i += 2;
      } else {
        // `[[:alpha:]]` is RE2-only syntax.
        if (pattern[i] === '[' && pattern[i + 1] === ':') return false;
        i++;
      }
    }
    if (pattern[i] !== ']') return false;
    i++;
    return true;
  };
  const ways = alternation();
  return i === pattern.length && ways <= MAX_NATIVE_PATHS;
}

/** Printable ASCII and tab: the texts on which a `nativeEquivalent` pattern answers as RE2 does. */
const NOT_PLAIN_TEXT = /[^\t\x20-\x7e]/;

/** A case-insensitive search for the pattern anywhere in the value; missing values never match. */
export function regexTest(pattern: string): (v: PropertyValue | undefined) => boolean {
  const re = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
  if (!nativeEquivalent(pattern)) return (v) => !isMissing(v) && re.test(String(v));
  const native = new RegExp(pattern, 'i');
  return (v) => {
    if (isMissing(v)) return false;
    const text = String(v);
    return NOT_PLAIN_TEXT.test(text) ? re.test(text) : native.test(text);
  };
}
