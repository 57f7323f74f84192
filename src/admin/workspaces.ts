/**
 * The admin's workspace tasks, shared by the console, the CLI and the JSON API: health at a glance,
 * create, settings (schedule, matching policy, the CRM's Lead-or-Contact and API share) and delete.
 * Vendors and queues stay with the caller: the schedule and the retiring of a connection (revoking
 * its tokens) come in as ports, so this module knows neither BullMQ nor any connector.
 */
import { z } from 'zod';

import { stageWriteOf, type StageWrite } from '../connections/stage-write.ts';
import { ConfigError, ValidationError } from '../errors.ts';
import {
  parseSettingsUpdate,
  updateWorkspaceSettings,
  workspaceSettings,
} from '../pipeline/workspace-settings.ts';
import type { Store, Workspace, WorkspaceModel } from '../store/index.ts';

/** The worker's schedule of a workspace: the server sets it at once; without Redis the worker's reconcile does. */
export interface SchedulePort {
  /** When the next scheduled sync runs, or null when none is scheduled (yet). */
  nextRun(workspaceId: string): Promise<Date | null>;
  set(workspaceId: string, intervalMinutes: number): Promise<void>;
  remove(workspaceId: string): Promise<void>;
}

/** What disconnecting one vendor did: tokens revoked, or why not. */
export interface RetireOutcome {
  revoked: boolean;
  note?: string;
}

/** Detaches and retires the workspace's connection to `vendor` (revoking its tokens where it can). */
export type RetireConnection = (ws: Workspace, vendor: string) => Promise<RetireOutcome>;

export const WORKSPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** A week: a longer interval is a sign the admin meant hours, not minutes. */
export const MAX_SCHEDULE_MINUTES = 10_080;

export interface ConnectionHealth {
  role: 'source' | 'crm';
  vendor: string;
  state: 'connected' | 'needs_reconnect' | 'not_connected';
  accountId: string | null;
  message: string | null;
  /** Mautic: how stages are written (decided when connected); null otherwise. */
  stageWrite: StageWrite | null;
}

export interface WorkspaceHealth {
  id: string;
  name: string;
  sourceVendor: string;
  crmVendor: string | null;
  connections: ConnectionHealth[];
  model: { ref: string; version: string; applied: boolean };
  scheduleIntervalMinutes: number;
  lastRun: { startedAt: string; finishedAt: string | null; status: string; error: string | null } | null;
  recordErrors: { failing: number; quarantined: number };
  /** ISO time of the next scheduled sync; null when no worker has scheduled one yet. */
  nextRunAt: string | null;
  contacts: number;
}

async function connectionHealth(
  store: Store,
  role: 'source' | 'crm',
  vendor: string,
  id: string | null,
): Promise<ConnectionHealth> {
  const c = id ? await store.connections.get(id) : null;
  if (!c) return { role, vendor, state: 'not_connected', accountId: null, message: null, stageWrite: null };
  return {
    role,
    vendor,
    state: c.status === 'active' ? 'connected' : 'needs_reconnect',
    accountId: c.accountId,
    message: c.statusMessage,
    stageWrite: stageWriteOf(c.vendor, c.config),
  };
}

export async function workspaceHealth(
  store: Store,
  ws: Workspace,
  schedule?: SchedulePort,
): Promise<WorkspaceHealth> {
  const [source, crm, runs, errors, next, contacts] = await Promise.all([
    connectionHealth(store, 'source', ws.sourceVendor, ws.sourceConnectionId),
    ws.crmVendor ? connectionHealth(store, 'crm', ws.crmVendor, ws.crmConnectionId) : null,
    store.runs.list(ws.id, 1),
    store.recordErrors.list(ws.id),
    schedule ? schedule.nextRun(ws.id) : Promise.resolve(null),
    store.contacts.count(ws.id),
  ]);
  const last = runs[0];
  return {
    id: ws.id,
    name: ws.name,
    sourceVendor: ws.sourceVendor,
    crmVendor: ws.crmVendor,
    connections: crm ? [source, crm] : [source],
    model: {
      ref: ws.model.ref,
      version: ws.model.version,
      applied: ws.qualifiedModelVersion === ws.model.version,
    },
    scheduleIntervalMinutes: ws.scheduleIntervalMinutes,
    lastRun: last
      ? { startedAt: last.startedAt, finishedAt: last.finishedAt, status: last.status, error: last.error }
      : null,
    recordErrors: {
      failing: errors.filter((e) => !e.quarantined).length,
      quarantined: errors.filter((e) => e.quarantined).length,
    },
    nextRunAt: next ? next.toISOString() : null,
    contacts,
  };
}

export async function listWorkspaceHealth(store: Store, schedule?: SchedulePort): Promise<WorkspaceHealth[]> {
  const all = await store.workspaces.list();
  return Promise.all(all.map((ws) => workspaceHealth(store, ws, schedule)));
}

export interface NewWorkspaceInput {
  name: string;
  sourceVendor: string;
  crmVendor: string | null;
  model: WorkspaceModel;
  scheduleIntervalMinutes: number;
  actor: string;
}

export function checkSchedule(minutes: number): number {
  if (!Number.isInteger(minutes) || minutes <= 0 || minutes > MAX_SCHEDULE_MINUTES) {
    throw new ValidationError(
      `schedule: must be a whole number of minutes from 1 to ${MAX_SCHEDULE_MINUTES} (a week), got ${minutes}`,
    );
  }
  return minutes;
}

export async function createWorkspace(
  store: Store,
  input: NewWorkspaceInput,
  schedule?: SchedulePort,
): Promise<Workspace> {
  const ws = await store.workspaces.create({
    name: input.name,
    sourceVendor: input.sourceVendor,
    crmVendor: input.crmVendor,
    model: input.model,
    scheduleIntervalMinutes: checkSchedule(input.scheduleIntervalMinutes),
    note: { comment: 'created', actor: input.actor },
  });
  await schedule?.set(ws.id, ws.scheduleIntervalMinutes);
  return ws;
}

/**
 * What the settings form, `leadstage workspace settings` and `PATCH /api/workspaces/:id/settings`
 * change; absent fields stay. Identity settings (`match`, `crmErasure`, or the same under
 * `identity`) go through the identity settings core (`src/pipeline/workspace-settings.ts`), which
 * validates them with its own messages and audits each change.
 */
export const settingsChangeSchema = z
  .object({
    scheduleIntervalMinutes: z.number().int().positive().max(MAX_SCHEDULE_MINUTES).optional(),
    /** First handoff: link an existing CRM record with the same email (`email`) or always create (`none`). */
    match: z.unknown().optional(),
    /** Erasure in the CRM: `delete_lead` (an unconverted Lead) or `report_only`. */
    crmErasure: z.unknown().optional(),
    identity: z.unknown().optional(),
    /** Where the CRM receives handed-off records (stored on the CRM connection). */
    handoffObject: z.enum(['Lead', 'Contact']).optional(),
    /** Share of the CRM org's daily API requests leadstage may use, (0, 1]. */
    apiShare: z.number().gt(0).lte(1).optional(),
  })
  .strict();
export type SettingsChange = z.infer<typeof settingsChangeSchema>;

export interface WorkspaceSettings {
  scheduleIntervalMinutes: number;
  match: 'email' | 'none';
  crmErasure: 'delete_lead' | 'report_only';
  /** Null while the workspace has no CRM connection: the settings live on the connection. */
  handoffObject: 'Lead' | 'Contact' | null;
  apiShare: number | null;
}

/** The CRM connector's defaults (connectors/salesforce/config.ts) when the connection sets none. */
const CRM_DEFAULTS = { handoffObject: 'Lead', apiShare: 0.5 } as const;

export async function readSettings(store: Store, ws: Workspace): Promise<WorkspaceSettings> {
  const { identity } = workspaceSettings(ws);
  const crm = ws.crmConnectionId ? await store.connections.get(ws.crmConnectionId) : null;
  const config = (crm?.config ?? {}) as { handoffObject?: unknown; apiShare?: unknown };
  return {
    scheduleIntervalMinutes: ws.scheduleIntervalMinutes,
    match: identity.match,
    crmErasure: identity.crmErasure,
    handoffObject: crm ? (config.handoffObject === 'Contact' ? 'Contact' : CRM_DEFAULTS.handoffObject) : null,
    apiShare: crm ? (typeof config.apiShare === 'number' ? config.apiShare : CRM_DEFAULTS.apiShare) : null,
  };
}

/**
 * Applies a settings change. The schedule takes effect at once when a schedule port is given (the
 * server's queue), else at the worker's next reconcile. Lead-or-Contact and the API share belong
 * to the CRM connection, so they need one. Everything is validated before anything is saved.
 */
export async function updateSettings(
  store: Store,
  ws: Workspace,
  change: SettingsChange,
  schedule?: SchedulePort,
  actor = 'api',
): Promise<{ workspace: Workspace; changed: string[] }> {
  const flat = Object.fromEntries(
    Object.entries({ match: change.match, crmErasure: change.crmErasure }).filter(([, v]) => v !== undefined),
  );
  const nested = (change.identity ?? {}) as Record<string, unknown>;
  const identity =
    change.identity !== undefined || Object.keys(flat).length
      ? parseSettingsUpdate({ identity: { ...nested, ...flat } })
      : undefined;
  const wantsCrm = change.handoffObject !== undefined || change.apiShare !== undefined;
  if (wantsCrm && !ws.crmConnectionId) {
    throw new ConfigError(
      `handoffObject/apiShare: workspace "${ws.name}" has no ${ws.crmVendor ?? 'CRM'} connection yet; connect it first`,
    );
  }
  const changed: string[] = [];
  let current = ws;
  if (identity) {
    const saved = await updateWorkspaceSettings(store, current, identity, actor);
    current = saved.workspace;
    changed.push(...saved.changed);
  }
  if (wantsCrm && current.crmConnectionId) {
    const crm = await store.connections.require(current.crmConnectionId);
    await store.connections.update(crm.id, {
      config: {
        ...crm.config,
        ...(change.handoffObject ? { handoffObject: change.handoffObject } : {}),
        ...(change.apiShare !== undefined ? { apiShare: change.apiShare } : {}),
      },
    });
    if (change.handoffObject) changed.push('handoffObject');
    if (change.apiShare !== undefined) changed.push('apiShare');
  }
  if (change.scheduleIntervalMinutes !== undefined) {
    current = await store.workspaces.update(current.id, {
      scheduleIntervalMinutes: checkSchedule(change.scheduleIntervalMinutes),
    });
    changed.push('scheduleIntervalMinutes');
    await schedule?.set(current.id, current.scheduleIntervalMinutes);
  }
  return { workspace: current, changed };
}

/** What deleting a workspace removes, shown before the admin confirms. */
export interface DeletionPlan {
  workspace: string;
  contacts: number;
  connections: { vendor: string; accountId: string | null; shared: boolean }[];
  modelVersions: number;
  runs: number;
}

export async function planDeletion(store: Store, ws: Workspace): Promise<DeletionPlan> {
  const all = await store.workspaces.list();
  const connections: DeletionPlan['connections'] = [];
  for (const id of [ws.sourceConnectionId, ws.crmConnectionId]) {
    const c = id ? await store.connections.get(id) : null;
    if (!c) continue;
    const shared = all.some(
      (w) => w.id !== ws.id && (w.sourceConnectionId === id || w.crmConnectionId === id),
    );
    connections.push({ vendor: c.vendor, accountId: c.accountId, shared });
  }
  const [contacts, versions, runs] = await Promise.all([
    store.contacts.count(ws.id),
    store.modelVersions.list(ws.id, 10_000),
    store.runs.list(ws.id, 10_000),
  ]);
  return { workspace: ws.name, contacts, connections, modelVersions: versions.length, runs: runs.length };
}

/** The confirmation text: what goes, in words, so the admin knows before clicking. */
export function describeDeletion(plan: DeletionPlan): string[] {
  const lines = [
    `${plan.contacts} stored contact(s) with their scores, stage history and links to the CRM`,
    `${plan.runs} sync run(s) and ${plan.modelVersions} model version(s)`,
    'the sync schedule',
  ];
  for (const c of plan.connections) {
    lines.push(
      c.shared
        ? `the link to ${c.vendor} account ${c.accountId ?? '?'} (another workspace uses it: its tokens stay)`
        : `the ${c.vendor} connection to account ${c.accountId ?? '?'}: its tokens are revoked`,
    );
  }
  return lines;
}

export interface DeletionOutcome {
  workspace: string;
  retired: { vendor: string; revoked: boolean; note?: string }[];
}

/**
 * Deletes the workspace: each connection is retired first (tokens revoked unless another workspace
 * uses it), then the schedule, then every row stored for it. The admin must have confirmed by
 * typing the workspace's name: `confirm` is checked here, so no door can skip it.
 */
export async function deleteWorkspace(
  store: Store,
  ws: Workspace,
  confirm: string,
  ports: { retire: RetireConnection; schedule?: SchedulePort | undefined },
): Promise<DeletionOutcome> {
  if (confirm !== ws.name) {
    throw new ValidationError(`confirm: type the workspace's name "${ws.name}" to delete it`);
  }
  const retired: DeletionOutcome['retired'] = [];
  let current = ws;
  for (const [vendor, id] of [
    [ws.sourceVendor, ws.sourceConnectionId],
    [ws.crmVendor, ws.crmConnectionId],
  ] as const) {
    if (!vendor || !id) continue;
    const outcome = await ports.retire(current, vendor);
    retired.push({ vendor, revoked: outcome.revoked, ...(outcome.note ? { note: outcome.note } : {}) });
    current = await store.workspaces.require(ws.id);
  }
  await ports.schedule?.remove(ws.id);
  await store.workspaces.delete(ws.id);
  return { workspace: ws.name, retired };
}
