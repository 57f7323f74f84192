/** How the console writes times, durations and numbers: absolute UTC times with a relative hint. */
import { PAGE_WORDS, type RelativeWords } from '../../qualification/page-words.ts';

import { esc } from './layout.ts';

const MINUTE = 60_000;

export function fmtNumber(n: number | null | undefined, digits = 0, locale = 'en-US'): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * "in 12 min" / "3 h ago", for the hint beside an absolute time, in the page's words (a French
 * model's pages say "dans 12 min" / "il y a 3 h").
 */
export function relative(iso: string, now: Date, words: RelativeWords = PAGE_WORDS.en.relative): string {
  const diff = Date.parse(iso) - now.getTime();
  const abs = Math.abs(diff);
  const amount =
    abs < MINUTE
      ? words.lessThanMinute
      : abs < 60 * MINUTE
        ? words.minutes(Math.round(abs / MINUTE))
        : abs < 48 * 60 * MINUTE
          ? words.hours(Math.round(abs / (60 * MINUTE)))
          : words.days(Math.round(abs / (24 * 60 * MINUTE)));
  return diff >= 0 ? words.future(amount) : words.past(amount);
}

/** `2026-11-30 11:40 UTC`, in a <time> element carrying the ISO value. */
export function fmtTime(
  iso: string | null | undefined,
  now?: Date,
  words: RelativeWords = PAGE_WORDS.en.relative,
): string {
  if (!iso) return '—';
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  const hint = now ? ` <span class="muted">(${esc(relative(iso, now, words))})</span>` : '';
  return `<time datetime="${esc(iso)}">${esc(text)}</time>${hint}`;
}
