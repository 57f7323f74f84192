import { describe, expect, it } from 'vitest';

import type { StageInfo } from '../../../src/model.ts';
import { buildFunnel, type StageStay } from '../../../src/report/funnel.ts';
import { renderFunnelSvg } from '../../../src/report/render-svg.ts';
import { bar, renderFunnelText } from '../../../src/report/render-text.ts';

const stages: StageInfo[] = ['lead', 'mql', 'sql', 'customer'].map((key, index) => ({
  key,
  label: key.toUpperCase(),
  owner: key === 'customer' ? 'sales' : 'marketing',
  handoff: key === 'sql',
  index,
}));

/** 10 leads; 6 became MQL (after 2, 4, 4, 6, 8, 10 days); 3 of those SQL; 1 customer with $12,000. */
function history(): { history: StageStay[]; current: Map<string, string> } {
  const rows: StageStay[] = [];
  const current = new Map<string, string>();
  const day = (n: number) => new Date(Date.UTC(2026, 9, 1 + n)).toISOString();
  const mqlAfter = [2, 4, 4, 6, 8, 10];
  for (let i = 0; i < 10; i++) {
    const id = `c${i}`;
    const path =
      i < 1
        ? ['lead', 'mql', 'sql', 'customer']
        : i < 3
          ? ['lead', 'mql', 'sql']
          : i < 6
            ? ['lead', 'mql']
            : ['lead'];
    let at = 0;
    path.forEach((stage, k) => {
      const stay = stage === 'lead' ? (mqlAfter[i] ?? 0) : 5;
      const last = k === path.length - 1;
      rows.push({ contactId: id, stage, enteredAt: day(at), exitedAt: last ? null : day(at + stay) });
      at += stay;
    });
    current.set(id, path[path.length - 1]!);
  }
  return { history: rows, current };
}

describe('funnel report', () => {
  const { history: rows, current } = history();
  const report = buildFunnel({
    stages,
    history: rows,
    current,
    amounts: new Map([['c0', 12000]]),
    now: new Date('2026-11-01T00:00:00Z'),
  });

  it('counts contacts that reached each stage and those in it now', () => {
    expect(report.stages.map((s) => [s.key, s.reached, s.current])).toEqual([
      ['lead', 10, 4],
      ['mql', 6, 3],
      ['sql', 3, 2],
      ['customer', 1, 1],
    ]);
    expect(report.contacts).toBe(10);
  });

  it('computes conversion to the next stage and time spent by those who left', () => {
    expect(report.stages.map((s) => s.conversionToNext)).toEqual([0.6, 0.5, 1 / 3, null]);
    // Lead: 6 stays ended (2, 4, 4, 6, 8, 10 days), 4 are still open after 31 days (censored).
    // Kaplan-Meier: S = 9/10, ·8/9, ·7/8, ·6/7, ·5/6 = 0.5 at 8 days, so midway to 10: 9 (the
    // ended stays alone said 5, as if the 4 that never left did not exist).
    expect(report.stages[0]).toMatchObject({ medianDays: 9, meanDays: 34 / 6 });
    expect(report.stages[3]!.medianDays).toBeNull();
  });

  it('counts a stay still open as lasting at least until now, not as absent', () => {
    const day = (n: number) => new Date(Date.UTC(2026, 9, 1 + n)).toISOString();
    const stays: StageStay[] = [
      ...[2, 4, 6].map((n, i) => ({ contactId: `e${i}`, stage: 'mql', enteredAt: day(0), exitedAt: day(n) })),
      // Two MQLs that went quiet 10 days ago.
      ...[0, 1].map((i) => ({ contactId: `o${i}`, stage: 'mql', enteredAt: day(0), exitedAt: null })),
    ];
    const r = buildFunnel({
      stages,
      history: stays,
      current: new Map([...stays].map((s) => [s.contactId, s.exitedAt ? 'sql' : 'mql'])),
      amounts: new Map(),
      now: new Date(day(10)),
    });
    // S = 4/5 = 0.8 at 2 days, ·3/4 = 0.6 at 4, ·2/3 = 0.4 at 6: the median is 6 (ended only: 4).
    expect(r.stages[1]).toMatchObject({ medianDays: 6, meanDays: 4, current: 2 });
    // More than half still open and longer than every ended stay: no median yet.
    const mostlyOpen = buildFunnel({
      stages,
      history: [
        ...stays,
        { contactId: 'o2', stage: 'mql', enteredAt: day(0), exitedAt: null },
        { contactId: 'o3', stage: 'mql', enteredAt: day(0), exitedAt: null },
      ],
      current: new Map(),
      amounts: new Map(),
      now: new Date(day(10)),
    });
    expect(mostlyOpen.stages[1]!.medianDays).toBeNull();
  });

  it('forecasts revenue from the rates and the won deal size', () => {
    expect(report.wonStage).toBe('customer');
    expect(report.dealSize).toBe(12000);
    // 4 leads × 0.6·0.5·⅓ + 3 MQL × 0.5·⅓ + 2 SQL × ⅓, each × $12,000
    expect(report.forecast).toBeCloseTo((4 * 0.1 + 3 / 6 + 2 / 3) * 12000, 6);
    expect(report.won).toBe(12000);
  });

  it('falls back to a default deal size and refuses an unknown won stage', () => {
    const r = buildFunnel({
      stages,
      history: rows,
      current,
      amounts: new Map(),
      defaultDealSize: 5000,
      now: new Date(),
    });
    expect(r).toMatchObject({ dealSize: 5000, dealSizeSource: 'default' });
    expect(() =>
      buildFunnel({ stages, history: rows, current, amounts: new Map(), wonStage: 'nope', now: new Date() }),
    ).toThrow(/won stage "nope"/);
  });

  it('forecasts a month from new leads, or from a budget and a cost per lead, and filters a cohort', () => {
    const base = { stages, history: rows, current, amounts: new Map([['c0', 12000]]), now: new Date() };
    const monthly = buildFunnel({ ...base, monthlyLeads: 300 }).monthly!;
    expect(monthly.newLeads).toBe(300);
    expect(monthly.customers).toBeCloseTo(30, 6); // 300 × 0.6 × 0.5 × ⅓
    expect(monthly.revenue).toBeCloseTo(360000, 6);
    expect(
      buildFunnel({ ...base, budget: 6000, costPerLead: 20, dealSize: 1000 }).monthly?.revenue,
    ).toBeCloseTo(30000, 6);
    expect(buildFunnel(base).monthly).toBeNull();
    const cohort = buildFunnel({ ...base, since: new Date('2026-10-01T00:00:00Z') });
    expect(cohort.contacts).toBe(10);
    expect(buildFunnel({ ...base, since: new Date('2026-10-02T00:00:00Z') }).contacts).toBe(0);
  });

  it('draws bars proportional to the contacts who reached each stage', () => {
    expect(bar(1, 10)).toBe('█'.repeat(10));
    expect(bar(0.55, 10)).toBe('█████▌');
    const text = renderFunnelText(report, 'Funnel', 20);
    const lead = text.split('\n').find((l) => l.startsWith('LEAD'))!;
    const mql = text.split('\n').find((l) => l.startsWith('MQL'))!;
    expect(lead).toContain('█'.repeat(20));
    expect(mql).toContain('█'.repeat(12) + ' ');
    expect(text).toContain('60.0%');
    expect(text).toMatch(/Forecast: \$18,800 expected/);
  });

  it('draws the funnel in French with amounts in euros for a French model', () => {
    const lines = renderFunnelText(report, 'Entonnoir', 20, { locale: 'fr', currency: 'EUR' }).split('\n');
    expect(lines[0]).toBe('Entonnoir : 10 contacts');
    expect(lines[2]).toMatch(/^étape {5}atteinte/);
    // French CLDR: a narrow no-break space groups thousands, a no-break space precedes the euro.
    const eur = (n: string) => `${n.replace(' ', '\u202f')}\u00a0€`;
    expect(lines).toContain(
      `Prévision : ${eur('18 800')} attendus des contacts pas encore gagnés (taille d’affaire ${eur('12 000')}, affaires gagnées) ; gagné à ce jour ${eur('12 000')}`,
    );
    const line = (label: string) => lines.find((l) => l.startsWith(label))!;
    // 6 of 10 leads became MQL, 3 of those 6 SQL; SQL is the handoff, CUSTOMER the won stage.
    expect(line('LEAD ')).toContain(' 60,0 %');
    expect(line('MQL ')).toContain(' 50,0 %');
    expect(line('SQL ')).toMatch(/ ◀ passage aux ventes$/);
    expect(line('CUSTOMER ')).toMatch(/ ◀ gagné$/);
  });

  it('draws an SVG with one shape per stage', () => {
    const svg = renderFunnelSvg(report);
    expect(svg.match(/<polygon /g)).toHaveLength(4);
    expect(svg).toContain('data-stage="customer"');
    expect(svg).toContain('60.0% → next');
    expect(svg).toContain('aria-label="Lead funnel"');
    expect(svg).toContain('>10 reached · 4 now · 60.0% → next</text>');
    expect(svg).toContain('>1 reached · 1 now</text>');
  });

  it('draws the SVG in French for a French model', () => {
    const svg = renderFunnelSvg(report, 'fr');
    expect(svg).toContain('aria-label="Entonnoir des leads"');
    // LEAD: 10 reached, 4 still there, 6 of 10 went on; SQL: 1 of 3; CUSTOMER is last.
    expect(svg).toContain('>atteinte : 10 · actuellement : 4 · vers la suivante : 60,0 %</text>');
    expect(svg).toContain('>atteinte : 3 · actuellement : 2 · vers la suivante : 33,3 %</text>');
    expect(svg).toContain('>atteinte : 1 · actuellement : 1</text>');
    expect(svg).not.toMatch(/reached|now|next/);
  });
});
