/**
 * Sync health: what is running now (progress polled from the JSON API), the next scheduled run,
 * the workers, failed jobs with their error, record errors with retry and release, each vendor's
 * API budget, and the recorded runs as a paged table.
 */
import { VENDOR_LABELS, isConnectableVendor } from '../vendors.ts';
import type { RunRow, SyncHealth, SyncJobRow } from '../sync-health.ts';

import { confirmForm, postForm } from './forms.ts';
import { fmtDuration, fmtNumber, fmtTime } from './format.ts';
import { esc, workspaceHref } from './layout.ts';

const vendorLabel = (v: string) => (isConnectableVendor(v) ? VENDOR_LABELS[v] : v);

const STEP_LABELS: Record<string, string> = {
  pull_contacts: 'Pulling contacts',
  pull_engagement: 'Pulling engagement',
  qualify: 'Qualifying',
  write_back: 'Writing stages back',
  handoff: 'Handing off to the CRM',
  sales_outcomes: 'Reading sales outcomes',
};

/** A job's progress as text and bar; shared with the poller below, which rebuilds the same markup. */
function jobItem(j: SyncJobRow, now: Date): string {
  const p = (j.progress ?? {}) as { step?: unknown; done?: unknown; total?: unknown };
  const step = typeof p.step === 'string' ? p.step : null;
  const done = typeof p.done === 'number' ? p.done : 0;
  const total = typeof p.total === 'number' ? p.total : null;
  const state =
    j.state === 'active'
      ? 'Running'
      : j.state === 'delayed'
        ? `Retrying ${j.runsAt ? fmtTime(j.runsAt, now) : ''}`
        : 'Waiting for a worker';
  const bar =
    j.state === 'active' && step
      ? `<div class="progress-line">${esc(STEP_LABELS[step] ?? step)}: ${fmtNumber(done)}${total !== null ? ` of ${fmtNumber(total)}` : ''}</div>
<progress ${total !== null ? `max="${total}" value="${Math.min(done, total)}"` : ''} aria-label="sync progress"></progress>`
      : '';
  return `<li data-job="${esc(j.id)}"><strong>${state}</strong> <span class="muted">${esc(j.name)} · queued ${fmtTime(j.createdAt, now)}${j.attemptsMade ? ` · attempt ${j.attemptsMade + 1}` : ''}</span>${j.failedReason ? `<div class="bad">last attempt failed: ${esc(j.failedReason)}</div>` : ''}${bar}</li>`;
}

function nowCard(h: SyncHealth, csrf: string, now: Date): string {
  const id = h.workspace.id;
  const jobs = h.jobs.length
    ? `<ul class="jobs plain">${h.jobs.map((j) => jobItem(j, now)).join('')}</ul>`
    : '<p class="muted jobs-idle">No sync running or waiting.</p>';
  const next = h.schedule.nextRunAt
    ? `Next scheduled run ${fmtTime(h.schedule.nextRunAt, now)}`
    : '<span class="warn">No scheduled run: the worker schedules one when it starts</span>';
  const consuming = h.workers.filter((w) => w.consuming);
  const workers = h.workers.length
    ? `<ul class="plain">${h.workers
        .map(
          (w) =>
            `<li><span class="badge ${w.consuming ? 'ok' : 'bad'}">${w.consuming ? 'consuming' : 'not consuming'}</span> ${esc(w.worker)} <span class="muted">on ${esc(w.host)} · pid ${w.pid} · ${w.active} job(s) in hand · last beat ${fmtTime(w.beatAt, now)}${w.lastJobAt ? ` · last job ${fmtTime(w.lastJobAt, now)}` : ''}</span></li>`,
        )
        .join('')}</ul>`
    : '<p class="bad">No worker is running: syncs wait until one starts (<code>leadstage worker</code>).</p>';
  return `<section class="card" id="now" aria-labelledby="now-h">
<h2 id="now-h">Now</h2>
<div class="actions">${postForm(`${workspaceHref(id, 'sync')}`, csrf, '<button class="primary" type="submit">Sync now</button>')}
${confirmForm(workspaceHref(id, 'sync'), csrf, {
  label: 'Full resync',
  question: `Re-read every contact and event of ${h.workspace.name} from the start and re-qualify them all? It uses many more API calls than a normal sync.`,
  confirmLabel: 'Start full resync',
  hidden: { full: '1' },
})}</div>
<div id="jobs" aria-live="polite">${jobs}</div>
<p class="schedule">${next} <span class="muted">· every ${h.schedule.everyMinutes} min</span></p>
<h3>Workers <span class="badge ${consuming.length ? 'ok' : 'bad'}">${consuming.length} consuming</span></h3>
${workers}
</section>`;
}

function failedCard(h: SyncHealth, now: Date): string {
  if (!h.failedJobs.length) return '';
  const rows = h.failedJobs
    .map(
      (j) =>
        `<tr><td>${fmtTime(j.finishedAt ?? j.createdAt, now)}</td><td>${esc(j.name)}</td><td class="num">${j.attemptsMade}</td><td class="bad">${esc(j.failedReason ?? 'no error recorded')}</td></tr>`,
    )
    .join('');
  return `<section class="card" id="failed-jobs" aria-labelledby="failed-h">
<h2 id="failed-h">Failed syncs</h2>
<p class="muted">Jobs that failed after their retries; some fail before a run is recorded, so they show here and not in the runs below.</p>
<div class="table-wrap"><table><thead><tr><th>failed</th><th>job</th><th class="num">attempts</th><th>error</th></tr></thead><tbody>${rows}</tbody></table></div>
</section>`;
}

function errorsCard(h: SyncHealth, csrf: string): string {
  const id = h.workspace.id;
  if (!h.recordErrors.length) {
    return `<section class="card" id="record-errors" aria-labelledby="errors-h"><h2 id="errors-h">Record errors</h2><p class="ok">No record is failing.</p></section>`;
  }
  const rows = h.recordErrors
    .map((c) => {
      const fields = { step: c.step, code: c.code };
      const retry = postForm(
        `${workspaceHref(id, 'sync')}/errors/retry`,
        csrf,
        `<input type="hidden" name="step" value="${esc(c.step)}"><input type="hidden" name="code" value="${esc(c.code)}"><button type="submit"${c.quarantined ? '' : ' disabled title="nothing quarantined: these are retried on every run"'}>Retry</button>`,
      );
      const release = confirmForm(`${workspaceHref(id, 'sync')}/errors/release`, csrf, {
        label: 'Release',
        question: `Forget the ${c.failing} failure(s) of ${c.step} with ${c.code}? The records start afresh on the next run, their retry count reset.`,
        hidden: fields,
      });
      return `<tr data-cause="${esc(`${c.step}:${c.code}`)}"><td>${esc(c.step)}</td><td><code>${esc(c.code)}</code></td><td>${esc(c.example)}</td><td class="num">${fmtNumber(c.failing)}</td><td class="num">${fmtNumber(c.quarantined)}</td><td>${retry}${release}</td></tr>`;
    })
    .join('');
  return `<section class="card" id="record-errors" aria-labelledby="errors-h">
<h2 id="errors-h">Record errors</h2>
<p class="muted">Records a sync could not write back or hand off, by step and vendor code. Quarantined records are skipped until retried or released.</p>
<div class="table-wrap"><table><thead><tr><th>step</th><th>vendor code</th><th>message</th><th class="num">failing</th><th class="num">quarantined</th><th>actions</th></tr></thead><tbody>${rows}</tbody></table></div>
</section>`;
}

function budgetCard(h: SyncHealth, now: Date): string {
  const entries = Object.entries(h.apiBudget);
  const body = entries.length
    ? entries
        .map(([vendor, b]) => {
          const used = Math.max(0, b.limit - b.remaining);
          return `<div class="budget" data-vendor="${esc(vendor)}"><strong>${esc(vendorLabel(vendor))}</strong>: ${fmtNumber(b.remaining)} of ${fmtNumber(b.limit)} calls left today <span class="muted">(reported ${fmtTime(b.reportedAt, now)})</span>
<progress max="${b.limit}" value="${used}" aria-label="${esc(vendorLabel(vendor))} API calls used"></progress></div>`;
        })
        .join('')
    : '<p class="muted">No vendor has reported its daily allowance yet (HubSpot private apps and Salesforce report it with each call; Mautic has none).</p>';
  return `<section class="card" id="api-budget" aria-labelledby="budget-h"><h2 id="budget-h">API budget</h2>${body}</section>`;
}

function calls(r: RunRow): string {
  const vendors = Object.keys({ ...r.apiCalls, ...r.minimumApiCalls });
  if (!vendors.length) return '—';
  return vendors
    .map((v) => {
      const made = r.apiCalls[v] ?? 0;
      const min = r.minimumApiCalls[v];
      const over = min !== undefined && made > min * 1.5 ? ' class="warn"' : '';
      // Per stream, made / minimum: where a vendor's calls above its minimum went.
      const streams = (r.apiCallsByStream[v] ?? [])
        .filter((c) => c.made > 0 || (c.minimum ?? 0) > 0)
        .map((c) => {
          const warn = c.minimum !== undefined && c.made > c.minimum * 1.5 ? ' class="warn"' : '';
          return `<span${warn}>${esc(c.stream)} ${fmtNumber(c.made)}${c.minimum !== undefined ? ` / ${fmtNumber(c.minimum)}` : ''}</span>`;
        });
      const detail = streams.length ? `<br><small class="streams muted">${streams.join(', ')}</small>` : '';
      return `<span${over}>${esc(vendorLabel(v))} ${fmtNumber(made)}${min !== undefined ? ` / min ${fmtNumber(min)}` : ''}</span>${detail}`;
    })
    .join('<br>');
}

function runRowHtml(r: RunRow, now: Date): string {
  const status =
    r.status === 'failed'
      ? `<span class="badge bad">failed</span>`
      : r.status === 'succeeded'
        ? `<span class="badge ok">succeeded</span>`
        : `<span class="badge">running</span>`;
  const changes = Object.entries(r.stageChanges)
    .map(([k, n]) => `${esc(k)} ${fmtNumber(n)}`)
    .join(', ');
  const notes = [
    ...(r.error ? [`<span class="bad">${esc(r.error)}</span>`] : []),
    ...r.warnings.map((w) => `<span class="warn">${esc(w)}</span>`),
  ].join('<br>');
  return `<tr data-run="${esc(r.id)}"><td>${fmtTime(r.startedAt, now)}<br><span class="muted">${esc(r.kind)}${r.full ? ' · full' : ''}</span></td><td>${status}</td>
<td class="num">${fmtDuration(r.durationMs)}</td><td class="num">${fmtNumber(r.pulledContacts)}<br><span class="muted">${fmtNumber(r.pulledEvents)} events</span></td>
<td class="num">${fmtNumber(r.qualified)}</td><td>${changes || '<span class="muted">none</span>'}</td><td class="num">${fmtNumber(r.writtenBack)}</td><td class="num">${fmtNumber(r.handedOff)}</td>
<td class="num">${fmtNumber(r.errors)}${r.quarantined ? `<br><span class="muted">${fmtNumber(r.quarantined)} quarantined</span>` : ''}</td><td>${calls(r)}</td><td>${notes}</td></tr>`;
}

function runsCard(h: SyncHealth, now: Date): string {
  const base = workspaceHref(h.workspace.id, 'sync');
  const pager = [
    h.offset > 0
      ? `<a class="button" href="${esc(`${base}?offset=${Math.max(0, h.offset - h.limit)}`)}#runs">Newer</a>`
      : '',
    h.offset + h.runs.length < h.runsTotal
      ? `<a class="button" href="${esc(`${base}?offset=${h.offset + h.limit}`)}#runs">Older</a>`
      : '',
  ].join(' ');
  const shown = h.runs.length
    ? `${fmtNumber(h.offset + 1)}–${fmtNumber(h.offset + h.runs.length)} of ${fmtNumber(h.runsTotal)}`
    : '';
  const table = h.runs.length
    ? `<div class="table-wrap"><table class="runs"><thead><tr><th>started</th><th>status</th><th class="num">duration</th><th class="num">pulled</th><th class="num">qualified</th><th>stage changes</th><th class="num">written back</th><th class="num">handed off</th><th class="num">errors</th><th>API calls / minimum</th><th>errors and warnings</th></tr></thead>
<tbody>${h.runs.map((r) => runRowHtml(r, now)).join('')}</tbody></table></div>`
    : '<p class="muted">No run recorded yet.</p>';
  return `<section class="card" id="runs" aria-labelledby="runs-h"><h2 id="runs-h">Runs <span class="muted">${shown}</span></h2>${table}<nav class="pager" aria-label="Runs pages">${pager}</nav></section>`;
}

/** Polls the sync-health API: redraws the jobs with their progress; reloads when a run ends. */
function pollScript(workspaceId: string): string {
  return `
(function(){var url='/api/workspaces/${encodeURIComponent(workspaceId)}/sync-health?limit=1';var had=document.querySelectorAll('#jobs li').length>0;
var labels=${JSON.stringify(STEP_LABELS)};
function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!==undefined)e.textContent=text;return e;}
function draw(jobs){var box=document.getElementById('jobs');box.textContent='';if(!jobs.length){box.appendChild(el('p','muted jobs-idle','No sync running or waiting.'));return;}
var ul=el('ul','jobs plain');jobs.forEach(function(j){var li=el('li');li.dataset.job=j.id;var p=j.progress||{};
li.appendChild(el('strong','',j.state==='active'?'Running':j.state==='delayed'?'Retrying':'Waiting for a worker'));
if(j.failedReason)li.appendChild(el('div','bad','last attempt failed: '+j.failedReason));
if(j.state==='active'&&typeof p.step==='string'){var total=typeof p.total==='number'?p.total:null;var done=typeof p.done==='number'?p.done:0;
li.appendChild(el('div','progress-line',(labels[p.step]||p.step)+': '+done.toLocaleString('en-US')+(total!==null?' of '+total.toLocaleString('en-US'):'')));
var bar=el('progress');bar.setAttribute('aria-label','sync progress');if(total!==null){bar.max=total;bar.value=Math.min(done,total);}li.appendChild(bar);}
ul.appendChild(li);});box.appendChild(ul);}
function poll(){fetch(url,{credentials:'same-origin'}).then(function(r){return r.ok?r.json():null;}).then(function(h){if(!h)return;
draw(h.jobs);if(had&&!h.jobs.length){location.reload();return;}had=h.jobs.length>0;}).catch(function(){});}
setInterval(poll,1500);})();`;
}

export function renderSyncHealth(h: SyncHealth, csrf: string, now: Date): { body: string; script: string } {
  const body = `<h1>Sync health</h1>
${nowCard(h, csrf, now)}
${failedCard(h, now)}
${errorsCard(h, csrf)}
${budgetCard(h, now)}
${runsCard(h, now)}`;
  return { body, script: pollScript(h.workspace.id) };
}
