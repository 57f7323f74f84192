/**
 * The funnel drawn for a terminal: one bar per stage, widths proportional to the contacts who
 * reached it, with conversion, time in stage and the forecast beside, in the model's language and
 * currency (`locale:` and `currency:` in the model file).
 */
import type { FunnelReport } from './funnel.ts';

const FULL = '█';
const PARTIAL = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

export function bar(fraction: number, width: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, fraction)) * width * 8);
  return FULL.repeat(eighths >> 3) + PARTIAL[eighths & 7]!;
}

/** How amounts and words are shown: the model's locale and currency. */
export interface FunnelFormat {
  locale: 'en' | 'fr';
  /** ISO 4217 code. */
  currency: string;
}

export const DEFAULT_FUNNEL_FORMAT: FunnelFormat = { locale: 'en', currency: 'USD' };

const TEXT = {
  en: {
    colon: ':',
    contacts: 'contacts',
    head: ['stage', 'reached', 'now', '→ next', 'median stay'],
    handoffMark: ' ◀ handoff',
    wonMark: ' ◀ won',
    byOwner: 'By owner:',
    owner: (reached: string, now: string) => `${reached} reached, ${now} now`,
    handoff: (from: string | null, to: string, n: string) =>
      `handoff ${from ?? 'new'} → ${to}: ${n} contacts`,
    source: { given: 'given', 'won deals': 'won deals', default: 'default' },
    forecast: (f: string, size: string, source: string, won: string) =>
      `Forecast: ${f} expected from contacts not yet won (deal size ${size}, from ${source}); won so far ${won}`,
    monthly: (leads: string, p: string, stage: string, customers: string, revenue: string) =>
      `Monthly: ${leads} new leads × ${p} to ${stage} = ${customers} customers ≈ ${revenue} per month`,
    day: 'd',
  },
  fr: {
    colon: ' :',
    contacts: 'contacts',
    head: ['étape', 'atteinte', 'actuels', '→ suivante', 'durée médiane'],
    handoffMark: ' ◀ passage aux ventes',
    wonMark: ' ◀ gagné',
    byOwner: 'Par responsable :',
    owner: (reached: string, now: string) => `${reached} atteints, ${now} actuels`,
    handoff: (from: string | null, to: string, n: string) =>
      `passage ${from ?? 'nouveau'} → ${to} : ${n} contacts`,
    source: { given: 'indiquée', 'won deals': 'affaires gagnées', default: 'par défaut' },
    forecast: (f: string, size: string, source: string, won: string) =>
      `Prévision : ${f} attendus des contacts pas encore gagnés (taille d’affaire ${size}, ${source}) ; gagné à ce jour ${won}`,
    monthly: (leads: string, p: string, stage: string, customers: string, revenue: string) =>
      `Par mois : ${leads} nouveaux leads × ${p} vers ${stage} = ${customers} clients ≈ ${revenue} par mois`,
    day: 'j',
  },
};

export function renderFunnelText(
  report: FunnelReport,
  title: string,
  width = 32,
  format: FunnelFormat = DEFAULT_FUNNEL_FORMAT,
): string {
  const t = TEXT[format.locale];
  const tag = format.locale === 'fr' ? 'fr-FR' : 'en-US';
  const decimal = (n: number, digits: number) =>
    format.locale === 'en'
      ? n.toFixed(digits)
      : n.toLocaleString(tag, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const int = (n: number) => Math.round(n).toLocaleString(tag);
  const pct = (n: number | null) =>
    n === null ? '—' : format.locale === 'fr' ? `${decimal(n * 100, 1)} %` : `${(n * 100).toFixed(1)}%`;
  const days = (n: number | null) => (n === null ? '—' : `${decimal(n, 1)} ${t.day}`);
  const currency = new Intl.NumberFormat(tag, {
    style: 'currency',
    currency: format.currency,
    minimumFractionDigits: 0,
    maximumFractionDigits: 0,
  });
  const money = (n: number) => currency.format(Math.round(n));

  const top = Math.max(1, report.stages[0]?.reached ?? 1);
  const labelWidth = Math.max(...report.stages.map((s) => s.label.length), t.head[0]!.length);
  const [stage, reached, now, next, stay] = t.head as [string, string, string, string, string];
  const lines = [
    `${title}${t.colon} ${int(report.contacts)} ${t.contacts}`,
    '',
    `${stage.padEnd(labelWidth)}  ${reached.padEnd(width)} ${reached.padStart(7)} ${now.padStart(7)}  ${next.padStart(7)}  ${stay.padStart(11)}`,
  ];
  for (const s of report.stages) {
    const mark = s.handoff ? t.handoffMark : s.key === report.wonStage ? t.wonMark : '';
    lines.push(
      `${s.label.padEnd(labelWidth)}  ${bar(s.reached / top, width).padEnd(width)} ${int(s.reached).padStart(7)} ${int(s.current).padStart(7)}  ${pct(s.conversionToNext).padStart(7)}  ${days(s.medianDays).padStart(11)}${mark}`,
    );
  }
  if (report.owners.length > 1 || report.handoffs.length) {
    lines.push('');
    lines.push(
      `${t.byOwner} ${report.owners.map((o) => `${o.owner} ${t.owner(int(o.reached), int(o.current))}`).join(' · ')}`,
    );
    for (const h of report.handoffs) lines.push(`  ${t.handoff(h.from, h.to, int(h.contacts))}`);
  }
  lines.push('');
  lines.push(
    t.forecast(
      money(report.forecast),
      money(report.dealSize),
      t.source[report.dealSizeSource],
      money(report.won),
    ),
  );
  for (const s of report.stages.filter((x) => x.expectedRevenue > 0)) {
    lines.push(
      `  ${s.label.padEnd(labelWidth)} ${int(s.current).padStart(7)} × ${pct(s.winProbability).padStart(6)} × ${money(report.dealSize)} = ${money(s.expectedRevenue)}`,
    );
  }
  if (report.monthly) {
    const m = report.monthly;
    const won = report.stages.find((s) => s.key === report.wonStage)?.label ?? report.wonStage;
    lines.push(
      t.monthly(
        int(m.newLeads),
        pct(report.stages[0]?.winProbability ?? null),
        format.locale === 'en' ? report.wonStage : won,
        decimal(m.customers, 1),
        money(m.revenue),
      ),
    );
  }
  return lines.join('\n');
}
