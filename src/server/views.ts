/**
 * What the admin API and pages show of a workspace: its connections (never credentials), recent
 * runs, stage counts, sync jobs in flight and schema check results.
 */
import type { Job, Queue } from 'bullmq';

import type { Connection, Store, SyncRun, Workspace } from '../store/index.ts';

import { stageWriteOf, type StageWrite } from '../connections/stage-write.ts';

import { schemaChecksOf, type SchemaCheck } from './connect.ts';

export interface ConnectionView {
  id: string;
  vendor: string;
  accountId: string | null;
  baseUrl: string;
  scopes: string[];
  status: Connection['status'];
  statusMessage: string | null;
  /** Mautic: how stages are written (decided when connected); null for other vendors. */
  stageWrite: StageWrite | null;
  expiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface JobView {
  id: string;
  queue: string;
  name: string;
  state: string;
  workspaceId: string | null;
  progress: unknown;
  attemptsMade: number;
  failedReason: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface WorkspaceView {
  id: string;
  name: string;
  sourceVendor: string;
  crmVendor: string | null;
  source: ConnectionView | null;
  crm: ConnectionView | null;
  model: { ref: string; version: string; applied: boolean };
  scheduleIntervalMinutes: number;
  stages: Record<string, number>;
  runs: SyncRun[];
  schemaChecks: Record<string, SchemaCheck>;
  jobs: JobView[];
  createdAt: string;
}

/** An explicit allow-list: a field added to Connection later never leaks by accident. */
export function connectionView(c: Connection): ConnectionView {
  return {
    id: c.id,
    vendor: c.vendor,
    accountId: c.accountId,
    baseUrl: c.baseUrl,
    scopes: c.scopes,
    status: c.status,
    statusMessage: c.statusMessage,
    stageWrite: stageWriteOf(c.vendor, c.config),
    expiresAt: c.expiresAt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

export async function jobView(job: Job, queue: Queue): Promise<JobView> {
  const data = job.data as { workspaceId?: unknown } | undefined;
  return {
    id: String(job.id),
    queue: queue.name,
    name: job.name,
    state: await job.getState(),
    workspaceId: typeof data?.workspaceId === 'string' ? data.workspaceId : null,
    progress: job.progress,
    attemptsMade: job.attemptsMade,
    failedReason: job.failedReason ?? null,
    createdAt: new Date(job.timestamp).toISOString(),
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}

/** Sync jobs waiting or running for a workspace (the queue holds few: one per workspace at most). */
export async function workspaceJobs(queue: Queue, workspaceId: string): Promise<JobView[]> {
  const jobs = await queue.getJobs(['active', 'waiting', 'prioritized', 'delayed'], 0, 200);
  const mine = jobs.filter(
    (j) => (j.data as { workspaceId?: unknown } | undefined)?.workspaceId === workspaceId,
  );
  return Promise.all(mine.map((j) => jobView(j, queue)));
}

export async function workspaceView(store: Store, syncQueue: Queue, ws: Workspace): Promise<WorkspaceView> {
  const connection = async (id: string | null) => {
    const c = id ? await store.connections.get(id) : null;
    return c ? connectionView(c) : null;
  };
  const [source, crm, stages, runs, jobs] = await Promise.all([
    connection(ws.sourceConnectionId),
    connection(ws.crmConnectionId),
    store.decisions.countByStage(ws.id),
    store.runs.list(ws.id, 5),
    workspaceJobs(syncQueue, ws.id),
  ]);
  return {
    id: ws.id,
    name: ws.name,
    sourceVendor: ws.sourceVendor,
    crmVendor: ws.crmVendor,
    source,
    crm,
    model: {
      ref: ws.model.ref,
      version: ws.model.version,
      applied: ws.qualifiedModelVersion === ws.model.version,
    },
    scheduleIntervalMinutes: ws.scheduleIntervalMinutes,
    stages,
    runs,
    schemaChecks: schemaChecksOf(ws),
    jobs,
    createdAt: ws.createdAt,
  };
}
