/**
 * The funnel drawn as SVG for the web app: a centred trapezoid per stage, width proportional to
 * the contacts who reached it, labelled with counts and conversion to the next stage, in the words
 * of the page it sits on (a French model's Funnel page draws it in French).
 */
import type { ModelLocale } from '../qualification/messages.ts';
import { PAGE_WORDS, type PageWords } from '../qualification/page-words.ts';

import type { FunnelReport } from './funnel.ts';

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * Text width estimates for system-ui: an SVG cannot measure its own text, so the label column is
 * sized from the longest label at a generous average glyph width, so no label is ever cut.
 */
const GLYPH = { bold14: 8.6, small12: 7 };

function stageNote(s: FunnelReport['stages'][number], t: PageWords): string {
  const w = t.funnel.drawing;
  // English keeps its original `toFixed` output; other locales write their own decimal mark.
  const pct = (v: number) =>
    t.percent(
      t.numberLocale === 'en-US'
        ? v.toFixed(1)
        : v.toLocaleString(t.numberLocale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
    );
  const conv = s.conversionToNext === null ? '' : w.toNext(pct(s.conversionToNext * 100));
  return `${w.note(s.reached.toLocaleString(t.numberLocale), s.current.toLocaleString(t.numberLocale))}${conv}`;
}

export function renderFunnelSvg(report: FunnelReport, locale: ModelLocale = 'en', width = 640): string {
  const t = PAGE_WORDS[locale];
  const rowHeight = 44;
  const gap = 6;
  const longest = Math.max(
    0,
    ...report.stages.map((s) =>
      Math.max(s.label.length * GLYPH.bold14, stageNote(s, t).length * GLYPH.small12),
    ),
  );
  const labelWidth = Math.ceil(longest) + 20;
  // The bars keep at least 300 units; a long label widens the drawing, scaled down by the viewBox.
  const barArea = Math.max(300, width - labelWidth - 20);
  width = labelWidth + barArea + 20;
  const top = Math.max(1, report.stages[0]?.reached ?? 1);
  const height = report.stages.length * (rowHeight + gap) + 10;
  const rows = report.stages.map((s, i) => {
    const w = Math.max(2, (s.reached / top) * barArea);
    const next = report.stages[i + 1];
    const wNext = next ? Math.max(2, (next.reached / top) * barArea) : w;
    const cx = labelWidth + barArea / 2;
    const y = i * (rowHeight + gap) + 5;
    const points = [
      [cx - w / 2, y],
      [cx + w / 2, y],
      [cx + wNext / 2, y + rowHeight],
      [cx - wNext / 2, y + rowHeight],
    ]
      .map(([x, yy]) => `${x!.toFixed(1)},${yy!.toFixed(1)}`)
      .join(' ');
    const fill =
      s.owner === 'sales' ? '#2f7d5b' : s.owner === 'sdr' ? '#7a4fb0' : s.handoff ? '#d98c1f' : '#3b6fb6';
    return [
      `<g class="stage" data-stage="${esc(s.key)}">`,
      `<polygon points="${points}" fill="${fill}" opacity="0.9"/>`,
      `<text x="10" y="${y + 18}" font-weight="600">${esc(s.label)}</text>`,
      `<text x="10" y="${y + 35}" font-size="12" fill="#555">${esc(stageNote(s, t))}</text>`,
      `</g>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(t.funnel.drawing.label)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" preserveAspectRatio="xMinYMin meet" font-family="system-ui, sans-serif" font-size="14">`,
    ...rows,
    '</svg>',
  ].join('\n');
}
