/** How the console writes times, durations and numbers: absolute UTC times with a relative hint. */
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

/** "in 12 min" / "3 h ago", for the hint beside an absolute time. */
export function relative(iso: string, now: Date): string {
  const diff = Date.parse(iso) - now.getTime();
  const abs = Math.abs(diff);
  const amount =
    abs < MINUTE
      ? 'less than a minute'
      : abs < 60 * MINUTE
        ? `${Math.round(abs / MINUTE)} min`
        : abs < 48 * 60 * MINUTE
          ? `${Math.round(abs / (60 * MINUTE))} h`
          : `${Math.round(abs / (24 * 60 * MINUTE))} days`;
  return diff >= 0 ? `in ${amount}` : `${amount} ago`;
}

/** `2026-11-30 11:40 UTC`, in a <time> element carrying the ISO value. */
export function fmtTime(iso: string | null | undefined, now?: Date): string {
  if (!iso) return '—';
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  const hint = now ? ` <span class="muted">(${esc(relative(iso, now))})</span>` : '';
  return `<time datetime="${esc(iso)}">${esc(text)}</time>${hint}`;
}
