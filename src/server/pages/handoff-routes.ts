/**
 * Handoff settings (`/workspaces/:id/handoff`): who owns a record a handoff creates (the CRM's
 * default, its assignment rules, a contact field mapped to users or queues, or round-robin), how
 * the "why" is written (a Task or note with the last N events), who gets a record whose SLA
 * breached, and the workspace's own SLA webhook (shown by host only). Saved through the same core as
 * `leadstage workspace handoff` and `PUT /api/workspaces/:id/handoff`
 * (src/pipeline/handoff-settings.ts). Beside them, what the model decides about handoffs: the
 * stages each team owns (the SDR step), the SLAs per stage and the account roll-up, with a link to
 * the model editor where they change.
 */
import type { Response } from 'express';

import { ValidationError } from '../../errors.ts';
import type { CompiledModel } from '../../model.ts';
import { workspaceModel } from '../../pipeline/engine.ts';
import {
  type HandoffChanges,
  type HandoffSettings,
  describeHandoffSettings,
  handoffSettings,
  saveHandoffSettings,
} from '../../pipeline/handoff-settings.ts';
import {
  SLA_WEBHOOK_FIELD,
  type SlaWebhookView,
  describeSlaWebhook,
  slaWebhookView,
} from '../../sla/webhook.ts';
import { requireWorkspace } from '../api.ts';
import { VENDOR_LABELS, isConnectableVendor } from '../vendors.ts';

import {
  type FormProblems,
  csrfTokenOf,
  fieldProblem,
  formProblems,
  postForm,
  problemsNotice,
} from './forms.ts';
import { type Notice, esc, page, workspaceHref } from './layout.ts';
import { type PageRoutes, workspacePage } from './page-routes.ts';

/** The form's fields, as strings: what the page shows and what a refused submit keeps. */
interface HandoffForm {
  ownerMode: string;
  ruleId: string;
  field: string;
  map: string;
  fallback: string;
  users: string;
  whyAs: string;
  whyEvents: string;
  reassignMode: string;
  reassignOwner: string;
  reassignUsers: string;
  reassignStages: string;
  /** A new SLA webhook URL: never pre-filled (the stored one is a credential), empty keeps it. */
  slaWebhook: string;
  /** `on` when the workspace's own webhook is to be removed. */
  slaWebhookRemove: string;
}

const OWNER_MODES = [
  ['default', "The CRM's default owner", 'leadstage sets no owner.'],
  ['assignment_rules', "The CRM's assignment rules", 'the active rule, or the rule whose id you give.'],
  ['field', 'By a contact field', 'each value of the field goes to a user or queue.'],
  ['round_robin', 'Round-robin', 'each new record goes to the next user of the list, in turn.'],
] as const;

const REASSIGN_MODES = [
  ['off', 'Do not reassign', 'the breach is still recorded, shown and sent to the webhook.'],
  ['owner', 'To one user or queue', 'a Lead may go to a queue; a Contact needs a user.'],
  ['round_robin', 'To the next user in turn', "over a list of users, skipping the record's owner."],
] as const;

function formOf(s: HandoffSettings): HandoffForm {
  const o = s.owner;
  const r = s.reassign;
  return {
    ownerMode: o.mode,
    ruleId: o.mode === 'assignment_rules' ? (o.ruleId ?? '') : '',
    field: o.mode === 'field' ? o.field : '',
    map:
      o.mode === 'field'
        ? Object.entries(o.map)
            .map(([k, v]) => `${k} = ${v}`)
            .join('\n')
        : '',
    fallback: o.mode === 'field' ? (o.fallback ?? '') : '',
    users: o.mode === 'round_robin' ? o.users.join('\n') : '',
    whyAs: s.why.as,
    whyEvents: String(s.why.events),
    reassignMode: r.mode,
    reassignOwner: r.mode === 'owner' ? r.ownerId : '',
    reassignUsers: r.mode === 'round_robin' ? r.users.join('\n') : '',
    reassignStages: r.mode !== 'off' && r.stages ? r.stages.join(', ') : '',
    slaWebhook: '',
    slaWebhookRemove: '',
  };
}

const list = (text: string) =>
  text
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean);

/** One `value = ownerId` per line; the line number names a bad one. */
function parseOwnerMap(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const at = line.lastIndexOf('=');
    if (at <= 0) {
      throw new ValidationError(`map: line ${i + 1} "${line.trim().slice(0, 80)}" is not value = owner id`);
    }
    map[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  });
  return map;
}

/** The reassign part as the core's input; stages only when some are listed. */
function reassignInput(form: HandoffForm): unknown {
  const stages = list(form.reassignStages);
  const limit = stages.length ? { stages } : {};
  return form.reassignMode === 'owner'
    ? { mode: 'owner', ownerId: form.reassignOwner, ...limit }
    : form.reassignMode === 'round_robin'
      ? { mode: 'round_robin', users: list(form.reassignUsers), ...limit }
      : { mode: form.reassignMode };
}

/** The form as the core's input: only the chosen mode's fields count; empty optional ones are absent. */
function settingsInput(form: HandoffForm): HandoffChanges {
  const owner =
    form.ownerMode === 'assignment_rules'
      ? { mode: form.ownerMode, ...(form.ruleId.trim() ? { ruleId: form.ruleId } : {}) }
      : form.ownerMode === 'field'
        ? {
            mode: form.ownerMode,
            field: form.field,
            map: parseOwnerMap(form.map),
            ...(form.fallback.trim() ? { fallback: form.fallback } : {}),
          }
        : form.ownerMode === 'round_robin'
          ? { mode: form.ownerMode, users: list(form.users) }
          : { mode: form.ownerMode };
  // Not a number stays a string: the core refuses it naming `why.events`.
  const events = /^\s*\d+\s*$/.test(form.whyEvents) ? Number(form.whyEvents) : form.whyEvents;
  // A typed URL replaces the workspace's webhook; "remove" without one clears it; neither keeps it.
  const webhook = form.slaWebhook.trim()
    ? { slaWebhookUrl: form.slaWebhook }
    : form.slaWebhookRemove === 'on'
      ? { slaWebhookUrl: null }
      : {};
  // No reassign mode at all (a page from before the fieldset) keeps the rule in effect.
  const reassign = form.reassignMode ? { reassign: reassignInput(form) } : {};
  return { owner, why: { as: form.whyAs, events }, ...reassign, ...webhook };
}

/** `settings.handoff.owner.users: …` (the core's words) → the form field it is about. */
function fieldOfMessage(message: string): string | undefined {
  if (message.startsWith(`${SLA_WEBHOOK_FIELD}:`)) return 'slaWebhook';
  const m = /^(?:settings\.handoff\.)?(owner|why|reassign)(?:\.(\w+))?/.exec(message);
  if (!m) return undefined;
  if (m[1] === 'why') return m[2] === 'events' ? 'whyEvents' : 'whyAs';
  if (m[1] === 'reassign') {
    const field = { ownerId: 'reassignOwner', users: 'reassignUsers', stages: 'reassignStages' }[m[2] ?? ''];
    return field ?? 'reassignMode';
  }
  const sub = m[2];
  return sub === 'mode' || sub === undefined ? 'ownerMode' : sub;
}

const STYLE = `<style>fieldset{border:1px solid #dde1e8;border-radius:6px;margin:0 0 1rem;padding:.5rem 1rem 1rem}
legend{font-weight:600;padding:0 .3rem}.mode{margin:.6rem 0}.mode-fields{margin:.3rem 0 0 1.6rem;display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.4rem 1rem;align-items:start}
.mode-fields textarea{width:100%;font:13px/1.4 ui-monospace,monospace}.field-error{display:block}</style>`;

/** Reassignment on an SLA breach: the mode, its user or users, and the stages it is limited to. */
function reassignFieldset(v: HandoffForm, problems?: FormProblems): string {
  const p = (field: keyof HandoffForm, id: string, help?: string) => fieldProblem(problems, field, id, help);
  const mode = p('reassignMode', 'h-reassign-off');
  const owner = p('reassignOwner', 'h-reassign-owner-id', 'h-reassign-owner-help');
  const users = p('reassignUsers', 'h-reassign-users', 'h-reassign-users-help');
  const stages = p('reassignStages', 'h-reassign-stages', 'h-reassign-stages-help');
  const sub: Record<string, string> = {
    owner: `<label for="h-reassign-owner-id">User or queue id</label><span><input id="h-reassign-owner-id" name="reassignOwner" value="${esc(v.reassignOwner)}" maxlength="64" placeholder="00G000000000001"${owner.attrs}> <span id="h-reassign-owner-help" class="muted">the new owner of every breached record</span>${owner.message}</span>`,
    round_robin: `<label for="h-reassign-users">Users taking turns</label><span><textarea id="h-reassign-users" name="reassignUsers" rows="3" spellcheck="false" placeholder="005000000000001"${users.attrs}>${esc(v.reassignUsers)}</textarea><span id="h-reassign-users-help" class="muted">one user id per line (or comma-separated)</span>${users.message}</span>`,
  };
  const modes = REASSIGN_MODES.map(
    ([key, label, help]) =>
      `<div class="mode"><input type="radio" id="h-reassign-${key}" name="reassignMode" value="${key}"${v.reassignMode === key ? ' checked' : ''}${key === 'off' ? mode.attrs : ''}> <label for="h-reassign-${key}">${esc(label)}</label> <span class="muted">${esc(help)}</span>${sub[key] ? `<div class="mode-fields">${sub[key]}</div>` : ''}</div>`,
  ).join('');
  return `<fieldset><legend>Reassign on an SLA breach</legend>${mode.message}${modes}
<div class="mode-fields" style="margin-left:0"><label for="h-reassign-stages">Only these stages (optional)</label><span><input id="h-reassign-stages" name="reassignStages" value="${esc(v.reassignStages)}" maxlength="2000" placeholder="sql, sal"${stages.attrs}> <span id="h-reassign-stages-help" class="muted">comma-separated stage keys; empty: every stage with an SLA</span>${stages.message}</span></div></fieldset>`;
}

/**
 * The workspace's own SLA webhook: what is in effect (host only), a field for a new URL (never
 * pre-filled, since the URL is a credential) and, when it has one, a way back to the default.
 */
function webhookFieldset(
  v: HandoffForm,
  view: SlaWebhookView,
  problems?: FormProblems,
  dropped = false,
): string {
  const url = fieldProblem(problems, 'slaWebhook', 'h-webhook', 'h-webhook-help');
  const remove =
    view.source === 'workspace'
      ? `<span></span><span><input type="checkbox" id="h-webhook-remove" name="slaWebhookRemove" value="on"${v.slaWebhookRemove === 'on' ? ' checked' : ''}> <label for="h-webhook-remove">Remove this workspace's webhook (LEADSTAGE_SLA_WEBHOOK_URL applies, if set)</label></span>`
      : '';
  const help = dropped
    ? 'The URL you typed was not kept (it is a credential): type it again.'
    : 'https (http only to localhost); empty keeps the current one. Only the host is ever shown again.';
  return `<fieldset><legend>SLA breach webhook</legend><p class="webhook-now">${esc(describeSlaWebhook(view))}</p>
<div class="mode-fields" style="margin-left:0"><label for="h-webhook">New webhook URL</label><span><input id="h-webhook" name="slaWebhook" type="text" inputmode="url" autocomplete="off" spellcheck="false" maxlength="2048" size="48" value="" placeholder="https://hooks.slack.com/services/…"${url.attrs}> <span id="h-webhook-help" class="muted">${esc(help)}</span>${url.message}</span>
${remove}</div></fieldset>`;
}

function renderForm(
  action: string,
  csrf: string,
  v: HandoffForm,
  webhook: { view: SlaWebhookView; dropped: boolean },
  problems?: FormProblems,
): string {
  const p = (field: keyof HandoffForm, id: string, help?: string) => fieldProblem(problems, field, id, help);
  const mode = p('ownerMode', 'h-mode-default');
  const sub: Record<string, string> = {
    assignment_rules: (() => {
      const rule = p('ruleId', 'h-rule', 'h-rule-help');
      return `<label for="h-rule">Rule id (optional)</label><span><input id="h-rule" name="ruleId" value="${esc(v.ruleId)}" maxlength="64"${rule.attrs}> <span id="h-rule-help" class="muted">empty: the active rule</span>${rule.message}</span>`;
    })(),
    field: (() => {
      const [field, map, fallback] = [
        p('field', 'h-field'),
        p('map', 'h-map', 'h-map-help'),
        p('fallback', 'h-fallback', 'h-fallback-help'),
      ];
      return `<label for="h-field">Contact field</label><span><input id="h-field" name="field" value="${esc(v.field)}" maxlength="100" placeholder="territory"${field.attrs}>${field.message}</span>
<label for="h-map">Values → owners</label><span><textarea id="h-map" name="map" rows="5" spellcheck="false" placeholder="EMEA = 00G000000000001"${map.attrs}>${esc(v.map)}</textarea><span id="h-map-help" class="muted">one "value = user or queue id" per line</span>${map.message}</span>
<label for="h-fallback">Otherwise (optional)</label><span><input id="h-fallback" name="fallback" value="${esc(v.fallback)}" maxlength="64"${fallback.attrs}> <span id="h-fallback-help" class="muted">empty: the CRM's default owner</span>${fallback.message}</span>`;
    })(),
    round_robin: (() => {
      const users = p('users', 'h-users', 'h-users-help');
      return `<label for="h-users">Users in turn</label><span><textarea id="h-users" name="users" rows="4" spellcheck="false" placeholder="005000000000001"${users.attrs}>${esc(v.users)}</textarea><span id="h-users-help" class="muted">one user id per line (or comma-separated)</span>${users.message}</span>`;
    })(),
  };
  const modes = OWNER_MODES.map(
    ([key, label, help]) =>
      `<div class="mode"><input type="radio" id="h-mode-${key}" name="ownerMode" value="${key}"${v.ownerMode === key ? ' checked' : ''}${key === 'default' ? mode.attrs : ''}> <label for="h-mode-${key}">${esc(label)}</label> <span class="muted">${esc(help)}</span>${sub[key] ? `<div class="mode-fields">${sub[key]}</div>` : ''}</div>`,
  ).join('');
  const [as, events] = [p('whyAs', 'h-why'), p('whyEvents', 'h-events', 'h-events-help')];
  const whyOptions = [
    ['task', "a Task in the owner's list"],
    ['note', 'a note on the record'],
    ['off', 'nothing'],
  ]
    .map(([k, l]) => `<option value="${k}"${v.whyAs === k ? ' selected' : ''}>${l}</option>`)
    .join('');
  return postForm(
    action,
    csrf,
    `<fieldset><legend>Owner of new records</legend>${mode.message}${modes}</fieldset>
<fieldset><legend>Why, written to the CRM</legend><div class="mode-fields" style="margin-left:0">
<label for="h-why">Write the explanation as</label><span><select id="h-why" name="whyAs"${as.attrs}>${whyOptions}</select>${as.message}</span>
<label for="h-events">Latest events listed</label><span><input id="h-events" type="number" name="whyEvents" min="0" max="50" value="${esc(v.whyEvents)}"${events.attrs}> <span id="h-events-help" class="muted">0 to 50 of the contact's latest engagement events</span>${events.message}</span>
</div></fieldset>
${reassignFieldset(v, problems)}
${webhookFieldset(v, webhook.view, problems, webhook.dropped)}
<p><button class="primary" type="submit">Save handoff settings</button></p>`,
    ' class="handoff-form" style="display:block"',
  );
}

/** What the model decides about handoffs, read-only here: it changes in the model editor. */
function modelSection(wsId: string, model: CompiledModel | null): string {
  const editor = `<a href="${esc(workspaceHref(wsId, 'model'))}">the model editor</a>`;
  if (!model) {
    return `<section class="card"><h2>From the model</h2><p class="bad">The model does not compile: fix it in ${editor}.</p></section>`;
  }
  const rows = model.stages
    .map(
      (s) =>
        `<tr data-stage="${esc(s.key)}"><td>${esc(s.label)} <code>${esc(s.key)}</code></td><td>${esc(s.owner === 'sdr' ? 'SDR' : s.owner)}</td><td>${s.handoff ? '<span class="badge ok">handoff</span>' : ''}</td><td>${s.sla ? `${esc(s.sla.within)}${s.sla.businessHours ? ' business hours' : ''}${s.sla.until.length ? `, until ${esc(s.sla.until.join(' or '))}` : ''}` : '<span class="muted">none</span>'}</td></tr>`,
    )
    .join('');
  const sdr = model.stages.filter((s) => s.owner === 'sdr');
  const accounts = model.accountDimensions;
  return `<section class="card"><h2>From the model</h2><p class="muted">Stages, owners, SLAs and the account roll-up are part of the model: change them in ${editor}.</p>
<p>${sdr.length ? `SDR step: ${sdr.map((s) => esc(s.label)).join(', ')} (owned by SDRs before sales).` : 'No SDR step: no stage is owned by SDRs.'}</p>
<div class="table-wrap"><table class="handoff-stages"><thead><tr><th scope="col">Stage</th><th scope="col">Owner</th><th scope="col">Handoff</th><th scope="col">SLA</th></tr></thead><tbody>${rows}</tbody></table></div>
<p>Working time: ${esc(model.businessHours.days.join(', '))} ${esc(model.businessHours.start)}–${esc(model.businessHours.end)} (${esc(model.businessHours.timeZone)}).</p>
<p>${accounts.length ? `Account roll-up: ${accounts.map((d) => `<code>${esc(d.key)}</code> (${'sum' in d ? `sum of ${esc(d.sum)}` : 'max' in d ? `max of ${esc(d.max)}` : 'fit rules'})`).join(', ')}.` : 'No account roll-up: the model defines no account dimensions.'}</p></section>`;
}

export const registerHandoffRoutes: PageRoutes = (router, ctx) => {
  async function handoffPage(
    res: Response,
    wsId: string,
    notice: Notice | undefined,
    refused?: { values: HandoffForm; problems: FormProblems },
  ): Promise<string> {
    const { ws, layout } = await workspacePage(ctx, wsId, 'handoff');
    // A model that no longer compiles still leaves the owner settings editable.
    const model: CompiledModel | null = await workspaceModel(ws).catch(() => null);
    const current = handoffSettings(ws);
    // A refused URL is not written back into the page: it is a credential.
    const dropped = Boolean(refused?.values.slaWebhook.trim());
    const values = refused ? { ...refused.values, slaWebhook: '' } : formOf(current);
    let view: SlaWebhookView;
    let webhookLine: string;
    try {
      view = slaWebhookView(ws.settings);
      webhookLine = describeSlaWebhook(view);
    } catch (err) {
      view = { source: 'none' };
      webhookLine = err instanceof Error ? err.message : String(err);
    }
    // The core's own description: every setting it holds, including any this form does not edit.
    const inEffect = [...describeHandoffSettings(current), webhookLine]
      .map((line) => `<li>${esc(line)}</li>`)
      .join('');
    const action = `/workspaces/${encodeURIComponent(ws.id)}/handoff`;
    const body = `<section class="card"><h1>Handoff of ${esc(ws.name)}</h1>
<p class="muted">How a record a handoff creates in ${esc(ws.crmVendor && isConnectableVendor(ws.crmVendor) ? VENDOR_LABELS[ws.crmVendor] : 'the CRM')} gets its owner, and how the reason is written there. The same settings as <code>leadstage workspace handoff</code> and <code>PUT /api/workspaces/:id/handoff</code>.</p>
<h2>In effect</h2><ul class="in-effect">${inEffect}</ul>
<h2>Change</h2>${renderForm(action, csrfTokenOf(res), values, { view, dropped }, refused?.problems)}</section>${modelSection(ws.id, model)}${STYLE}`;
    const shown = refused ? problemsNotice(refused.problems) : notice;
    return page(`Handoff · ${ws.name}`, body, { ...layout, ...(shown ? { notice: shown } : {}) });
  }

  router.get('/workspaces/:id/handoff', async (req, res) => {
    const notice: Notice | undefined =
      req.query.saved === '1' ? { kind: 'ok', text: 'Handoff settings saved.' } : undefined;
    res.type('html').send(await handoffPage(res, String(req.params.id), notice));
  });

  router.post('/workspaces/:id/handoff', async (req, res) => {
    const ws = await requireWorkspace(ctx, String(req.params.id));
    const raw = (req.body ?? {}) as Record<string, unknown>;
    const values = Object.fromEntries(
      Object.entries(formOf(handoffSettings(ws))).map(([k]) => [k, typeof raw[k] === 'string' ? raw[k] : '']),
    ) as unknown as HandoffForm;
    try {
      const saved = await saveHandoffSettings(ctx.store, ws, settingsInput(values), 'web');
      ctx.log.info('workspace handoff settings changed', {
        workspace: ws.name,
        owner: saved.owner.mode,
        reassign: saved.reassign.mode,
      });
      res.redirect(303, `${workspaceHref(ws.id, 'handoff')}?saved=1`);
    } catch (err) {
      const fields = Object.fromEntries(Object.keys(values).map((k) => [k, k]));
      const problems = formProblems(err, fields, fieldOfMessage);
      if (!problems) throw err;
      res
        .status(400)
        .type('html')
        .send(await handoffPage(res, ws.id, undefined, { values, problems }));
    }
  });
};
