/**
 * Comparing vendor values the way marketers expect: text case-insensitively, and numbers and
 * booleans by value whether they arrive as `200` or `"200"`, `true` or `"true"`.
 */
import type { PropertyValue } from '../model.ts';
import type { NumericTest } from './schema.ts';

export type Scalar = string | number | boolean;

const NUMERIC = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

export function isMissing(v: PropertyValue | undefined): v is null | undefined | '' {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
}

export function toNumber(v: PropertyValue | undefined): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim();
    if (NUMERIC.test(s)) return Number(s);
  }
  return undefined;
}

export function toBoolean(v: PropertyValue | undefined): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true' || s === 'yes' || s === '1') return true;
    if (s === 'false' || s === 'no' || s === '0' || s === '') return false;
  }
  return undefined;
}

export function toText(v: PropertyValue | undefined): string {
  return v === null || v === undefined ? '' : String(v).trim().toLowerCase();
}

/** Epoch ms for ISO dates and for epoch-ms numbers (HubSpot sends dates both ways). */
export function toTime(v: PropertyValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const s = v.trim();
    if (NUMERIC.test(s)) return Number(s);
    if (ISO_DATE.test(s)) {
      const t = Date.parse(s);
      return Number.isNaN(t) ? undefined : t;
    }
  }
  return undefined;
}

export function isDateText(v: unknown): v is string {
  return typeof v === 'string' && ISO_DATE.test(v.trim()) && !Number.isNaN(Date.parse(v));
}

/** Builds an `equals` test once per rule, so scoring does no type dispatch on the expected value. */
export function equalsTest(expected: Scalar): (v: PropertyValue | undefined) => boolean {
  return oneOfTest([expected]);
}

/** Text that only ever compares as text: not a number, not true/false. */
function isPlainText(v: Scalar): v is string {
  if (typeof v !== 'string') return false;
  const text = v.trim().toLowerCase();
  return toNumber(v) === undefined && text !== 'true' && text !== 'false';
}

/**
 * `equals` and `in`: true when the value equals one of `expected` by the rules above. Plain text
 * is looked up in sets (exact spelling first, then trimmed and lower-cased), so a list of twenty
 * industries costs one lookup rather than twenty comparisons.
 */
export function oneOfTest(expected: Scalar[]): (v: PropertyValue | undefined) => boolean {
  const texts = expected.filter(isPlainText);
  const others = expected.filter((e) => !isPlainText(e)).map(scalarEqualsTest);
  if (texts.length === 0) return others.length === 1 ? others[0]! : (v) => others.some((t) => t(v));
  const exact = new Set(texts);
  const lowered = new Set(texts.map((t) => t.trim().toLowerCase()));
  // Trimming and lower-casing only change a value's length through outer whitespace or "İ", so a
  // value with visible ASCII at both ends, no "İ", and a length no entry has cannot match.
  const lengths = new Set([...lowered].map((t) => t.length));
  const visible = (c: number) => c > 32 && c < 127;
  const textHit = (v: PropertyValue | undefined): boolean => {
    if (v === null || v === undefined) return false;
    if (typeof v !== 'string') return lowered.has(String(v).toLowerCase());
    if (exact.has(v)) return true;
    const n = v.length;
    if (n === 0) return false;
    if (
      !lengths.has(n) &&
      visible(v.charCodeAt(0)) &&
      visible(v.charCodeAt(n - 1)) &&
      !v.includes('\u0130')
    ) {
      return false;
    }
    return lowered.has(v.trim().toLowerCase());
  };
  if (others.length === 0) return textHit;
  return (v) => textHit(v) || others.some((t) => t(v));
}

function scalarEqualsTest(expected: Scalar): (v: PropertyValue | undefined) => boolean {
  if (typeof expected === 'number') return (v) => toNumber(v) === expected;
  if (typeof expected === 'boolean') return (v) => toBoolean(v) === expected;
  const text = expected.trim().toLowerCase();
  const asNumber = toNumber(expected);
  if (asNumber !== undefined) return (v) => toNumber(v) === asNumber || toText(v) === text;
  const asBoolean = text === 'true';
  return (v) => toBoolean(v) === asBoolean;
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Case-insensitive text test as a regular expression: no lower-cased copy of the value per call,
 * which matters on the hot path (every event's url against every `where`).
 */
export function textTest(pattern: string): (v: PropertyValue | undefined) => boolean {
  const re = new RegExp(pattern, 'i');
  return (v) => v !== null && v !== undefined && re.test(typeof v === 'string' ? v : String(v));
}

export type Ordering = 'gt' | 'gte' | 'lt' | 'lte';

/** Numbers compare as numbers; an ISO date as the expected value makes it a date comparison. */
export function orderingTest(
  op: Ordering,
  expected: number | string,
): (v: PropertyValue | undefined) => boolean {
  const dated = typeof expected === 'string';
  const bound = dated ? Date.parse(expected) : expected;
  const read = dated ? toTime : toNumber;
  switch (op) {
    case 'gt':
      return (v) => {
        const n = read(v);
        return n !== undefined && n > bound;
      };
    case 'gte':
      return (v) => {
        const n = read(v);
        return n !== undefined && n >= bound;
      };
    case 'lt':
      return (v) => {
        const n = read(v);
        return n !== undefined && n < bound;
      };
    case 'lte':
      return (v) => {
        const n = read(v);
        return n !== undefined && n <= bound;
      };
  }
}

export function formatValue(v: PropertyValue | undefined): string {
  if (v === undefined || v === null || v === '') return 'nothing';
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function numberTest(test: NumericTest): (n: number) => boolean {
  const { equals, gt, gte, lt, lte } = test;
  return (n) =>
    (equals === undefined || n === equals) &&
    (gt === undefined || n > gt) &&
    (gte === undefined || n >= gte) &&
    (lt === undefined || n < lt) &&
    (lte === undefined || n <= lte);
}
