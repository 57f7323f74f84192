/**
 * The funnel page: the drawing, conversion and time in stage per stage, the forecast with the
 * inputs it used, and cohorts by month. The inputs are a GET form, so a forecast is a link.
 */
import type { FunnelReport } from '../../report/funnel.ts';
import type { FunnelQuery } from '../observe-api.ts';

import { fmtNumber } from './format.ts';
import { esc, workspaceHref } from './layout.ts';

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const days = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)} d`);

function money(v: number, currency: string | undefined): string {
  return currency
    ? v.toLocaleString('en-US', { style: 'currency', currency, maximumFractionDigits: 0 })
    : fmtNumber(v);
}

function field(
  name: keyof FunnelQuery,
  label: string,
  value: string | number | undefined,
  attrs: string,
): string {
  return `<p><label for="f-${name}">${esc(label)}</label><br><input id="f-${name}" name="${name}" value="${esc(value === undefined ? '' : String(value))}" ${attrs}></p>`;
}

export function renderFunnelPage(
  workspaceId: string,
  report: FunnelReport,
  svg: string,
  q: FunnelQuery,
): string {
  const c = q.currency;
  const dealSource = {
    given: 'as given',
    'won deals': 'the mean of won deals read back from the CRM',
    default: 'no won deal carries an amount yet',
  }[report.dealSizeSource];
  const leadsInput =
    q.monthlyLeads !== undefined
      ? `${fmtNumber(q.monthlyLeads)} new leads a month (given)`
      : q.budget !== undefined && q.costPerLead !== undefined
        ? `budget ${money(q.budget, c)} ÷ cost per lead ${money(q.costPerLead, c)} = ${fmtNumber(report.monthly?.newLeads ?? 0, 1)} new leads a month`
        : null;
  const monthly = report.monthly
    ? `<dl class="facts"><dt>New leads a month</dt><dd>${fmtNumber(report.monthly.newLeads, 1)}</dd><dt>Customers a month</dt><dd>${fmtNumber(report.monthly.customers, 1)}</dd><dt>Revenue a month</dt><dd><strong>${money(report.monthly.revenue, c)}</strong></dd></dl>`
    : '<p class="muted">Give monthly leads, or a budget and a cost per lead, for a monthly forecast.</p>';
  const stages = report.stages
    .map(
      (s) =>
        `<tr data-stage="${esc(s.key)}"><td>${esc(s.label)}${s.handoff ? ' <span class="badge warn">handoff</span>' : ''}${s.key === report.wonStage ? ' <span class="badge ok">won</span>' : ''}</td><td class="num">${fmtNumber(s.reached)}</td><td class="num">${fmtNumber(s.current)}</td><td class="num">${pct(s.conversionToNext)}</td><td class="num">${days(s.medianDays)}</td><td class="num">${days(s.meanDays)}</td><td class="num">${pct(s.winProbability)}</td><td class="num">${money(s.expectedRevenue, c)}</td></tr>`,
    )
    .join('');
  const cohorts = report.cohorts.length
    ? `<div class="table-wrap"><table class="cohorts"><thead><tr><th>first seen</th><th class="num">contacts</th>${report.stages
        .slice(1)
        .map((s) => `<th class="num">${esc(s.label)}</th>`)
        .join('')}</tr></thead><tbody>${report.cohorts
        .map(
          (k) =>
            `<tr data-month="${esc(k.month)}"><td>${esc(k.month)}</td><td class="num">${fmtNumber(k.contacts)}</td>${report.stages
              .slice(1)
              .map((s) => {
                const n = k.reached[s.key] ?? 0;
                return `<td class="num">${fmtNumber(n)} <span class="muted">${pct(k.contacts ? n / k.contacts : null)}</span></td>`;
              })
              .join('')}</tr>`,
        )
        .join('')}</tbody></table></div>`
    : '<p class="muted">No stage history yet.</p>';
  return `<style>dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.4rem 0}dl.facts dt{font-weight:600;color:#394150}dl.facts dd{margin:0}
form.forecast{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:0 1rem;align-items:end}form.forecast input{width:100%}</style>
<h1>Funnel</h1>
<div class="grid">
<section class="card" aria-labelledby="drawn-h"><h2 id="drawn-h">${fmtNumber(report.contacts)} contacts</h2><div class="funnel">${svg}</div></section>
<section class="card" aria-labelledby="forecast-h"><h2 id="forecast-h">Forecast</h2>
<dl class="facts"><dt>Pipeline forecast</dt><dd><strong data-forecast>${money(report.forecast, c)}</strong> <span class="muted">contacts now in each stage × their chance to reach ${esc(report.wonStage)} × deal size</span></dd>
<dt>Won so far</dt><dd>${money(report.won, c)}</dd>
<dt>Deal size</dt><dd>${money(report.dealSize, c)} <span class="muted">(${esc(dealSource)})</span></dd>
${leadsInput ? `<dt>Leads</dt><dd>${leadsInput}</dd>` : ''}</dl>
${monthly}</section>
</div>
<section class="card" aria-labelledby="inputs-h"><h2 id="inputs-h">Forecast inputs</h2>
<form class="forecast" method="get" action="${esc(workspaceHref(workspaceId, 'funnel'))}">
${field('monthlyLeads', 'Monthly new leads', q.monthlyLeads, 'type="number" min="0" step="any" inputmode="decimal"')}
${field('budget', 'or monthly budget', q.budget, 'type="number" min="0" step="any" inputmode="decimal"')}
${field('costPerLead', '÷ cost per lead', q.costPerLead, 'type="number" min="0" step="any" inputmode="decimal"')}
${field('dealSize', 'Deal size (empty: from won deals)', q.dealSize, 'type="number" min="0" step="any" inputmode="decimal"')}
${field('currency', 'Currency (ISO code)', q.currency, 'type="text" pattern="[A-Z]{3}" maxlength="3" placeholder="EUR" style="min-width:0"')}
${field('since', 'Contacts first seen since', q.since, 'type="date"')}
<p><button class="primary" type="submit">Update forecast</button></p>
</form></section>
<section class="card" aria-labelledby="stages-h"><h2 id="stages-h">Conversion and time in stage</h2>
<div class="table-wrap"><table class="stages"><thead><tr><th>stage</th><th class="num">reached</th><th class="num">now</th><th class="num">to next</th><th class="num">median time</th><th class="num">mean time</th><th class="num">chance to win</th><th class="num">expected revenue</th></tr></thead><tbody>${stages}</tbody></table></div>
<p class="muted">Time in stage counts contacts who have left the stage.</p></section>
<section class="card" aria-labelledby="cohorts-h"><h2 id="cohorts-h">Cohorts by month</h2><p class="muted">Contacts by the month they were first seen, and how many of them reached each stage.</p>${cohorts}</section>`;
}
