/**
 * Stage and fact mappings (`/workspaces/:id/mappings`) with the doctor's findings beside them: per
 * vendor the stages the model writes and the facts it reads, the mapping's YAML to edit (saved
 * through the same core as `PUT /api/workspaces/:id/mappings/:vendor`), and a reset to the default.
 */
import type { Response } from 'express';
import { z } from 'zod';

import {
  type Finding,
  type MappingHistoryEntry,
  checkWorkspace,
  effectiveMappings,
  mappingHistory,
  resetMapping,
  saveMapping,
} from '../../mappings/index.ts';
import { releaseOffers } from '../../pipeline/quarantine.ts';
import { requireWorkspace } from '../api.ts';
import { VENDOR_LABELS, isConnectableVendor } from '../vendors.ts';

import {
  type FormProblems,
  confirmForm,
  csrfTokenOf,
  fieldProblem,
  formProblems,
  postForm,
  problemsNotice,
} from './forms.ts';
import { type Notice, esc, page, workspaceHref } from './layout.ts';
import type { PageRoutes } from './page-routes.ts';
import { workspacePage } from './page-routes.ts';

const label = (vendor: string) => (isConnectableVendor(vendor) ? VENDOR_LABELS[vendor] : vendor);
const vendorParam = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'is not a vendor name');

function finding(f: Finding): string {
  const cls = f.severity === 'blocking' ? 'bad' : f.severity === 'warning' ? 'warn' : 'muted';
  return `<li class="finding ${cls}" data-code="${esc(f.code)}"><strong>${esc(f.severity)}</strong> ${esc(f.message)}<br><span class="muted">${esc(f.fix)}</span></li>`;
}

/** The mapping history (src/mappings/history.ts), newest first: what a model rollback restores from. */
function historyCard(entries: MappingHistoryEntry[]): string {
  const rows = entries
    .map(
      (e) =>
        `<tr data-mapping-version="${e.id}"><td>${e.id}</td><td>${esc(label(e.vendor))}</td><td>${e.kind === 'workspace' ? 'saved' : 'reset to the default'}</td><td>${e.modelVersionId ?? '—'}</td><td>${esc(e.actor)}</td><td>${esc(e.savedAt)}</td></tr>`,
    )
    .join('');
  return `<section class="card mapping-history"><h2>History</h2><p class="muted">Each saved mapping with the model version in use; rolling the model back restores the mapping that went with it.</p>${rows ? `<div class="table-wrap"><table><thead><tr><th scope="col">#</th><th scope="col">Vendor</th><th scope="col">Change</th><th scope="col">Model version</th><th scope="col">By</th><th scope="col">When</th></tr></thead><tbody>${rows}</tbody></table></div>` : '<p class="muted">No mapping saved yet: the vendor defaults apply.</p>'}</section>`;
}

const STYLE = `<style>.mapping-grid{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1rem}
@media (max-width:900px){.mapping-grid{grid-template-columns:1fr}}
.mapping-grid form{display:block}.mapping-grid textarea{width:100%;font:13px/1.4 ui-monospace,monospace}ul.findings{padding-left:1.1rem}
li.finding{margin-bottom:.4rem}</style>`;

export const registerMappingsRoutes: PageRoutes = (router, ctx) => {
  /**
   * The page; after a refused save, `refused` keeps the admin's text in that vendor's editor with
   * the problem beside it.
   */
  async function mappingsPage(
    res: Response,
    wsId: string,
    query: Record<string, unknown>,
    refused?: { vendor: string; text: string; problems: FormProblems },
  ): Promise<string> {
    const { ws, layout } = await workspacePage(ctx, wsId, 'mappings');
    const live = query.live === '1';
    const mappings = effectiveMappings(ctx, ws);
    const report = await checkWorkspace({ store: ctx.store, registry: ctx.registry, log: ctx.log }, ws, {
      live,
    });
    const csrf = csrfTokenOf(res);
    const saved = typeof query.saved === 'string' && isConnectableVendor(query.saved) ? query.saved : null;
    const reset = typeof query.reset === 'string' && isConnectableVendor(query.reset) ? query.reset : null;
    const notice: Notice | undefined = refused
      ? problemsNotice(refused.problems)
      : saved
        ? { kind: 'ok', text: `${label(saved)} mapping saved.` }
        : reset
          ? { kind: 'ok', text: `${label(reset)} mapping reset to the default.` }
          : undefined;
    // After a change, what it may have fixed: the quarantined causes, released on the Sync page.
    const offers = saved || reset ? await releaseOffers(ctx.store, ws) : [];
    const offersCard = offers.length
      ? `<section class="card" data-release-offers><h2>Quarantined records this change may fix</h2><ul>${offers.map((o) => `<li>${o.quarantined} record(s) on <code>${esc(o.step)}</code> <code>${esc(o.code)}</code>: ${esc(o.example)}</li>`).join('')}</ul><p>If the new mapping fixes them, <a href="${esc(workspaceHref(ws.id, 'sync'))}#record-errors">release them under Record errors</a> so the next sync tries them afresh.</p></section>`
      : '';
    const general = report.findings.filter((f) => !f.vendor);
    const sections = mappings
      .map((m) => {
        const stages = report.stages.filter((s) => s.vendor === m.vendor);
        const facts = report.facts.filter(
          (f) => f.suppliedBy === null || f.suppliedBy.startsWith(`${m.vendor}:`),
        );
        const findings = report.findings.filter((f) => f.vendor === m.vendor);
        const action = `/workspaces/${encodeURIComponent(ws.id)}/mappings/${m.vendor}`;
        const mine = refused?.vendor === m.vendor ? refused : undefined;
        const problem = fieldProblem(mine?.problems, 'text', `map-${m.vendor}`);
        return `<section class="card" data-vendor="${esc(m.vendor)}"><h2>${esc(label(m.vendor))} <span class="muted">(${m.role === 'source' ? 'source' : 'CRM'}, ${m.origin === 'workspace' ? `this workspace's mapping, saved ${esc(m.savedAt ?? '')}` : 'the default mapping'})</span></h2>
<div class="mapping-grid"><div>
<h3>Stages</h3><div class="table-wrap"><table class="stages"><thead><tr><th scope="col">Model stage</th><th scope="col">${esc(label(m.vendor))} value</th><th scope="col">How</th></tr></thead><tbody>
${stages.map((s) => `<tr data-stage="${esc(s.stage)}"><td>${esc(s.label)} <code>${esc(s.stage)}</code></td><td>${s.value === null ? '<span class="muted">the first stage</span>' : `<code>${esc(s.value)}</code>`}</td><td class="${s.how === 'fallback' ? 'warn' : ''}">${esc(s.how)}${s.from ? ` (from ${esc(s.from)})` : ''}</td></tr>`).join('') || '<tr><td colspan="3" class="muted">no stages written to this vendor</td></tr>'}
</tbody></table></div>
<h3>Facts the model reads</h3><div class="table-wrap"><table class="facts"><thead><tr><th scope="col">Fact</th><th scope="col">Supplied by</th><th scope="col">Read by</th></tr></thead><tbody>
${facts.map((f) => `<tr><td>${esc(f.kind)} <code>${esc(f.name)}</code></td><td>${f.suppliedBy ? `<code>${esc(f.suppliedBy)}</code>` : '<span class="bad">nothing</span>'}</td><td>${esc(f.readBy.join(', '))}</td></tr>`).join('') || '<tr><td colspan="3" class="muted">none</td></tr>'}
</tbody></table></div>
${postForm(action, csrf, `<label for="map-${esc(m.vendor)}">${esc(label(m.vendor))} mapping YAML</label><textarea id="map-${esc(m.vendor)}" name="text" rows="18" spellcheck="false"${problem.attrs}>${esc(mine ? mine.text : m.text)}</textarea>${problem.message ? `<p>${problem.message}</p>` : ''}<p><button class="primary" type="submit">Save ${esc(label(m.vendor))} mapping</button></p>`, ' class="mapping-form"')}
${m.origin === 'workspace' ? confirmForm(`${action}/reset`, csrf, { label: 'Reset to the default', question: `Replace this workspace's ${label(m.vendor)} mapping with the default?`, confirmLabel: 'Reset' }) : ''}
</div><aside aria-label="Doctor's findings for ${esc(label(m.vendor))}"><h3>Doctor</h3>${findings.length ? `<ul class="findings">${findings.map(finding).join('')}</ul>` : '<p class="ok">No findings.</p>'}</aside></div></section>`;
      })
      .join('');
    const body = `<section class="card"><h1>Mappings of ${esc(ws.name)}</h1>
<p class="${report.ok ? 'ok' : 'bad'}" data-doctor="${report.ok ? 'ok' : 'blocking'}">${report.ok ? 'The doctor finds nothing blocking.' : 'The doctor finds blocking problems: see below.'} <span class="muted">Checked ${live ? 'against the connected vendors' : 'offline'}; <a href="${esc(workspaceHref(ws.id, 'mappings', live ? '' : '?live=1'))}">${live ? 'check offline' : 'check against the vendors'}</a>.</span></p>
${general.length ? `<ul class="findings">${general.map(finding).join('')}</ul>` : ''}</section>${offersCard}${sections}${historyCard(await mappingHistory(ctx.store, ws))}${STYLE}`;
    return page(`Mappings · ${ws.name}`, body, { ...layout, ...(notice ? { notice } : {}) });
  }

  router.get('/workspaces/:id/mappings', async (req, res) => {
    res.type('html').send(await mappingsPage(res, String(req.params.id), req.query));
  });

  router.post('/workspaces/:id/mappings/:vendor', async (req, res) => {
    const ws = await requireWorkspace(ctx, String(req.params.id));
    const vendor = vendorParam.parse(req.params.vendor);
    const body = z.object({ text: z.string() }).parse(req.body ?? {});
    try {
      await saveMapping(ctx, ws, vendor, body.text, 'web');
    } catch (err) {
      // Every problem of the mapping's text is the text's: shown beside it, the text kept.
      const problems = formProblems(err, {}, () => 'text');
      // A vendor this workspace does not use has no form to show the problem in: an error page.
      if (!problems || (vendor !== ws.sourceVendor && vendor !== ws.crmVendor)) throw err;
      res
        .status(400)
        .type('html')
        .send(await mappingsPage(res, ws.id, {}, { vendor, text: body.text, problems }));
      return;
    }
    ctx.log.info('workspace mapping saved', { workspace: ws.name, vendor });
    res.redirect(303, `${workspaceHref(ws.id, 'mappings')}?saved=${encodeURIComponent(vendor)}`);
  });

  router.post('/workspaces/:id/mappings/:vendor/reset', async (req, res) => {
    const ws = await requireWorkspace(ctx, String(req.params.id));
    const vendor = vendorParam.parse(req.params.vendor);
    await resetMapping(ctx, ws, vendor, 'web');
    res.redirect(303, `${workspaceHref(ws.id, 'mappings')}?reset=${encodeURIComponent(vendor)}`);
  });
};
