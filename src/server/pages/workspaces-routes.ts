/**
 * The workspace pages: `/` (the dashboard), `/workspaces` (every workspace's health at a glance),
 * `/workspaces/new` (create), `/workspaces/:id` (overview and settings) and delete, which asks in
 * the layout's dialog saying what goes. Each form posts to the same core as the CLI and the API
 * (src/admin/workspaces.ts).
 */
import type { Response } from 'express';
import { z } from 'zod';

import { listPresetInfo } from '../../admin/models.ts';
import {
  type WorkspaceHealth,
  createWorkspace,
  deleteWorkspace,
  describeDeletion,
  listWorkspaceHealth,
  MAX_SCHEDULE_MINUTES,
  planDeletion,
  readSettings,
  settingsChangeSchema,
  updateSettings,
  workspaceHealth,
} from '../../admin/workspaces.ts';
import { PAGE_WORDS } from '../../qualification/page-words.ts';
import { loadFunnel } from '../../report/load.ts';
import { renderFunnelSvg } from '../../report/render-svg.ts';
import type { Workspace } from '../../store/index.ts';
import { requireWorkspace } from '../api.ts';
import { retireThrough } from '../connect.ts';
import { queueSchedule } from '../console-api.ts';
import type { ServerContext } from '../context.ts';
import { compileModelInput } from '../model-input.ts';
import { VENDOR_LABELS, isConnectableVendor, trimSlash } from '../vendors.ts';
import { workspaceView } from '../views.ts';

import { connectionNotice } from './connection-notice.ts';
import { stageWriteNote } from './stage-write-note.ts';
import { renderDashboardPage } from './dashboard-page.ts';
import { renderSlaSection } from './sla-section.ts';
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

async function renderDashboard(ctx: ServerContext, res: Response, notice?: Notice): Promise<string> {
  const workspaces = await ctx.store.workspaces.list();
  const views = await Promise.all(
    workspaces.map(async (ws) => {
      const view = await workspaceView(ctx.store, ctx.queues.sync, ws);
      let svg: string | null = null;
      try {
        const { report, format } = await loadFunnel(ctx.store, ws.id);
        const drawn = renderFunnelSvg(report, format.locale);
        // The dashboard is English; a workspace whose model speaks another language is drawn in it, marked.
        svg = format.locale === 'en' ? drawn : `<div lang="${PAGE_WORDS[format.locale].lang}">${drawn}</div>`;
      } catch (err) {
        ctx.log.warn('funnel unavailable', {
          workspace: ws.name,
          error: err instanceof Error ? err.message : String(err),
        });
      }
      return { view, svg, extra: await renderSlaSection(ctx.store, ws, ctx.log) };
    }),
  );
  return renderDashboardPage(views, trimSlash(ctx.env.PUBLIC_URL), csrfTokenOf(res), notice);
}

const label = (vendor: string) => (isConnectableVendor(vendor) ? VENDOR_LABELS[vendor] : vendor);

function when(iso: string | null): string {
  if (!iso) return '—';
  return `<time datetime="${esc(iso)}">${esc(iso.replace('T', ' ').slice(0, 16))} UTC</time>`;
}

function connectionBadges(h: WorkspaceHealth): string {
  return h.connections
    .map((c) => {
      const cls = c.state === 'connected' ? 'ok' : c.state === 'needs_reconnect' ? 'bad' : 'warn';
      const text =
        c.state === 'connected' ? 'connected' : c.state === 'needs_reconnect' ? 'reconnect' : 'not connected';
      return `<span class="badge ${cls}" data-vendor="${esc(c.vendor)}">${esc(label(c.vendor))}: ${text}</span>`;
    })
    .join(' ');
}

function healthRow(h: WorkspaceHealth): string {
  const run = h.lastRun
    ? `${when(h.lastRun.startedAt)} <span class="${h.lastRun.status === 'failed' ? 'bad' : h.lastRun.status === 'succeeded' ? 'ok' : ''}">${esc(h.lastRun.status)}</span>`
    : '<span class="muted">never</span>';
  const errors = h.recordErrors.failing + h.recordErrors.quarantined;
  return `<tr data-ws="${esc(h.id)}"><th scope="row"><a href="${esc(workspaceHref(h.id))}">${esc(h.name)}</a></th>
<td>${connectionBadges(h)}</td><td>${run}</td>
<td class="num">${errors ? `<a class="bad" href="${esc(workspaceHref(h.id, 'sync'))}">${errors}</a>${h.recordErrors.quarantined ? ` <span class="muted">(${h.recordErrors.quarantined} quarantined)</span>` : ''}` : '0'}</td>
<td>${h.nextRunAt ? when(h.nextRunAt) : `<span class="muted">when a worker runs (every ${h.scheduleIntervalMinutes} min)</span>`}</td>
<td class="num">${h.contacts}</td></tr>`;
}

function listPage(all: WorkspaceHealth[], layout: Parameters<typeof page>[2]): string {
  const table = all.length
    ? `<div class="table-wrap"><table class="workspaces"><caption class="sr-only">Workspaces and their health</caption>
<thead><tr><th scope="col">Workspace</th><th scope="col">Connections</th><th scope="col">Last run</th><th scope="col" class="num">Record errors</th><th scope="col">Next run</th><th scope="col" class="num">Contacts</th></tr></thead>
<tbody>${all.map(healthRow).join('')}</tbody></table></div>`
    : '<p class="muted">No workspaces yet.</p>';
  return page(
    'Workspaces',
    `<section class="card"><h1>Workspaces</h1><p><a class="button primary" href="/workspaces/new">New workspace</a></p>${table}</section>`,
    layout,
  );
}

/** What the create form holds: empty at first, the admin's input when a submit is refused. */
interface NewForm {
  name: string;
  sourceVendor: string;
  crmVendor: string;
  preset: string;
  yaml: string;
  schedule: string;
}

const NEW_FORM_DEFAULTS: NewForm = {
  name: '',
  sourceVendor: 'hubspot',
  crmVendor: 'salesforce',
  preset: 'hubspot-lifecycle',
  yaml: '',
  schedule: '15',
};

const selected = (on: boolean) => (on ? ' selected' : '');

function newPage(
  presets: { name: string; label: string; stages: string[] }[],
  csrf: string,
  values: NewForm = NEW_FORM_DEFAULTS,
  problems?: FormProblems,
): string {
  const options = presets
    .map(
      (p) =>
        `<option value="${esc(p.name)}"${selected(p.name === values.preset)}>${esc(p.name)} — ${esc(p.stages.join(' → '))}</option>`,
    )
    .join('');
  const f = (field: keyof NewForm, id: string, help?: string) => fieldProblem(problems, field, id, help);
  const [name, source, crm, preset, yaml, every] = [
    f('name', 'ws-name', 'ws-name-help'),
    f('sourceVendor', 'ws-source'),
    f('crmVendor', 'ws-crm'),
    f('preset', 'ws-preset'),
    f('yaml', 'ws-yaml'),
    f('schedule', 'ws-schedule'),
  ];
  const form = postForm(
    '/workspaces',
    csrf,
    `<div class="form-grid">
<label for="ws-name">Name</label><input id="ws-name" type="text" name="name" required pattern="[A-Za-z0-9][A-Za-z0-9_.\\-]{0,62}" value="${esc(values.name)}"${name.attrs}><span><span id="ws-name-help" class="muted">letters, digits, “_”, “.” or “-”</span> ${name.message}</span>
<label for="ws-source">Marketing source</label><select id="ws-source" name="sourceVendor"${source.attrs}><option value="hubspot"${selected(values.sourceVendor === 'hubspot')}>HubSpot</option><option value="mautic"${selected(values.sourceVendor === 'mautic')}>Mautic</option></select><span>${source.message}</span>
<label for="ws-crm">CRM</label><select id="ws-crm" name="crmVendor"${crm.attrs}><option value="salesforce"${selected(values.crmVendor === 'salesforce')}>Salesforce</option><option value=""${selected(values.crmVendor === '')}>none (score only)</option></select><span>${crm.message}</span>
<label for="ws-preset">Model preset</label><select id="ws-preset" name="preset"${preset.attrs}>${options}</select><span>${preset.message || '<span class="muted">or paste a model below</span>'}</span>
<label for="ws-yaml">Model YAML (optional)</label><textarea id="ws-yaml" name="yaml" rows="6" cols="60" placeholder="name: my model…"${yaml.attrs}>${esc(values.yaml)}</textarea><span>${yaml.message || '<span class="muted">wins over the preset when given</span>'}</span>
<label for="ws-schedule">Sync every (minutes)</label><input id="ws-schedule" type="number" name="schedule" min="1" max="${MAX_SCHEDULE_MINUTES}" value="${esc(values.schedule)}" required${every.attrs}><span>${every.message}</span>
</div><p><button class="primary" type="submit">Create workspace</button></p>`,
  );
  return page('New workspace', `<section class="card"><h1>New workspace</h1>${form}</section>`, {
    signedIn: true,
    crumbs: [{ label: 'New workspace' }],
    ...(problems ? { notice: problemsNotice(problems) } : {}),
  });
}

const FORM_STYLE = `<style>.form-grid{display:grid;grid-template-columns:max-content minmax(0,1fr) minmax(0,1fr);gap:.5rem 1rem;align-items:center}
.form-grid textarea{width:100%}@media (max-width:720px){.form-grid{grid-template-columns:1fr}}</style>`;

const createForm = z.object({
  name: z.string().trim(),
  sourceVendor: z.enum(['hubspot', 'mautic']),
  crmVendor: z.enum(['salesforce', '']),
  preset: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a preset name'),
  yaml: z.string().default(''),
  schedule: z.coerce.number().int(),
});

/** Names the cores' errors use → the create form's fields. */
const CREATE_FIELDS: Record<string, keyof NewForm> = {
  name: 'name',
  sourceVendor: 'sourceVendor',
  crmVendor: 'crmVendor',
  preset: 'preset',
  yaml: 'yaml',
  schedule: 'schedule',
  scheduleIntervalMinutes: 'schedule',
};

const settingsForm = z.object({
  schedule: z.coerce.number().int(),
  match: z.enum(['email', 'none']),
  handoffObject: z.enum(['Lead', 'Contact']).optional(),
  apiSharePercent: z.coerce.number().optional(),
});

/**
 * The overview with its settings and connect forms; after a refused submit, `refused` holds the
 * admin's input (kept in the form) and the problems to show beside the fields.
 */
export async function renderOverview(
  ctx: ServerContext,
  res: Response,
  wsId: string,
  notice: ((ws: Workspace) => Notice | undefined) | undefined,
  refused?: { values: Record<string, string>; problems: FormProblems },
): Promise<string> {
  const { ws, layout } = await workspacePage(ctx, wsId, 'overview');
  const [health, settings, plan] = await Promise.all([
    workspaceHealth(ctx.store, ws, queueSchedule(ctx)),
    readSettings(ctx.store, ws),
    planDeletion(ctx.store, ws),
  ]);
  const csrf = csrfTokenOf(res);
  const id = encodeURIComponent(ws.id);
  const v = refused?.values ?? {};
  const mauticP = fieldProblem(refused?.problems, 'baseUrl', 'c-mautic');
  const connections = health.connections
    .map((c) => {
      const action =
        c.state === 'connected'
          ? ''
          : isConnectableVendor(c.vendor)
            ? postForm(
                `/workspaces/${id}/connect/${c.vendor}`,
                csrf,
                c.vendor === 'mautic'
                  ? `<label for="c-mautic">Mautic base URL</label> <input id="c-mautic" type="url" name="baseUrl" required placeholder="https://mautic.example.com" value="${esc(v.baseUrl ?? '')}"${mauticP.attrs}> <button class="primary" type="submit">Connect Mautic</button>${mauticP.message}`
                  : `<button class="primary" type="submit">Connect ${esc(label(c.vendor))}</button>`,
              )
            : '';
      return `<tr data-vendor="${esc(c.vendor)}"><th scope="row">${c.role === 'source' ? 'Source' : 'CRM'}</th><td>${esc(label(c.vendor))}${c.accountId ? ` account <code>${esc(c.accountId)}</code>` : ''}</td><td><span class="badge ${c.state === 'connected' ? 'ok' : c.state === 'needs_reconnect' ? 'bad' : 'warn'}" data-status="${esc(c.state)}">${esc(c.state.replace('_', ' '))}</span>${c.message ? ` <span class="bad">${esc(c.message)}</span>` : ''}${stageWriteNote(c.stageWrite)}</td><td>${action}</td></tr>`;
    })
    .join('');
  const value = (field: string, stored: string) => v[field] ?? stored;
  const [everyP, matchP, objectP, shareP] = [
    fieldProblem(refused?.problems, 'schedule', 's-schedule'),
    fieldProblem(refused?.problems, 'match', 's-match'),
    fieldProblem(refused?.problems, 'handoffObject', 's-object'),
    fieldProblem(refused?.problems, 'apiSharePercent', 's-share'),
  ];
  const object = value('handoffObject', settings.handoffObject ?? 'Lead');
  const match = value('match', settings.match);
  const crmFields =
    settings.handoffObject === null
      ? `<p class="muted">Lead or Contact and the API share are set on the ${esc(label(ws.crmVendor ?? 'CRM'))} connection: connect it first.</p>`
      : `<label for="s-object">Hand off as</label><select id="s-object" name="handoffObject"${objectP.attrs}><option value="Lead"${selected(object === 'Lead')}>Lead</option><option value="Contact"${selected(object === 'Contact')}>Contact (under a matching Account)</option></select><span>${objectP.message}</span>
<label for="s-share">API share (%)</label><input id="s-share" type="number" name="apiSharePercent" min="1" max="100" value="${esc(value('apiSharePercent', String(Math.round((settings.apiShare ?? 0.5) * 100))))}"${shareP.attrs}><span>${shareP.message || '<span class="muted">of the org\'s daily API requests leadstage may use</span>'}</span>`;
  const settingsHtml = postForm(
    `/workspaces/${id}/settings`,
    csrf,
    `<div class="form-grid">
<label for="s-schedule">Sync every (minutes)</label><input id="s-schedule" type="number" name="schedule" min="1" max="${MAX_SCHEDULE_MINUTES}" value="${esc(value('schedule', String(settings.scheduleIntervalMinutes)))}" required${everyP.attrs}><span>${everyP.message || `<span class="muted">next run: ${health.nextRunAt ? when(health.nextRunAt) : 'when a worker schedules it'}</span>`}</span>
<label for="s-match">Matching on first handoff</label><select id="s-match" name="match"${matchP.attrs}><option value="email"${selected(match === 'email')}>link an existing CRM record with the same email</option><option value="none"${selected(match === 'none')}>always create a new record</option></select><span>${matchP.message}</span>
${settings.handoffObject === null ? '</div>' + crmFields : crmFields + '</div>'}
<p><button class="primary" type="submit">Save settings</button></p>`,
    ' class="settings"',
  );
  const removes = describeDeletion(plan);
  const body = `<section class="card"><h1>${esc(ws.name)}</h1>
<p class="muted">model <a href="${esc(workspaceHref(ws.id, 'model'))}">${esc(ws.model.ref)}</a> @ <code>${esc(ws.model.version)}</code>${health.model.applied ? '' : ' (applied at the next sync)'} · ${health.contacts} contacts · last run ${health.lastRun ? `${when(health.lastRun.startedAt)} ${esc(health.lastRun.status)}` : 'never'}</p>
<h2>Connections</h2><div class="table-wrap"><table class="connections"><tbody>${connections}</tbody></table></div></section>
<section class="card"><h2>Settings</h2>${settingsHtml}</section>
<section class="card danger-zone"><h2>Delete this workspace</h2><p>Deleting removes:</p><ul>${removes.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>
${confirmForm(`/workspaces/${id}/delete`, csrf, {
  label: 'Delete workspace',
  question: `Delete ${ws.name}? This removes ${removes.join('; ')}. It cannot be undone.`,
  confirmLabel: 'Delete',
  hidden: { confirm: ws.name },
})}</section>${FORM_STYLE}`;
  const shown = refused ? problemsNotice(refused.problems) : notice?.(ws);
  return page(ws.name, body, { ...layout, ...(shown ? { notice: shown } : {}) });
}

/** Names the settings core's errors use → the settings form's fields. */
const SETTINGS_FIELDS: Record<string, string> = {
  schedule: 'schedule',
  scheduleIntervalMinutes: 'schedule',
  match: 'match',
  'identity.match': 'match',
  handoffObject: 'handoffObject',
  apiShare: 'apiSharePercent',
  apiSharePercent: 'apiSharePercent',
};

export const registerWorkspaceRoutes: PageRoutes = (router, ctx) => {
  const schedule = queueSchedule(ctx);

  router.get('/', async (req, res) => {
    res.type('html').send(await renderDashboard(ctx, res, connectionNotice(req.query)));
  });

  router.get('/workspaces', async (req, res) => {
    const all = await listWorkspaceHealth(ctx.store, schedule);
    const deletedQ = typeof req.query.deleted === 'string' ? req.query.deleted : '';
    const deleted = /^[\w.-]{1,63}$/.test(deletedQ);
    res.type('html').send(
      listPage(all, {
        signedIn: true,
        workspaces: all.map((w) => ({ id: w.id, name: w.name })),
        ...(deleted ? { notice: { kind: 'ok', text: `Workspace ${deletedQ} deleted.` } } : {}),
      }),
    );
  });

  router.get('/workspaces/new', async (_req, res) => {
    res
      .type('html')
      .send(newPage(await listPresetInfo(), csrfTokenOf(res)).replace('</main>', `${FORM_STYLE}</main>`));
  });

  router.post('/workspaces', async (req, res) => {
    const raw = (req.body ?? {}) as Record<string, unknown>;
    const values = Object.fromEntries(
      Object.entries(NEW_FORM_DEFAULTS).map(([k, v]) => [k, typeof raw[k] === 'string' ? raw[k] : v]),
    ) as unknown as NewForm;
    try {
      const body = createForm.parse(raw);
      const { saved } = await compileModelInput(
        body.yaml.trim() ? { yaml: body.yaml } : { preset: body.preset },
      ).catch((err: unknown) => {
        // A model problem belongs to the YAML given, else to the preset chosen.
        throw Object.assign(err as Error, { field: body.yaml.trim() ? 'yaml' : 'preset' });
      });
      const ws = await createWorkspace(
        ctx.store,
        {
          name: body.name,
          sourceVendor: body.sourceVendor,
          crmVendor: body.crmVendor || null,
          model: saved,
          scheduleIntervalMinutes: body.schedule,
          actor: 'web',
        },
        schedule,
      );
      res.redirect(303, `${workspaceHref(ws.id)}?created=1`);
    } catch (err) {
      const problems = formProblems(err, CREATE_FIELDS, (message) =>
        /^workspace (name )?"/.test(message) ? 'name' : ((err as { field?: string }).field ?? undefined),
      );
      if (!problems) throw err;
      res
        .status(400)
        .type('html')
        .send(
          newPage(await listPresetInfo(), csrfTokenOf(res), values, problems).replace(
            '</main>',
            `${FORM_STYLE}</main>`,
          ),
        );
    }
  });

  router.get('/workspaces/:id', async (req, res) => {
    const notice = (ws: Workspace): Notice | undefined =>
      req.query.created === '1'
        ? {
            kind: 'ok',
            text: `Workspace ${ws.name} created. Connect ${label(ws.sourceVendor)}${ws.crmVendor ? ` and ${label(ws.crmVendor)}` : ''} next.`,
          }
        : req.query.saved === '1'
          ? { kind: 'ok', text: 'Settings saved.' }
          : undefined;
    res.type('html').send(await renderOverview(ctx, res, String(req.params.id), notice));
  });

  router.post('/workspaces/:id/settings', async (req, res) => {
    const ws = await requireWorkspace(ctx, String(req.params.id));
    const raw = (req.body ?? {}) as Record<string, unknown>;
    try {
      const form = settingsForm.parse(raw);
      const change = settingsChangeSchema.parse({
        scheduleIntervalMinutes: form.schedule,
        match: form.match,
        ...(form.handoffObject ? { handoffObject: form.handoffObject } : {}),
        ...(form.apiSharePercent !== undefined ? { apiShare: form.apiSharePercent / 100 } : {}),
      });
      await updateSettings(ctx.store, ws, change, schedule, 'console');
      res.redirect(303, `${workspaceHref(ws.id)}?saved=1`);
    } catch (err) {
      const problems = formProblems(err, SETTINGS_FIELDS);
      if (!problems) throw err;
      const values = Object.fromEntries(
        Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
      res
        .status(400)
        .type('html')
        .send(await renderOverview(ctx, res, ws.id, undefined, { values, problems }));
    }
  });

  router.post('/workspaces/:id/delete', async (req, res) => {
    const ws = await requireWorkspace(ctx, String(req.params.id));
    const body = z.object({ confirm: z.string() }).parse(req.body ?? {});
    await deleteWorkspace(ctx.store, ws, body.confirm, { retire: retireThrough(ctx), schedule });
    ctx.log.info('workspace deleted', { workspace: ws.name });
    res.redirect(303, `/workspaces?deleted=${encodeURIComponent(ws.name)}`);
  });
};
