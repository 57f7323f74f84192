/**
 * The `score` input line: the quick check of a well-formed contact must accept exactly what the
 * schema accepts and give the same contact, and its date test must answer as `Date.parse`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  contactInputSchema,
  parseContactLine,
  parsesAsDate,
} from '../../../src/qualification/contact-input.ts';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('parsesAsDate', () => {
  it('answers as Date.parse on the canonical shape, fields in and out of range', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(0, 1970, 2026, 9999), fc.integer({ min: 0, max: 9999 })),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.oneof(fc.constantFrom(0, 59, 60), fc.integer({ min: 0, max: 99 })),
        fc.oneof(fc.constantFrom(0, 59, 60), fc.integer({ min: 0, max: 99 })),
        fc.integer({ min: 0, max: 999 }),
        (y, mo, d, h, mi, s, ms) => {
          const text = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}Z`;
          expect(parsesAsDate(text)).toBe(!Number.isNaN(Date.parse(text)));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('takes every day 1-31 of every month, as V8 does, and hour 24 only as 24:00:00', () => {
    for (let mo = 1; mo <= 12; mo++) {
      for (let d = 1; d <= 31; d++) {
        expect(parsesAsDate(`2026-${pad(mo, 2)}-${pad(d, 2)}T23:59:59.999Z`)).toBe(true);
      }
    }
    // ECMAScript's date-time format: hours 00-24, where 24 is only 24:00:00 (the end of a day).
    expect(parsesAsDate('2026-13-01T00:00:00.000Z')).toBe(false);
    expect(parsesAsDate('2026-01-01T00:00:60.000Z')).toBe(false);
    expect(parsesAsDate('2026-01-01T00:60:00.000Z')).toBe(false);
    expect(parsesAsDate('2026-01-01T24:00:00.000Z')).toBe(true);
    expect(parsesAsDate('2026-01-01T24:00:01.000Z')).toBe(false);
    expect(parsesAsDate('2026-0a-01T00:00:00.000Z')).toBe(false);
    expect(parsesAsDate('2026-11-01')).toBe(true);
    expect(parsesAsDate('last tuesday')).toBe(false);
  });
});

/** What the schema makes of a value: the contact, or the error parseContactLine words. */
function bySchema(json: unknown): unknown {
  const r = contactInputSchema.safeParse(json);
  if (!r.success) return 'error';
  const c = r.data;
  return {
    id: c.id,
    properties: c.properties,
    events: c.events.map((e) => ({
      type: e.type,
      at: e.at,
      ...(e.properties ? { properties: e.properties } : {}),
    })),
    ...(c.stage !== undefined ? { stage: c.stage } : {}),
    ...(c.account !== undefined ? { account: c.account } : {}),
  };
}

/** Mostly `good`, one time in `1 + weight` something else (an absent key when `bad` is undefined). */
const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>, weight = 6) =>
  fc.oneof({ arbitrary: good, weight }, { arbitrary: bad, weight: 1 });
const absent = fc.constant(undefined);
const rarely = <T>(arb: fc.Arbitrary<T>) => mostly(absent, arb);

const scalar = fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.boolean(), fc.constant(null));
const wrong = fc.oneof(scalar, fc.constant([]), fc.constant({}), fc.constant({ a: [1] }), fc.double());
const props = mostly(fc.dictionary(fc.constantFrom('a', 'b'), scalar, { maxKeys: 2 }), wrong);
const at = mostly(
  fc.constantFrom(
    '2026-11-01T00:00:00.000Z',
    '2026-02-31T10:00:00.000Z',
    '2026-11-01',
    '2026-11-01T10:00:00+02:00',
  ),
  fc.oneof(fc.constantFrom('soon', '', '2026-13-01T00:00:00.000Z'), fc.string({ maxLength: 24 }), wrong),
);
const event = mostly(
  fc.record({
    type: mostly(fc.constantFrom('page_view', 'form_submit'), fc.oneof(fc.constant(''), wrong)),
    at,
    properties: mostly(absent, props, 1),
    extra: rarely(scalar),
  }),
  wrong,
  10,
);
const contactJson = mostly(
  fc.record({
    id: mostly(fc.oneof(fc.constantFrom('7', 'a b'), fc.integer()), fc.oneof(fc.constant(''), wrong)),
    properties: mostly(props, absent, 3),
    events: mostly(fc.array(event, { maxLength: 3 }), fc.oneof(absent, wrong)),
    stage: mostly(absent, fc.oneof(fc.constantFrom('lead', ''), wrong), 2),
    account: rarely(fc.constant({ id: 'x', scores: { a: 1 } })),
    other: rarely(scalar),
  }),
  wrong,
  10,
);

describe('parseContactLine', () => {
  it('accepts exactly what the schema accepts and gives the same contact', () => {
    fc.assert(
      fc.property(contactJson, (json) => {
        const line = JSON.stringify(json);
        let got: unknown;
        try {
          got = parseContactLine(line);
        } catch {
          got = 'error';
        }
        expect(got).toEqual(bySchema(JSON.parse(line)));
      }),
      { numRuns: 3_000 },
    );
  });
});
