/**
 * The funnel page: the drawing, conversion and time in stage per stage, the forecast with the
 * inputs it used, and cohorts by month. The inputs are a GET form, so a forecast is a link.
 */
import { PAGE_WORDS, type PageWords } from '../../qualification/page-words.ts';
import type { ModelLocale } from '../../qualification/messages.ts';
import type { FunnelReport } from '../../report/funnel.ts';
import type { FunnelQuery } from '../observe-api.ts';

import { fmtNumber } from './format.ts';
import { esc, workspaceHref } from './layout.ts';

/** Number words in the page's locale; English keeps its original `toFixed` output. */
function formats(t: PageWords) {
  const num = (v: number, digits = 0) => fmtNumber(v, digits, t.numberLocale);
  const dec = (v: number, digits: number) =>
    t.numberLocale === 'en-US' ? v.toFixed(digits) : num(v, digits);
  return {
    num,
    pct: (v: number | null) => (v === null ? '—' : t.percent(dec(v * 100, 1))),
    days: (v: number | null) => (v === null ? '—' : `${dec(v, 1)} ${t.daysUnit}`),
    money: (v: number, currency: string | undefined) =>
      currency
        ? v.toLocaleString(t.numberLocale, { style: 'currency', currency, maximumFractionDigits: 0 })
        : num(v),
  };
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
  locale: ModelLocale = 'en',
): string {
  const t = PAGE_WORDS[locale];
  const w = t.funnel;
  const { num, pct, days, money } = formats(t);
  const c = q.currency;
  const dealSource = w.dealSource[report.dealSizeSource];
  const leadsInput =
    q.monthlyLeads !== undefined
      ? w.leadsGiven(num(q.monthlyLeads))
      : q.budget !== undefined && q.costPerLead !== undefined
        ? w.leadsFromBudget(
            money(q.budget, c),
            money(q.costPerLead, c),
            num(report.monthly?.newLeads ?? 0, 1),
          )
        : null;
  const monthly = report.monthly
    ? `<dl class="facts"><dt>${w.newLeadsMonth}</dt><dd>${num(report.monthly.newLeads, 1)}</dd><dt>${w.customersMonth}</dt><dd>${num(report.monthly.customers, 1)}</dd><dt>${w.revenueMonth}</dt><dd><strong>${money(report.monthly.revenue, c)}</strong></dd></dl>`
    : `<p class="muted">${w.noMonthly}</p>`;
  const stages = report.stages
    .map(
      (s) =>
        `<tr data-stage="${esc(s.key)}"><td>${esc(s.label)}${s.handoff ? ` <span class="badge warn">${w.handoff}</span>` : ''}${s.key === report.wonStage ? ` <span class="badge ok">${w.won}</span>` : ''}</td><td class="num">${num(s.reached)}</td><td class="num">${num(s.current)}</td><td class="num">${pct(s.conversionToNext)}</td><td class="num">${days(s.medianDays)}</td><td class="num">${days(s.meanDays)}</td><td class="num">${pct(s.winProbability)}</td><td class="num">${money(s.expectedRevenue, c)}</td></tr>`,
    )
    .join('');
  const cohorts = report.cohorts.length
    ? `<div class="table-wrap"><table class="cohorts"><thead><tr><th>${w.firstSeen}</th><th class="num">${w.contactsColumn}</th>${report.stages
        .slice(1)
        .map((s) => `<th class="num">${esc(s.label)}</th>`)
        .join('')}</tr></thead><tbody>${report.cohorts
        .map(
          (k) =>
            `<tr data-month="${esc(k.month)}"><td>${esc(k.month)}</td><td class="num">${num(k.contacts)}</td>${report.stages
              .slice(1)
              .map((s) => {
                const n = k.reached[s.key] ?? 0;
                return `<td class="num">${num(n)} <span class="muted">${pct(k.contacts ? n / k.contacts : null)}</span></td>`;
              })
              .join('')}</tr>`,
        )
        .join('')}</tbody></table></div>`
    : `<p class="muted">${w.noHistory}</p>`;
  return `<style>dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.4rem 0}dl.facts dt{font-weight:600;color:#394150}dl.facts dd{margin:0}
form.forecast{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:0 1rem;align-items:end}form.forecast input{width:100%}</style>
<h1>${w.title}</h1>
<section class="card" aria-labelledby="drawn-h"><h2 id="drawn-h">${w.contacts(num(report.contacts))}</h2><div class="funnel" style="max-width:900px">${svg}</div></section>
<section class="card" aria-labelledby="forecast-h"><h2 id="forecast-h">${w.forecast}</h2>
<dl class="facts"><dt>${w.pipelineForecast}</dt><dd><strong data-forecast>${money(report.forecast, c)}</strong> <span class="muted">${w.pipelineHint(esc(report.wonStage))}</span></dd>
<dt>${w.wonSoFar}</dt><dd>${money(report.won, c)}</dd>
<dt>${w.dealSize}</dt><dd>${money(report.dealSize, c)} <span class="muted">(${esc(dealSource)})</span></dd>
${leadsInput ? `<dt>${w.leads}</dt><dd>${leadsInput}</dd>` : ''}</dl>
${monthly}</section>
<section class="card" aria-labelledby="inputs-h"><h2 id="inputs-h">${w.inputs}</h2>
<form class="forecast" method="get" action="${esc(workspaceHref(workspaceId, 'funnel'))}">
${field('monthlyLeads', w.inputMonthlyLeads, q.monthlyLeads, 'type="number" min="0" step="any" inputmode="decimal"')}
${field('budget', w.inputBudget, q.budget, 'type="number" min="0" step="any" inputmode="decimal"')}
${field('costPerLead', w.inputCostPerLead, q.costPerLead, 'type="number" min="0" step="any" inputmode="decimal"')}
${field('dealSize', w.inputDealSize, q.dealSize, 'type="number" min="0" step="any" inputmode="decimal"')}
${field('currency', w.inputCurrency, q.currency, 'type="text" pattern="[A-Z]{3}" maxlength="3" placeholder="EUR" style="min-width:0"')}
${field('since', w.inputSince, q.since, 'type="date"')}
<p><button class="primary" type="submit">${w.update}</button></p>
</form></section>
<section class="card" aria-labelledby="stages-h"><h2 id="stages-h">${w.conversion}</h2>
<div class="table-wrap"><table class="stages"><thead><tr>${w.columns.map((h, i) => `<th${i ? ' class="num"' : ''}>${h}</th>`).join('')}</tr></thead><tbody>${stages}</tbody></table></div>
<p class="muted">${w.timeNote}</p></section>
<section class="card" aria-labelledby="cohorts-h"><h2 id="cohorts-h">${w.cohorts}</h2><p class="muted">${w.cohortsNote}</p>${cohorts}</section>`;
}
