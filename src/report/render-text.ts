/**
 * The funnel drawn for a terminal: one bar per stage, widths proportional to the contacts who
 * reached it, with conversion, time in stage and the forecast beside.
 */
import type { FunnelReport } from './funnel.ts';

const FULL = '█';
const PARTIAL = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

export function bar(fraction: number, width: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, fraction)) * width * 8);
  return FULL.repeat(eighths >> 3) + PARTIAL[eighths & 7]!;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (n: number | null) => (n === null ? '—' : `${(n * 100).toFixed(1)}%`);
const days = (n: number | null) => (n === null ? '—' : `${n.toFixed(1)} d`);
const money = (n: number) => `$${int(n)}`;

export function renderFunnelText(report: FunnelReport, title: string, width = 32): string {
  const top = Math.max(1, report.stages[0]?.reached ?? 1);
  const labelWidth = Math.max(...report.stages.map((s) => s.label.length), 5);
  const lines = [
    `${title}: ${int(report.contacts)} contacts`,
    '',
    `${'stage'.padEnd(labelWidth)}  ${'reached'.padEnd(width)} ${'reached'.padStart(7)} ${'now'.padStart(7)}  ${'→ next'.padStart(7)}  ${'median stay'.padStart(11)}`,
  ];
  for (const s of report.stages) {
    const mark = s.handoff ? ' ◀ handoff' : s.key === report.wonStage ? ' ◀ won' : '';
    lines.push(
      `${s.label.padEnd(labelWidth)}  ${bar(s.reached / top, width).padEnd(width)} ${int(s.reached).padStart(7)} ${int(s.current).padStart(7)}  ${pct(s.conversionToNext).padStart(7)}  ${days(s.medianDays).padStart(11)}${mark}`,
    );
  }
  if (report.owners.length > 1 || report.handoffs.length) {
    lines.push('');
    lines.push(
      `By owner: ${report.owners.map((o) => `${o.owner} ${int(o.reached)} reached, ${int(o.current)} now`).join(' · ')}`,
    );
    for (const h of report.handoffs) {
      lines.push(`  handoff ${h.from ?? 'new'} → ${h.to}: ${int(h.contacts)} contacts`);
    }
  }
  lines.push('');
  lines.push(
    `Forecast: ${money(report.forecast)} expected from contacts not yet won (deal size ${money(report.dealSize)}, from ${report.dealSizeSource}); won so far ${money(report.won)}`,
  );
  for (const s of report.stages.filter((x) => x.expectedRevenue > 0)) {
    lines.push(
      `  ${s.label.padEnd(labelWidth)} ${int(s.current).padStart(7)} × ${pct(s.winProbability).padStart(6)} × ${money(report.dealSize)} = ${money(s.expectedRevenue)}`,
    );
  }
  if (report.monthly) {
    const m = report.monthly;
    lines.push(
      `Monthly: ${int(m.newLeads)} new leads × ${pct(report.stages[0]?.winProbability ?? null)} to ${report.wonStage} = ${m.customers.toFixed(1)} customers ≈ ${money(m.revenue)} per month`,
    );
  }
  return lines.join('\n');
}
