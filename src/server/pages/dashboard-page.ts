/**
 * The dashboard: every workspace with its connections, last runs, sync jobs in flight (polled from
 * the API) and its funnel as SVG, plus the connect / disconnect / sync buttons.
 */
import type { ConnectionView, JobView, WorkspaceView } from '../views.ts';

import { runRow } from '../sync-health.ts';
import { confirmForm, postForm } from './forms.ts';
import { esc, type Notice, page, workspaceHref } from './layout.ts';
import { stageWriteNote } from './stage-write-note.ts';

export { renderMessagePage } from './layout.ts';
export type DashboardNotice = Notice;

const LABELS: Record<string, string> = { hubspot: 'HubSpot', salesforce: 'Salesforce', mautic: 'Mautic' };
const label = (vendor: string) => LABELS[vendor] ?? vendor;

function connectForm(ws: WorkspaceView, vendor: string, csrf: string): string {
  const action = `/workspaces/${encodeURIComponent(ws.id)}/connect/${vendor}`;
  if (vendor === 'mautic') {
    return postForm(
      action,
      csrf,
      `
<label>Mautic base URL <input type="url" name="baseUrl" placeholder="https://mautic.example.com" required></label>
<button class="primary" type="submit">Connect Mautic</button>`,
    );
  }
  return postForm(action, csrf, `<button class="primary" type="submit">Connect ${label(vendor)}</button>`);
}

function connectionRow(
  ws: WorkspaceView,
  role: 'source' | 'crm',
  vendor: string | null,
  c: ConnectionView | null,
  publicUrl: string,
  csrf: string,
): string {
  if (!vendor) return `<tr><th>${role}</th><td colspan="2" class="muted">none</td></tr>`;
  if (!c) {
    return `<tr><th>${role}</th><td>${esc(label(vendor))} <span class="muted">not connected</span></td><td>${connectForm(ws, vendor, csrf)}</td></tr>`;
  }
  const status =
    c.status === 'active'
      ? `<span class="ok" data-status="connected">connected</span>`
      : `<span class="bad" data-status="needs_reconnect">needs reconnect${c.statusMessage ? `: ${esc(c.statusMessage)}` : ''}</span>`;
  const webhook =
    vendor === 'mautic'
      ? `<br><span class="muted">webhook URL: <code>${esc(`${publicUrl}/webhooks/mautic/${c.id}`)}</code></span>`
      : vendor === 'hubspot'
        ? `<br><span class="muted">webhook URL: <code>${esc(`${publicUrl}/webhooks/hubspot`)}</code></span>`
        : '';
  const check = ws.schemaChecks[vendor];
  const schema = !check
    ? ''
    : check.error
      ? `<br><span class="bad">schema check failed: ${esc(check.error)}</span>`
      : check.missing.length
        ? `<br><span class="bad">missing in ${esc(label(vendor))}:</span><ul class="missing">${check.missing.map((m) => `<li>${esc(m)}</li>`).join('')}</ul>`
        : `<br><span class="ok">schema ready</span>`;
  const doctor = check?.doctor ? doctorOnConnect(check.doctor) : '';
  const disconnect = confirmForm(`/workspaces/${encodeURIComponent(ws.id)}/disconnect/${vendor}`, csrf, {
    label: 'Disconnect',
    question: `Disconnect ${label(vendor)} from ${ws.name}? Syncing stops and leadstage's tokens for this account are revoked where ${label(vendor)} allows it.`,
  });
  const actions = `${disconnect}${c.status === 'active' ? '' : connectForm(ws, vendor, csrf)}`;
  return `<tr data-vendor="${esc(vendor)}"><th>${role}</th><td>${esc(label(vendor))} account <code>${esc(c.accountId ?? '?')}</code> — ${status}${stageWriteNote(c.stageWrite)}${webhook}${schema}${doctor}</td><td>${actions}</td></tr>`;
}

/** The doctor's findings when the vendor was connected: what the admin should fix before syncing. */
function doctorOnConnect(d: NonNullable<WorkspaceView['schemaChecks'][string]['doctor']>): string {
  const count = (sev: string) => d.findings.filter((f) => f.severity === sev).length;
  const head = d.ok
    ? `<span class="ok">doctor: nothing blocking</span>`
    : `<span class="bad">doctor: ${count('blocking')} blocking problem(s)</span>`;
  const shown = d.findings.filter((f) => f.severity !== 'info');
  const items = shown
    .map(
      (f) =>
        `<li data-severity="${esc(f.severity)}" data-code="${esc(f.code)}"><strong>${esc(f.severity)}</strong> ${esc(f.message)} <span class="muted">fix: ${esc(f.fix)}</span></li>`,
    )
    .join('');
  return `<div data-doctor="${d.ok ? 'ok' : 'blocking'}">${head}${count('warning') ? ` <span class="muted">${count('warning')} warning(s)</span>` : ''}${items ? `<ul class="doctor">${items}</ul>` : ''}</div>`;
}

export function describeJob(j: JobView): string {
  const p = j.progress as { step?: unknown; done?: unknown; total?: unknown } | null;
  const progress =
    p && typeof p === 'object' && typeof p.step === 'string'
      ? ` — ${p.step} ${typeof p.done === 'number' ? p.done : 0}${typeof p.total === 'number' ? `/${p.total}` : ''}`
      : '';
  return `${j.name} ${j.state}${progress}`;
}

/** Optional streams a run skipped after retries: the run succeeded, but some engagement is late. */
function runWarnings(r: WorkspaceView['runs'][number]): string {
  const warnings = runRow(r).warnings;
  return warnings.length
    ? `<ul class="warnings">${warnings.map((w) => `<li class="warn">${esc(w)}</li>`).join('')}</ul>`
    : '';
}

function workspaceSection(
  ws: WorkspaceView,
  svg: string | null,
  publicUrl: string,
  csrf: string,
  extra = '',
): string {
  const runs = ws.runs.length
    ? `<table class="runs"><tr><th>started</th><th>kind</th><th>status</th><th>counts</th></tr>${ws.runs
        .map(
          (r) =>
            `<tr><td>${esc(r.startedAt)}</td><td>${esc(r.kind)}</td><td class="${r.status === 'failed' ? 'bad' : r.status === 'succeeded' ? 'ok' : ''}">${esc(r.status)}${r.error ? `: ${esc(r.error)}` : ''}${runWarnings(r)}</td><td><code>${esc(JSON.stringify(r.counts))}</code></td></tr>`,
        )
        .join('')}</table>`
    : '<p class="muted">no runs yet</p>';
  const stages = Object.entries(ws.stages)
    .map(([k, n]) => `${esc(k)} ${n}`)
    .join(', ');
  return `<section class="ws" id="ws-${esc(ws.id)}" data-ws="${esc(ws.id)}">
<h2><a href="${esc(workspaceHref(ws.id))}">${esc(ws.name)}</a></h2>
<p class="muted">model ${esc(ws.model.ref)} @ <code>${esc(ws.model.version)}</code>${ws.model.applied ? '' : ' (not applied yet)'} · every ${ws.scheduleIntervalMinutes} min${stages ? ` · ${stages}` : ''}</p>
<table class="connections">
${connectionRow(ws, 'source', ws.sourceVendor, ws.source, publicUrl, csrf)}
${connectionRow(ws, 'crm', ws.crmVendor, ws.crm, publicUrl, csrf)}
</table>
<p>${postForm(`/workspaces/${encodeURIComponent(ws.id)}/sync`, csrf, '<button type="submit">Sync now</button>')}
<span class="jobs" aria-live="polite">${ws.jobs.length ? esc(ws.jobs.map(describeJob).join('; ')) : 'no sync running'}</span></p>
<h3>Last runs</h3>${runs}
<h3>Funnel</h3>
<div class="funnel">${svg ?? '<p class="muted">no funnel yet</p>'}</div>
${extra}
</section>`;
}

/** Polls each workspace's jobs so progress moves without reloading. */
const POLL_SCRIPT = `
function describe(j){var p=j.progress,s=j.name+' '+j.state;if(p&&typeof p==='object'&&p.step){s+=' — '+p.step+' '+(p.done||0)+(typeof p.total==='number'?'/'+p.total:'');}return s;}
function poll(){document.querySelectorAll('[data-ws]').forEach(function(el){
fetch('/api/workspaces/'+encodeURIComponent(el.dataset.ws)+'/jobs',{credentials:'same-origin'}).then(function(r){return r.ok?r.json():null;}).then(function(b){
if(!b)return;var t=el.querySelector('.jobs');t.textContent=b.jobs.length?b.jobs.map(describe).join('; '):'no sync running';}).catch(function(){});});}
setInterval(poll,3000);`;

export function renderDashboardPage(
  /** `extra`: sections other modules render (already escaped HTML), placed after the funnel. */
  views: { view: WorkspaceView; svg: string | null; extra?: string }[],
  publicUrl: string,
  csrf: string,
  notice?: DashboardNotice,
): string {
  const body = `<h1>Workspaces</h1>
${
  views.length
    ? views.map(({ view, svg, extra }) => workspaceSection(view, svg, publicUrl, csrf, extra)).join('\n')
    : '<p class="muted">No workspaces yet: create one with <code>leadstage workspace create</code> or <code>POST /api/workspaces</code>.</p>'
}`;
  return page('Workspaces', body, {
    signedIn: true,
    script: POLL_SCRIPT,
    workspaces: views.map(({ view }) => ({ id: view.id, name: view.name })),
    ...(notice ? { notice } : {}),
  });
}
