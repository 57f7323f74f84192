/**
 * Contact search and the contact page: stage, each dimension's score against what the next stage
 * asks (CSS bars), the engine's explanation and what is missing, the stage history as a timeline,
 * what was written to each system and when, links to the records, and erasure.
 */
import type { ContactExplanation, ContactMatch, DimensionBar } from '../../pipeline/explain-contact.ts';

import { confirmForm } from './forms.ts';
import { fmtNumber, fmtTime } from './format.ts';
import { esc, workspaceHref } from './layout.ts';

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
): string {
  const base = workspaceHref(workspaceId, 'contacts');
  const results =
    matches === null
      ? '<p class="muted">Search by email, name or contact id.</p>'
      : matches.length === 0
        ? `<p class="muted">No contact matches “${esc(query)}”.</p>`
        : `<div class="table-wrap"><table class="results"><thead><tr><th>name</th><th>email</th><th>id</th><th>stage</th></tr></thead><tbody>${matches
            .map(
              (m) =>
                `<tr><td><a href="${esc(`${base}/${encodeURIComponent(m.id)}`)}">${esc(m.name ?? '(no name)')}</a></td><td>${esc(m.email ?? '—')}</td><td><code>${esc(m.id)}</code></td><td>${esc(m.stage ?? '—')}</td></tr>`,
            )
            .join(
              '',
            )}</tbody></table></div>${matches.length >= 50 ? '<p class="muted">The first 50 matches: narrow the search to see others.</p>' : ''}`;
  return `<h1>Contacts</h1>
<section class="card"><form method="get" action="${esc(base)}" role="search">
<label for="contact-q">Email, name or id</label>
<div class="actions"><input type="search" id="contact-q" name="q" value="${esc(query)}" autofocus>
<button class="primary" type="submit">Search</button></div></form>
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

function barRow(b: DimensionBar, scale: number): string {
  const pct = (v: number) => `${Math.max(0, Math.min(100, (v / scale) * 100)).toFixed(1)}%`;
  const mark =
    b.threshold !== null
      ? `<span class="mark" style="left:${pct(b.threshold)}" title="next stage needs ${esc(b.need ?? '')}"></span>`
      : '';
  const state = b.met
    ? `<span class="ok">meets the next stage${b.need ? ` (${esc(b.need)})` : ''}</span>`
    : `<span class="warn">needs ${esc(b.need ?? '')}</span>`;
  return `<div class="dim">${esc(b.dimension)}</div>
<div class="bar${b.met ? '' : ' short'}" role="img" aria-label="${esc(`${b.dimension} ${b.score}${b.need ? `, next stage needs ${b.need}` : ''}`)}"><span class="fill" style="width:${pct(b.score)}"></span>${mark}</div>
<div><strong>${fmtNumber(b.score, Number.isInteger(b.score) ? 0 : 1)}</strong> · ${state}</div>`;
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
  const title = e.contact.name ?? e.contact.email ?? e.contact.id;
  const next = e.nextStage;
  const missing = e.missing.length
    ? `<ul>${e.missing.map((r) => `<li>${esc(r.text)}</li>`).join('')}</ul>`
    : `<p class="muted">${next ? `Nothing reported missing for ${esc(next.label)}.` : 'This is the last stage.'}</p>`;
  const history = e.history.length
    ? `<ol class="timeline">${[...e.history]
        .reverse()
        .map(
          (s) =>
            `<li class="${s.exitedAt ? '' : 'current'}"><strong>${esc(s.stage)}</strong><br><span class="muted">from ${fmtTime(s.enteredAt)}${s.exitedAt ? ` to ${fmtTime(s.exitedAt)}` : ' — now'}</span></li>`,
        )
        .join('')}</ol>`
    : '<p class="muted">No stage recorded yet: the next sync records it.</p>';
  const w = e.stored?.written;
  const src = vendorName(e.workspace.sourceVendor);
  const crm = vendorName(e.workspace.crmVendor);
  const written = `<dl class="facts">
<dt>${esc(src)}</dt><dd>${w ? `stage <strong>${esc(w.stage)}</strong> and scores written ${fmtTime(w.at, now)}` : '<span class="muted">nothing written yet</span>'}${links.source ? ` · <a href="${esc(links.source)}" target="_blank" rel="noopener noreferrer">open in ${esc(src)}</a>` : ''}</dd>
${
  e.workspace.crmVendor
    ? `<dt>${esc(crm)}</dt><dd>${
        e.handoff?.handedAt
          ? `handed off as ${esc(e.handoff.crmObject ?? 'record')} <code>${esc(e.handoff.crmId ?? '?')}</code> at stage <strong>${esc(e.handoff.handedStage ?? '?')}</strong> ${fmtTime(e.handoff.handedAt, now)}${e.handoff.convertedContactId ? ` · converted to Contact <code>${esc(e.handoff.convertedContactId)}</code>` : ''}${e.handoff.convertedOpportunityId ? ` · Opportunity <code>${esc(e.handoff.convertedOpportunityId)}</code>` : ''}`
          : '<span class="muted">not handed off</span>'
      }${links.crm ? ` · <a href="${esc(links.crm)}" target="_blank" rel="noopener noreferrer">open in ${esc(crm)}</a>` : ''}</dd>`
    : ''
}
<dt>Decided</dt><dd>${e.stored ? `${fmtTime(e.stored.decidedAt, now)} with model <code>${esc(e.stored.modelVersion.slice(0, 12))}</code>` : '<span class="muted">not by a sync yet</span>'}</dd>
</dl>`;
  const erase = confirmForm(
    `${workspaceHref(e.workspace.id, 'contacts')}/${encodeURIComponent(e.contact.id)}/erase`,
    csrf,
    {
      label: 'Erase this person',
      question: `Erase ${title}? Their stored data goes from leadstage, the CRM record is handled by the erasure policy, and future syncs skip them. This cannot be undone.`,
      confirmLabel: 'Erase',
    },
  );
  return `<style>${CONTACT_STYLE}</style>
<h1>${esc(title)} <span class="badge ${e.stage.owner === 'sales' ? 'ok' : ''}" data-stage="${esc(e.stage.key)}">${esc(e.stage.label)}</span></h1>
<p class="muted">${e.contact.email ? `${esc(e.contact.email)} · ` : ''}id <code>${esc(e.contact.id)}</code> · stage ${e.stage.index + 1}${next ? `, next: ${esc(next.label)}` : ' (last)'} · evaluated ${fmtTime(e.evaluatedAt)} with ${esc(e.model.name)}</p>
<div class="grid">
<section class="card" aria-labelledby="scores-h"><h2 id="scores-h">Scores${next ? ` against ${esc(next.label)}` : ''}</h2>
<div class="bars">${e.dimensions.map((b) => barRow(b, scaleOf(e.dimensions)(b))).join('')}</div>
<p class="muted">The red mark is the minimum the next stage's requirement sets for that score.</p></section>
<section class="card" aria-labelledby="missing-h"><h2 id="missing-h">${next ? `Missing for ${esc(next.label)}` : 'Next stage'}</h2>${missing}</section>
</div>
<section class="card" aria-labelledby="why-h"><h2 id="why-h">Why ${esc(e.stage.label)}</h2><p>${esc(e.summary)}</p><pre class="explanation">${esc(e.text)}</pre></section>
<div class="grid">
<section class="card" aria-labelledby="history-h"><h2 id="history-h">Stage history</h2>${history}</section>
<section class="card" aria-labelledby="written-h"><h2 id="written-h">Written to each system</h2>${written}</section>
</div>
<section class="card" aria-labelledby="erase-h"><h2 id="erase-h">Erase</h2><p class="muted">For a deletion request (GDPR art. 17): the same erasure as <code>leadstage contact erase</code>.</p>${erase}</section>`;
}
