/**
 * Business time: when a span of working time that starts at an instant ends, given the workspace's
 * time zone, working weekdays, daily opening hours and holidays. Pure arithmetic over instants
 * (no clock, no I/O); time-zone offsets come from the platform's IANA database through Intl, so
 * a deadline across a daylight-saving change still counts wall-clock working hours.
 */

import { type BusinessHours, WEEKDAYS } from '../model.ts';

export const DEFAULT_BUSINESS_HOURS: BusinessHours = {
  timeZone: 'UTC',
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  start: '09:00',
  end: '17:00',
  holidays: [],
};

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** A span longer than this many calendar days of search is a configuration mistake, not a wait. */
const MAX_DAYS = 3 * 366;

/** Minutes after midnight of `HH:MM`, or undefined when it is not a wall-clock time. */
export function clockMinutes(hhmm: string): number | undefined {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(hhmm);
  if (!m) return undefined;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes <= 24 * 60 ? minutes : undefined;
}

/** Whether the platform knows the zone (Intl throws a RangeError on an unknown one). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's offset from UTC at an instant, in ms (local wall time − UTC). */
function offsetMs(zone: string, atMs: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(atMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - Math.floor(atMs / 1000) * 1000;
}

/**
 * The instant a local wall-clock time denotes. Two passes settle the offset either side of a
 * daylight-saving change; a wall time skipped by the change maps to the instant after the gap.
 */
function localToInstant(zone: string, localMs: number): number {
  const first = localMs - offsetMs(zone, localMs);
  const second = localMs - offsetMs(zone, first);
  return second;
}

/** Local midnight (as a UTC-based wall-clock number) of the day holding an instant. */
function localDay(zone: string, atMs: number): number {
  const wall = atMs + offsetMs(zone, atMs);
  return Math.floor(wall / DAY_MS) * DAY_MS;
}

function isoDate(dayMs: number): string {
  return new Date(dayMs).toISOString().slice(0, 10);
}

/**
 * The instant at which `durationMs` of working time has passed since `startMs`. Time before the
 * first opening counts from that opening; a span that ends exactly at a closing time ends then
 * (Friday 16:00 + 1 h is Friday 17:00, not Monday 09:00).
 */
export function addBusinessTime(startMs: number, durationMs: number, hours: BusinessHours): number {
  const open = clockMinutes(hours.start)! * MINUTE_MS;
  const close = clockMinutes(hours.end)! * MINUTE_MS;
  const working = new Set(hours.days.map((d) => WEEKDAYS.indexOf(d)));
  const holidays = new Set(hours.holidays);
  if (durationMs <= 0) return startMs;
  if (working.size === 0 || close <= open) {
    throw new RangeError('business hours have no working time: give at least one day and start before end');
  }
  let remaining = durationMs;
  let day = localDay(hours.timeZone, startMs);
  for (let i = 0; i < MAX_DAYS; i++, day += DAY_MS) {
    if (!working.has(new Date(day).getUTCDay()) || holidays.has(isoDate(day))) continue;
    const opensAt = localToInstant(hours.timeZone, day + open);
    const closesAt = localToInstant(hours.timeZone, day + close);
    const from = Math.max(opensAt, startMs);
    if (from >= closesAt) continue;
    if (remaining <= closesAt - from) return from + remaining;
    remaining -= closesAt - from;
  }
  throw new RangeError(
    `a span of ${durationMs / 3_600_000} business hours does not end within ${MAX_DAYS} days`,
  );
}
