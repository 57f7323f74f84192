/**
 * Handoff settings (`/workspaces/:id/handoff`): who owns a record a handoff creates (the CRM's
 * default, its assignment rules, a contact field mapped to users or queues, or round-robin) and how
 * the "why" is written (a Task or note with the last N events). Saved through the same core as
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
  type HandoffSettings,
  describeHandoffSettings,
  handoffSettings,
  saveHandoffSettings,
} from '../../pipeline/handoff-settings.ts';
import { slaWebhookFromEnv } from '../../sla/webhook.ts';
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
}

const OWNER_MODES = [
  ['default', "The CRM's default owner", 'leadstage sets no owner.'],
  ['assignment_rules', "The CRM's assignment rules", 'the active rule, or the rule whose id you give.'],
  ['field', 'By a contact field', 'each value of the field goes to a user or queue.'],
  ['round_robin', 'Round-robin', 'each new record goes to the next user of the list, in turn.'],
] as const;

function formOf(s: HandoffSettings): HandoffForm {
  const o = s.owner;
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

/** The form as the core's input: only the chosen mode's fields count; empty optional ones are absent. */
function settingsInput(form: HandoffForm): { owner: unknown; why: unknown } {
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
  return { owner, why: { as: form.whyAs, events } };
}

/** `settings.handoff.owner.users: …` (the core's words) → the form field it is about. */
function fieldOfMessage(message: string): string | undefined {
  const m = /^(?:settings\.handoff\.)?(owner|why)(?:\.(\w+))?/.exec(message);
  if (!m) return undefined;
  if (m[1] === 'why') return m[2] === 'events' ? 'whyEvents' : 'whyAs';
  const sub = m[2];
  return sub === 'mode' || sub === undefined ? 'ownerMode' : sub;
}

const STYLE = `<style>fieldset{border:1px solid #dde1e8;border-radius:6px;margin:0 0 1rem;padding:.5rem 1rem 1rem}
legend{font-weight:600;padding:0 .3rem}.mode{margin:.6rem 0}.mode-fields{margin:.3rem 0 0 1.6rem;display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.4rem 1rem;align-items:start}
.mode-fields textarea{width:100%;font:13px/1.4 ui-monospace,monospace}.field-error{display:block}</style>`;

function renderForm(action: string, csrf: string, v: HandoffForm, problems?: FormProblems): string {
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
  let webhook: string;
  try {
    // The URL is a credential: the page says whether one is set, never what it is.
    webhook = slaWebhookFromEnv()
      ? 'SLA breaches are sent to the webhook set in LEADSTAGE_SLA_WEBHOOK_URL.'
      : 'No SLA webhook: breaches are recorded and shown on the dashboard (set LEADSTAGE_SLA_WEBHOOK_URL to send them).';
  } catch (err) {
    webhook = err instanceof Error ? err.message : String(err);
  }
  return `<section class="card"><h2>From the model</h2><p class="muted">Stages, owners, SLAs and the account roll-up are part of the model: change them in ${editor}.</p>
<p>${sdr.length ? `SDR step: ${sdr.map((s) => esc(s.label)).join(', ')} (owned by SDRs before sales).` : 'No SDR step: no stage is owned by SDRs.'}</p>
<div class="table-wrap"><table class="handoff-stages"><thead><tr><th scope="col">Stage</th><th scope="col">Owner</th><th scope="col">Handoff</th><th scope="col">SLA</th></tr></thead><tbody>${rows}</tbody></table></div>
<p>${esc(webhook)} Working time: ${esc(model.businessHours.days.join(', '))} ${esc(model.businessHours.start)}–${esc(model.businessHours.end)} (${esc(model.businessHours.timeZone)}).</p>
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
    const values = refused?.values ?? formOf(current);
    // The core's own description: every setting it holds, including any this form does not edit.
    const inEffect = describeHandoffSettings(current)
      .map((line) => `<li>${esc(line)}</li>`)
      .join('');
    const action = `/workspaces/${encodeURIComponent(ws.id)}/handoff`;
    const body = `<section class="card"><h1>Handoff of ${esc(ws.name)}</h1>
<p class="muted">How a record a handoff creates in ${esc(ws.crmVendor && isConnectableVendor(ws.crmVendor) ? VENDOR_LABELS[ws.crmVendor] : 'the CRM')} gets its owner, and how the reason is written there. The same settings as <code>leadstage workspace handoff</code> and <code>PUT /api/workspaces/:id/handoff</code>.</p>
<h2>In effect</h2><ul class="in-effect">${inEffect}</ul>
<h2>Change</h2>${renderForm(action, csrfTokenOf(res), values, refused?.problems)}</section>${modelSection(ws.id, model)}${STYLE}`;
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
      const saved = await saveHandoffSettings(ctx.store, ws, settingsInput(values));
      ctx.log.info('workspace handoff settings changed', { workspace: ws.name, owner: saved.owner.mode });
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
