/**
 * A workspace's settings as an admin changes them: one implementation behind
 * `leadstage workspace settings`, `PATCH /api/workspaces/:id/settings` and the console's settings
 * page. Today that is `identity` (matching on first handoff, what an erasure does in the CRM).
 */
import { z } from 'zod';

import { ValidationError } from '../errors.ts';
import type { Store, Workspace } from '../store/index.ts';

import { CRM_ERASURE_POLICIES, identitySettings, MATCH_MODES, type IdentitySettings } from './identity.ts';

export interface WorkspaceSettings {
  identity: IdentitySettings;
}

/** What to change; keys left out keep their value. */
export interface SettingsUpdate {
  identity?: { [K in keyof IdentitySettings]?: IdentitySettings[K] | undefined } | undefined;
}

/** The values each setting takes, in display order, with what each means (for forms and help). */
export const SETTING_CHOICES = {
  identity: {
    match: [
      {
        value: 'email',
        label: 'link an existing Salesforce Lead or Contact with the same email on first handoff',
      },
      { value: 'none', label: 'never match: every first handoff creates a new Lead' },
    ],
    crmErasure: [
      {
        value: 'delete_lead',
        label: 'delete an unconverted Lead; leave converted records and report them',
      },
      { value: 'report_only', label: 'delete nothing in Salesforce; report the records to act on' },
    ],
  },
} as const satisfies {
  identity: {
    match: readonly { value: (typeof MATCH_MODES)[number]; label: string }[];
    crmErasure: readonly { value: (typeof CRM_ERASURE_POLICIES)[number]; label: string }[];
  };
};

const oneOf = <T extends string>(values: readonly [T, ...T[]]) =>
  z.enum(values, {
    error: (issue) => `must be one of ${values.join(', ')} (got ${JSON.stringify(issue.input) ?? 'nothing'})`,
  });

const updateSchema = z
  .object({
    identity: z
      .object({ match: oneOf(MATCH_MODES).optional(), crmErasure: oneOf(CRM_ERASURE_POLICIES).optional() })
      .strict()
      .optional(),
  })
  .strict();

/** The settings in force, defaults filled in. */
export function workspaceSettings(workspace: Workspace): WorkspaceSettings {
  return { identity: identitySettings(workspace) };
}

/** Validates an untrusted update (a request body, a form); the error names the field. */
export function parseSettingsUpdate(input: unknown): SettingsUpdate {
  const parsed = updateSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    parsed.error.issues
      .map((i) => {
        const path = i.path.join('.');
        if (i.code === 'unrecognized_keys') {
          const where = path ? `${path}: ` : '';
          return `${where}unknown setting${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}`;
        }
        return `${path || '(settings)'}: ${i.message}`;
      })
      .join('; '),
  );
}

/**
 * Saves `update` (other settings untouched, in one statement) and audits a real change; the answer
 * is the settings in force afterwards and the dotted names of what changed (none: nothing saved).
 */
export async function updateWorkspaceSettings(
  store: Store,
  workspace: Workspace,
  update: SettingsUpdate,
  actor: string,
  now: () => Date = () => new Date(),
): Promise<{ workspace: Workspace; settings: WorkspaceSettings; changed: string[] }> {
  const before = workspaceSettings(workspace);
  const patch = Object.fromEntries(
    Object.entries(update.identity ?? {}).filter(
      ([key, value]) => value !== undefined && before.identity[key as keyof IdentitySettings] !== value,
    ),
  );
  const changed = Object.keys(patch).map((key) => `identity.${key}`);
  if (!changed.length) return { workspace, settings: before, changed };
  const saved = await store.transaction(async (tx) => {
    const ws = await tx.workspaces.mergeSettings(workspace.id, 'identity', patch);
    await tx.audit.append({
      workspaceId: workspace.id,
      at: now(),
      actor,
      action: 'workspace.settings',
      dataKinds: [],
      details: {
        changed: Object.fromEntries(
          Object.entries(patch).map(([key, to]) => [
            `identity.${key}`,
            { from: before.identity[key as keyof IdentitySettings], to },
          ]),
        ),
      },
    });
    return ws;
  });
  return { workspace: saved, settings: workspaceSettings(saved), changed };
}
