/**
 * Contact search and the contact page: stage, each dimension's score against what the next stage
 * asks (CSS bars), the engine's explanation and what is missing, the stage history as a timeline,
 * what was written to each system and when, links to the records, and erasure.
 */
import type { ContactExplanation, ContactMatch, DimensionBar } from '../../pipeline/explain-contact.ts';

import { PAGE_WORDS, type PageWords } from '../../qualification/page-words.ts';
import type { ModelLocale } from '../../qualification/messages.ts';

import { confirmForm } from './forms.ts';
import { fmtNumber, fmtTime } from './format.ts';
import { esc, workspaceHref } from './layout.ts';

type ContactWords = PageWords['contact'] & Pick<PageWords, 'numberLocale' | 'relative'>;

export const CONTACT_STYLE = `
.bars{display:grid;grid-template-columns:minmax(6rem,max-content) 1fr minmax(7rem,max-content);gap:.45rem .75rem;align-items:center}
.bar{position:relative;height:1.1rem;background:#eef0f3;border-radius:4px}
.bar .fill{position:absolute;left:0;top:0;bottom:0;background:#3b6fb6;border-radius:4px}
.bar.short .fill{background:#d98c1f}
.bar .mark{position:absolute;top:-3px;bottom:-3px;width:2px;background:#b3261e}
ol.timeline{list-style:none;margin:.5rem 0;padding:0 0 0 1rem;border-left:2px solid #c5ccd8}
ol.timeline li{position:relative;margin:0 0 .7rem;padding-left:.6rem}
ol.timeline li::before{content:"";position:absolute;left:-1.45rem;top:.35rem;width:.7rem;height:.7rem;border-radius:50%;background:#3b6fb6;border:2px solid #fff}
ol.timeline li.current::before{background:#137333}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.4rem 0}
dl.facts dt{font-weight:600;color:#394150}dl.facts dd{margin:0}
`;

export function renderContactSearch(
  workspaceId: string,
  query: string,
  matches: ContactMatch[] | null,
  locale: ModelLocale = 'en',
): string {
  const w = PAGE_WORDS[locale].contact.search;
  const base = workspaceHref(workspaceId, 'contacts');
  const results =
    matches === null
      ? `<p class="muted">${w.hint}</p>`
      : matches.length === 0
        ? `<p class="muted">${w.none(esc(query))}</p>`
        : `<div class="table-wrap"><table class="results"><thead><tr>${w.columns.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>${matches
            .map(
              (m) =>
                `<tr><td><a href="${esc(`${base}/${encodeURIComponent(m.id)}`)}">${esc(m.name ?? w.noName)}</a></td><td>${esc(m.email ?? '—')}</td><td><code>${esc(m.id)}</code></td><td>${esc(m.stage ?? '—')}</td></tr>`,
            )
            .join(
              '',
            )}</tbody></table></div>${matches.length >= 50 ? `<p class="muted">${w.first50}</p>` : ''}`;
  return `<h1>${w.title}</h1>
<section class="card"><form method="get" action="${esc(base)}" role="search">
<label for="contact-q">${w.label}</label>
<div class="actions"><input type="search" id="contact-q" name="q" value="${esc(query)}" autofocus>
<button class="primary" type="submit">${w.button}</button></div></form>
${results}</section>`;
}

/** Dimensions share one scale so their bars compare; the total, a sum, has its own. */
function scaleOf(bars: DimensionBar[]): (b: DimensionBar) => number {
  const top = (list: DimensionBar[]) =>
    Math.max(1, ...list.map((b) => Math.max(b.score, b.threshold ?? 0))) * 1.15;
  const dims = top(bars.filter((b) => b.dimension !== 'total'));
  const total = top(bars.filter((b) => b.dimension === 'total'));
  return (b) => (b.dimension === 'total' ? total : dims);
}

function barRow(b: DimensionBar, scale: number, t: ContactWords): string {
  const pct = (v: number) => `${Math.max(0, Math.min(100, (v / scale) * 100)).toFixed(1)}%`;
  const mark =
    b.threshold !== null
      ? `<span class="mark" style="left:${pct(b.threshold)}" title="${t.nextNeeds} ${esc(b.need ?? '')}"></span>`
      : '';
  const state = b.met
    ? `<span class="ok">${t.meets}${b.need ? ` (${esc(b.need)})` : ''}</span>`
    : `<span class="warn">${t.needs(esc(b.need ?? ''))}</span>`;
  return `<div class="dim">${esc(b.dimension)}</div>
<div class="bar${b.met ? '' : ' short'}" role="img" aria-label="${esc(`${b.dimension} ${b.score}${b.need ? `, ${t.nextNeeds} ${b.need}` : ''}`)}"><span class="fill" style="width:${pct(b.score)}"></span>${mark}</div>
<div><strong>${fmtNumber(b.score, Number.isInteger(b.score) ? 0 : 1, t.numberLocale)}</strong> · ${state}</div>`;
}

export interface RecordLinks {
  source: string | null;
  crm: string | null;
}

const VENDOR_NAMES: Record<string, string> = {
  hubspot: 'HubSpot',
  mautic: 'Mautic',
  salesforce: 'Salesforce',
};
const vendorName = (v: string | null) => (v ? (VENDOR_NAMES[v] ?? v) : '');

export function renderContactPage(
  e: ContactExplanation,
  links: RecordLinks,
  csrf: string,
  now: Date,
): string {
  const words = PAGE_WORDS[e.model.locale];
  const t: ContactWords = { ...words.contact, numberLocale: words.numberLocale, relative: words.relative };
  const time = (iso: string) => fmtTime(iso, now, t.relative);
  const title = e.contact.name ?? e.contact.email ?? e.contact.id;
  const next = e.nextStage;
  const missing = e.missing.length
    ? `<ul>${e.missing.map((r) => `<li>${esc(r.text)}</li>`).join('')}</ul>`
    : `<p class="muted">${next ? t.nothingMissingFor(esc(next.label)) : t.lastStage}</p>`;
  const history = e.history.length
    ? `<ol class="timeline">${[...e.history]
        .reverse()
        .map(
          (s) =>
            `<li class="${s.exitedAt ? '' : 'current'}"><strong>${esc(s.stage)}</strong><br><span class="muted">${t.from} ${fmtTime(s.enteredAt)}${s.exitedAt ? ` ${t.to} ${fmtTime(s.exitedAt)}` : ` — ${t.now}`}</span></li>`,
        )
        .join('')}</ol>`
    : `<p class="muted">${t.noHistory}</p>`;
  const w = e.stored?.written;
  const src = vendorName(e.workspace.sourceVendor);
  const crm = vendorName(e.workspace.crmVendor);
  const written = `<dl class="facts">
<dt>${esc(src)}</dt><dd>${w ? t.stageWritten(esc(w.stage), time(w.at)) : `<span class="muted">${t.nothingWritten}</span>`}${links.source ? ` · <a href="${esc(links.source)}" target="_blank" rel="noopener noreferrer">${t.openIn(esc(src))}</a>` : ''}</dd>
${
  e.workspace.crmVendor
    ? `<dt>${esc(crm)}</dt><dd>${
        e.handoff?.handedAt
          ? `${t.handedOffAs} ${esc(e.handoff.crmObject ?? 'record')} <code>${esc(e.handoff.crmId ?? '?')}</code> ${t.atStage} <strong>${esc(e.handoff.handedStage ?? '?')}</strong> ${time(e.handoff.handedAt)}${e.handoff.convertedContactId ? ` · ${t.convertedTo} Contact <code>${esc(e.handoff.convertedContactId)}</code>` : ''}${e.handoff.convertedOpportunityId ? ` · Opportunity <code>${esc(e.handoff.convertedOpportunityId)}</code>` : ''}`
          : `<span class="muted">${t.notHandedOff}</span>`
      }${links.crm ? ` · <a href="${esc(links.crm)}" target="_blank" rel="noopener noreferrer">${t.openIn(esc(crm))}</a>` : ''}</dd>`
    : ''
}
<dt>${t.decided}</dt><dd>${e.stored ? `${time(e.stored.decidedAt)} ${t.withModel} <code>${esc(e.stored.modelVersion.slice(0, 12))}</code>` : `<span class="muted">${t.notBySync}</span>`}</dd>
</dl>`;
  const erase = confirmForm(
    `${workspaceHref(e.workspace.id, 'contacts')}/${encodeURIComponent(e.contact.id)}/erase`,
    csrf,
    {
      label: t.eraseButton,
      question: t.eraseQuestion(title),
      confirmLabel: t.eraseConfirm,
    },
  );
  return `<style>${CONTACT_STYLE}</style>
<h1>${esc(title)} <span class="badge ${e.stage.owner === 'sales' ? 'ok' : ''}" data-stage="${esc(e.stage.key)}">${esc(e.stage.label)}</span></h1>
<p class="muted">${e.contact.email ? `${esc(e.contact.email)} · ` : ''}id <code>${esc(e.contact.id)}</code> · ${t.stageOf(e.stage.index + 1)}${next ? t.next(esc(next.label)) : t.last} · ${t.evaluated(fmtTime(e.evaluatedAt), esc(e.model.name))}</p>
<div class="grid">
<section class="card" aria-labelledby="scores-h"><h2 id="scores-h">${t.scores}${next ? t.against(esc(next.label)) : ''}</h2>
<div class="bars">${e.dimensions.map((b) => barRow(b, scaleOf(e.dimensions)(b), t)).join('')}</div>
<p class="muted">${esc(t.markNote)}</p></section>
<section class="card" aria-labelledby="missing-h"><h2 id="missing-h">${next ? t.missingFor(esc(next.label)) : t.nextStage}</h2>${missing}</section>
</div>
<section class="card" aria-labelledby="why-h"><h2 id="why-h">${t.why(esc(e.stage.label))}</h2><p>${esc(e.summary)}</p><pre class="explanation">${esc(e.text)}</pre></section>
<div class="grid">
<section class="card" aria-labelledby="history-h"><h2 id="history-h">${t.history}</h2>${history}</section>
<section class="card" aria-labelledby="written-h"><h2 id="written-h">${t.written}</h2>${written}</section>
</div>
<section class="card" aria-labelledby="erase-h"><h2 id="erase-h">${t.erase}</h2><p class="muted">${t.eraseNote}</p>${erase}</section>`;
}
