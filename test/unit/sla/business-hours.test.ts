/**
 * Deadlines against instants computed by hand from a calendar: 2026-11-27 is a Friday, 2026-12-25
 * a Friday (a holiday below), and Paris leaves summer time on Sunday 2026-10-25 (UTC+2 → UTC+1).
 */
import { describe, expect, it } from 'vitest';

import type { BusinessHours, StageSla } from '../../../src/model.ts';
import { addBusinessTime, DEFAULT_BUSINESS_HOURS } from '../../../src/sla/business-hours.ts';
import { slaDeadline, slaOutcome } from '../../../src/sla/outcome.ts';

const HOUR = 3_600_000;
const utc9to5: BusinessHours = DEFAULT_BUSINESS_HOURS;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('when business time is added to an instant', () => {
  it('should carry 24 business hours from Friday 16:00 to Wednesday 16:00 (1 + 8 + 8 + 7 hours)', () => {
    expect(iso(addBusinessTime(at('2026-11-27T16:00:00Z'), 24 * HOUR, utc9to5))).toBe(
      '2026-12-02T16:00:00.000Z',
    );
  });

  it('should end at the closing time, not the next opening, when the span fills the day exactly', () => {
    expect(iso(addBusinessTime(at('2026-11-27T16:00:00Z'), HOUR, utc9to5))).toBe('2026-11-27T17:00:00.000Z');
  });

  it('should count from the opening when the span starts before it, and from the next day after closing', () => {
    expect(iso(addBusinessTime(at('2026-11-30T07:30:00Z'), 2 * HOUR, utc9to5))).toBe(
      '2026-11-30T11:00:00.000Z',
    );
    expect(iso(addBusinessTime(at('2026-11-30T18:00:00Z'), HOUR / 2, utc9to5))).toBe(
      '2026-12-01T09:30:00.000Z',
    );
  });

  it('should skip the weekend for a span that starts on Saturday', () => {
    expect(iso(addBusinessTime(at('2026-11-28T10:00:00Z'), 8 * HOUR, utc9to5))).toBe(
      '2026-11-30T17:00:00.000Z',
    );
  });

  it('should skip holidays', () => {
    const hours = { ...utc9to5, holidays: ['2026-12-25'] };
    // Thursday 16–17, Friday is Christmas, then Monday 09–10.
    expect(iso(addBusinessTime(at('2026-12-24T16:00:00Z'), 2 * HOUR, hours))).toBe(
      '2026-12-28T10:00:00.000Z',
    );
  });

  it('should count wall-clock hours in the workspace time zone across a daylight-saving change', () => {
    const paris: BusinessHours = { ...utc9to5, timeZone: 'Europe/Paris' };
    // Friday 16:00 CEST (14:00Z): 1 h to 17:00, then Monday 09:00 CET (08:00Z) + 1 h = 09:00Z.
    expect(iso(addBusinessTime(at('2026-10-23T14:00:00Z'), 2 * HOUR, paris))).toBe(
      '2026-10-26T09:00:00.000Z',
    );
  });

  it('should honour working days other than Monday to Friday and other opening hours', () => {
    const hours: BusinessHours = { ...utc9to5, days: ['sun', 'mon'], start: '08:30', end: '12:30' };
    // Friday: not a working day; Sunday 29th 08:30–12:30 (4 h), Monday 30th 08:30 + 1 h.
    expect(iso(addBusinessTime(at('2026-11-27T16:00:00Z'), 5 * HOUR, hours))).toBe(
      '2026-11-30T09:30:00.000Z',
    );
  });
});

describe('when an SLA is applied to a stay', () => {
  const sla: StageSla = { within: '24h', withinMinutes: 24 * 60, businessHours: true, until: ['working'] };
  const enteredAt = new Date('2026-11-27T16:00:00Z');
  const due = '2026-12-02T16:00:00.000Z';

  it('should count calendar time when businessHours is off', () => {
    expect(slaDeadline(enteredAt, { ...sla, businessHours: false }, utc9to5).toISOString()).toBe(
      '2026-11-28T16:00:00.000Z',
    );
  });

  it('should be pending until the deadline, then breached', () => {
    const stay = { enteredAt, exitedAt: null, salesStatus: 'open' };
    expect(slaOutcome(stay, sla, utc9to5, new Date('2026-12-02T15:59:00Z'))).toStrictEqual({
      kind: 'pending',
      dueAt: new Date(due),
    });
    expect(slaOutcome(stay, sla, utc9to5, new Date(due))).toStrictEqual({
      kind: 'breached',
      dueAt: new Date(due),
    });
  });

  it('should be met by a listed sales status seen in time, or by leaving the stage by the deadline', () => {
    const now = new Date('2026-12-01T10:00:00Z');
    expect(slaOutcome({ enteredAt, exitedAt: null, salesStatus: 'working' }, sla, utc9to5, now).kind).toBe(
      'met',
    );
    expect(slaOutcome({ enteredAt, exitedAt: null, salesStatus: 'open' }, sla, utc9to5, now).kind).toBe(
      'pending',
    );
    const left = { enteredAt, exitedAt: new Date(due), salesStatus: null };
    expect(slaOutcome(left, sla, utc9to5, new Date('2026-12-09T00:00:00Z')).kind).toBe('met');
    const late = { enteredAt, exitedAt: new Date('2026-12-02T16:01:00Z'), salesStatus: null };
    expect(slaOutcome(late, sla, utc9to5, new Date('2026-12-09T00:00:00Z')).kind).toBe('breached');
  });
});
