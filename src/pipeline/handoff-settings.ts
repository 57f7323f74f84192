/**
 * `settings.handoff` of a workspace: how a record created by a handoff gets its owner, and how
 * the "why" is written into the CRM. One parser for the pipeline, the CLI and the API, so a bad
 * value is refused the same way at every door, naming the field.
 */
import { isDeepStrictEqual } from 'node:util';

import { z } from 'zod';

import { ConfigError, ValidationError } from '../errors.ts';
import type { CompiledModel } from '../model.ts';
import {
  parseSlaWebhookUrl,
  slaWebhookBox,
  withSlaWebhookUrl,
  workspaceSlaWebhookUrl,
} from '../sla/webhook.ts';
import type { Store, Workspace } from '../store/index.ts';
import { workspaceModel } from './engine.ts';

/** A CRM user or queue id (Salesforce: 15 or 18 characters, `005…` users, `00G…` queues). */
const ownerId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a user or queue id: letters, digits, "_" or "-" (at most 64)');

/** Most values a field mapping may list (territories, countries, segments). */
export const MAX_OWNER_MAP = 1000;

const ownerSchema = z.discriminatedUnion('mode', [
  /** leadstage sets no owner: the CRM's default applies to new records. */
  z.strictObject({ mode: z.literal('default') }),
  /** The CRM's assignment rules choose: its active rule, or the rule named. */
  z.strictObject({ mode: z.literal('assignment_rules'), ruleId: ownerId.optional() }),
  /** A property of the contact (territory, country, segment) picks a user or queue. */
  z.strictObject({
    mode: z.literal('field'),
    field: z.string().trim().min(1).max(100),
    map: z
      .record(z.string().trim().min(1).max(200), ownerId)
      .refine((m) => Object.keys(m).length >= 1, 'must map at least one value')
      .refine((m) => Object.keys(m).length <= MAX_OWNER_MAP, `may map at most ${MAX_OWNER_MAP} values`),
    /** For a value the map does not list (or no value): absent → the CRM's default. */
    fallback: ownerId.optional(),
  }),
  /** Each new record goes to the next user of the list, in turn. */
  z.strictObject({
    mode: z.literal('round_robin'),
    users: z
      .array(ownerId)
      .min(1)
      .max(500)
      .refine((u) => new Set(u).size === u.length, 'lists a user twice'),
  }),
]);

const whySchema = z.strictObject({
  /** A Task (in the owner's list, default), a note on the record, or nothing. */
  as: z.enum(['task', 'note', 'off']).default('task'),
  /** How many of the contact's latest engagement events the Task lists. */
  events: z.number().int().min(0).max(50).default(10),
});

/** Stage keys a reassignment rule applies to (absent: every stage with an SLA). */
const breachStages = z.array(z.string().trim().min(1).max(100)).min(1).max(100).optional();

/**
 * What happens to the CRM record of a contact whose SLA ran out while it sat in the stage: nothing
 * (the breach is still shown and sent), or a new owner, once per breached stay.
 */
const reassignSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('off') }),
  /** To one user or queue (a Lead may go to a queue; a Contact needs a user). */
  z.strictObject({ mode: z.literal('owner'), ownerId, stages: breachStages }),
  /** To the next user of the list in turn, skipping the record's current owner. */
  z.strictObject({
    mode: z.literal('round_robin'),
    users: z
      .array(ownerId)
      .min(1)
      .max(500)
      .refine((u) => new Set(u).size === u.length, 'lists a user twice'),
    stages: breachStages,
  }),
]);

export const handoffSettingsSchema = z.strictObject({
  owner: ownerSchema.default({ mode: 'default' }),
  why: whySchema.default({ as: 'task', events: 10 }),
  /** On an SLA breach (the model's `stages[].sla`): reassign the CRM record, or not. */
  reassign: reassignSchema.default({ mode: 'off' }),
});

export type HandoffSettings = z.infer<typeof handoffSettingsSchema>;
export type OwnerSettings = HandoffSettings['owner'];
export type ReassignSettings = HandoffSettings['reassign'];

function problem(err: z.ZodError): string {
  const issue = err.issues[0];
  const path = issue?.path.length ? `.${issue.path.join('.')}` : '';
  return `settings.handoff${path}: ${issue?.message ?? 'invalid'}`;
}

/** `settings.handoff` of a stored workspace, with defaults; a bad value names the field. */
export function handoffSettings(workspace: Workspace): HandoffSettings {
  const parsed = handoffSettingsSchema.safeParse(workspace.settings.handoff ?? {});
  if (!parsed.success) throw new ConfigError(`workspace "${workspace.name}" ${problem(parsed.error)}`);
  return parsed.data;
}

/** Checks new handoff settings (input from the CLI or API) and returns them with defaults filled in. */
export function parseHandoffSettings(input: unknown): HandoffSettings {
  const parsed = handoffSettingsSchema.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError(problem(parsed.error));
  return parsed.data;
}

export interface HandoffChanges {
  owner?: unknown;
  why?: unknown;
  reassign?: unknown;
  /**
   * Where this workspace's SLA breaches are sent (stored sealed in `settings.sla.webhook`): a URL,
   * or null / `off` to remove it (LEADSTAGE_SLA_WEBHOOK_URL applies again). Absent: kept.
   */
  slaWebhookUrl?: unknown;
}

/**
 * Saves a workspace's handoff settings: `changes` replace the owner, why, reassign and/or SLA
 * webhook parts given, the rest stays. Shared by `leadstage workspace handoff`,
 * `PUT /api/workspaces/:id/handoff` and the console's Handoff page. Every part is checked before
 * anything is written, so a refused part saves nothing.
 */
export async function saveHandoffSettings(
  store: Store,
  workspace: Workspace,
  changes: HandoffChanges,
  actor: string,
  now: () => Date = () => new Date(),
): Promise<HandoffSettings> {
  const current = handoffSettings(workspace);
  const next = parseHandoffSettings({
    owner: changes.owner ?? current.owner,
    why: changes.why ?? current.why,
    reassign: changes.reassign ?? current.reassign,
  });
  // Checked when the rule is saved, against the model in use then.
  const r = next.reassign;
  if (changes.reassign !== undefined && r.mode !== 'off' && r.stages) {
    checkBreachStages(r.stages, await workspaceModel(workspace));
  }
  let settings: Record<string, unknown> = { ...workspace.settings, handoff: next };
  const webhook = changes.slaWebhookUrl === undefined ? undefined : parseSlaWebhookUrl(changes.slaWebhookUrl);
  if (webhook !== undefined) {
    settings = withSlaWebhookUrl(settings, webhook, slaWebhookBox(store, workspace.id));
  }
  const changed: Record<string, { from: unknown; to: unknown }> = {};
  for (const part of ['owner', 'why', 'reassign'] as const) {
    if (!isDeepStrictEqual(current[part], next[part])) {
      changed[part] = { from: current[part], to: next[part] };
    }
  }
  // The URL is a credential: the audit says only that it was set, changed or removed, and only when
  // it differs from the one kept (each console save of the Handoff page sends the field again).
  if (webhook !== undefined) {
    const before = keptSlaWebhookUrl(store, workspace);
    if (before !== webhook) {
      changed.slaWebhook = {
        from: before === null ? null : 'set',
        to: webhook === null ? 'removed' : before === null ? 'set' : 'changed',
      };
    }
  }
  await store.transaction(async (tx) => {
    await tx.workspaces.update(workspace.id, { settings });
    if (Object.keys(changed).length === 0) return;
    await tx.audit.append({
      workspaceId: workspace.id,
      at: now(),
      actor,
      action: 'workspace.handoff',
      dataKinds: [],
      details: { changed },
    });
  });
  return next;
}

/** The workspace's own SLA webhook URL; a damaged stored value counts as none (saving replaces it). */
function keptSlaWebhookUrl(store: Store, workspace: Workspace): string | null {
  try {
    return workspaceSlaWebhookUrl(workspace.settings, slaWebhookBox(store, workspace.id));
  } catch {
    return null;
  }
}

/**
 * A reassignment rule's stages must be the model's and have an SLA: any other never breaches, so
 * the rule would silently never apply.
 */
function checkBreachStages(stages: readonly string[], model: CompiledModel): void {
  const withSla = new Set(model.stages.filter((st) => st.sla).map((st) => st.key));
  for (const key of stages) {
    if (withSla.has(key)) continue;
    const known = model.stages.some((st) => st.key === key);
    const which = withSla.size ? [...withSla].join(', ') : 'none';
    throw new ValidationError(
      `settings.handoff.reassign.stages: ${known ? `stage "${key}" has no SLA in the model` : `the model has no stage "${key}"`} (stages with an SLA: ${which})`,
    );
  }
}

/** One line per setting, for the CLI and logs. */
export function describeHandoffSettings(s: HandoffSettings): string[] {
  const o = s.owner;
  const owner =
    o.mode === 'default'
      ? "the CRM's default owner"
      : o.mode === 'assignment_rules'
        ? `the CRM's assignment rules${o.ruleId ? ` (rule ${o.ruleId})` : ' (the active rule)'}`
        : o.mode === 'field'
          ? `by ${o.field}: ${Object.entries(o.map)
              .map(([k, v]) => `${k} → ${v}`)
              .join(', ')}${o.fallback ? `; otherwise ${o.fallback}` : "; otherwise the CRM's default"}`
          : `round-robin over ${o.users.join(', ')}`;
  const why =
    s.why.as === 'off'
      ? 'not written'
      : `a ${s.why.as} with the explanation and the last ${s.why.events} events`;
  const r = s.reassign;
  const stages = r.mode !== 'off' && r.stages ? ` (stages ${r.stages.join(', ')})` : '';
  const reassign =
    r.mode === 'off'
      ? 'not reassigned'
      : r.mode === 'owner'
        ? `reassigned to ${r.ownerId}${stages}`
        : `reassigned round-robin over ${r.users.join(', ')}${stages}`;
  return [`owner of new records: ${owner}`, `why: ${why}`, `on an SLA breach: ${reassign}`];
}
