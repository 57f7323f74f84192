/** Event times on the hot path: parsing the one ISO shape connectors emit, and score decay. */

export const DAY_MS = 86_400_000;

/** 0.5^(age / half-life); future events count fully, undatable ones not at all. */
export function decayWeight(atMs: number, nowMs: number, halfLifeMs: number): number {
  if (Number.isNaN(atMs)) return 0;
  return 0.5 ** (Math.max(0, nowMs - atMs) / halfLifeMs);
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fff]Z` by arithmetic (the shape every connector emits), anything else
 * through Date.parse. Twice as fast as Date.parse on the hot path.
 */
export function parseIsoMs(s: string): number {
  const n = s.length;
  if (n < 20 || s.charCodeAt(n - 1) !== 90 /* Z */ || s.charCodeAt(10) !== 84 /* T */) return Date.parse(s);
  const d = (i: number) => s.charCodeAt(i) - 48;
  const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  const month = d(5) * 10 + d(6);
  const day = d(8) * 10 + d(9);
  const hh = d(11) * 10 + d(12);
  const mm = d(14) * 10 + d(15);
  const ss = d(17) * 10 + d(18);
  let ms = 0;
  if (n === 24 && s.charCodeAt(19) === 46 /* . */) ms = d(20) * 100 + d(21) * 10 + d(22);
  else if (n !== 20) return Date.parse(s);
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31 && hh < 24 && mm < 60 && ss < 61)) {
    return Date.parse(s);
  }
  // Days from the civil date (Howard Hinnant's algorithm), valid for the proleptic Gregorian calendar.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return ((days * 24 + hh) * 60 + mm) * 60000 + ss * 1000 + ms;
}
