/**
 * `matches` in a model runs on RE2 (through re2js): linear time in the text whatever the pattern,
 * so a model can never hang scoring with a catastrophic pattern such as `^(.+)+!$`.
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

/** A case-insensitive search for the pattern anywhere in the value; missing values never match. */
export function regexTest(pattern: string): (v: PropertyValue | undefined) => boolean {
  const re = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
  return (v) => !isMissing(v) && re.test(String(v));
}
