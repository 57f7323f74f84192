/**
 * Sync health of one workspace, shared by the console page, `GET /api/workspaces/:id/sync-health`
 * and `leadstage health`: recorded runs as rows (paged), sync jobs waiting, running or failed with
 * their error (a job that fails before its run is recorded leaves its error on the queue only), the
 * next scheduled run, the workers' heartbeats, each vendor's API budget and the record errors.
 */
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';

import { type Heartbeat, readHeartbeats } from '../../jobs/heartbeat.ts';
import { schedulerId } from '../../jobs/schedulers.ts';
import { type StreamCalls, streamCalls } from '../pipeline/api-calls.ts';
import { causesOf, listRecordErrors, type QuarantineCause } from '../pipeline/quarantine.ts';
import type { Store, SyncRun, Workspace } from '../store/index.ts';

import { type JobView, jobView } from './views.ts';

export interface RunRow {
  id: string;
  kind: string;
  full: boolean;
  status: SyncRun['status'];
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  pulledContacts: number | null;
  pulledEvents: number | null;
  qualified: number | null;
  stageChanges: Record<string, number>;
  writtenBack: number | null;
  handedOff: number | null;
  errors: number | null;
  quarantined: number | null;
  apiCalls: Record<string, number>;
  /** The fewest calls the run's work allowed, per vendor (runs recorded before this was kept: empty). */
  minimumApiCalls: Record<string, number>;
  /** Per vendor, its calls per stream beside each stream's minimum (older runs: empty). */
  apiCallsByStream: Record<string, StreamCalls[]>;
  warnings: string[];
  error: string | null;
}

export interface SyncJobRow extends JobView {
  /** A delayed job (a retry after backoff): when it runs. */
  runsAt: string | null;
}

export interface SyncHealth {
  workspace: { id: string; name: string };
  runs: RunRow[];
  runsTotal: number;
  offset: number;
  limit: number;
  /** Waiting, running and retry-delayed sync jobs (the schedule's next run is `nextRunAt`). */
  jobs: SyncJobRow[];
  /** Sync jobs that failed for good, newest first, with the error. */
  failedJobs: SyncJobRow[];
  schedule: { everyMinutes: number; nextRunAt: string | null };
  workers: Heartbeat[];
  /** Each vendor's last reported daily allowance, from the latest run that carried one. */
  apiBudget: Record<string, { remaining: number; limit: number; reportedAt: string }>;
  recordErrors: QuarantineCause[];
}

export interface SyncHealthDeps {
  store: Store;
  syncQueue: Queue;
  redis: Redis;
  queuePrefix: string;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const numbers = (v: unknown): Record<string, number> =>
  v && typeof v === 'object'
    ? Object.fromEntries(Object.entries(v).filter((e): e is [string, number] => typeof e[1] === 'number'))
    : {};

/** Each vendor's streams, for runs that recorded their calls per stream. */
function callsByStream(v: unknown, minimum: Record<string, number>): Record<string, StreamCalls[]> {
  if (!v || typeof v !== 'object') return {};
  const made = Object.fromEntries(Object.entries(v).map(([vendor, streams]) => [vendor, numbers(streams)]));
  return Object.fromEntries(Object.keys(made).map((vendor) => [vendor, streamCalls(made, minimum, vendor)]));
}

/** A recorded run's counts, read defensively: older runs recorded fewer of them. */
export function runRow(r: SyncRun): RunRow {
  const c = r.counts;
  const pulled = (c.pulled ?? {}) as Record<string, unknown>;
  return {
    id: r.id,
    kind: r.kind,
    full: r.full,
    status: r.status,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.finishedAt ? Date.parse(r.finishedAt) - Date.parse(r.startedAt) : null,
    pulledContacts: num(pulled.contacts),
    pulledEvents: num(pulled.events),
    qualified: num(c.qualified),
    stageChanges: numbers(c.stageChanges),
    writtenBack: num(c.writtenBack),
    handedOff: num(c.handedOff),
    errors: num(c.errors),
    quarantined: num(c.quarantined),
    apiCalls: r.apiCalls,
    minimumApiCalls: numbers(c.minimumApiCalls),
    apiCallsByStream: callsByStream(c.apiCallsByStream, numbers(c.minimumApiCallsByStream)),
    warnings: Array.isArray(c.warnings) ? c.warnings.filter((w): w is string => typeof w === 'string') : [],
    error: r.error,
  };
}

async function syncJobRow(job: Job, queue: Queue): Promise<SyncJobRow> {
  const view = await jobView(job, queue);
  const runsAt = view.state === 'delayed' ? new Date(job.timestamp + (job.delay ?? 0)).toISOString() : null;
  return { ...view, runsAt };
}

const ofWorkspace = (id: string) => (j: Job | undefined) =>
  !!j && (j.data as { workspaceId?: unknown } | undefined)?.workspaceId === id;

export async function syncHealth(
  deps: SyncHealthDeps,
  ws: Workspace,
  page: { offset?: number; limit?: number } = {},
): Promise<SyncHealth> {
  const offset = Math.max(0, page.offset ?? 0);
  const limit = Math.min(100, Math.max(1, page.limit ?? 10));
  const q = deps.syncQueue;
  const [runs, runsTotal, pending, failed, scheduler, workers, errors, latest] = await Promise.all([
    deps.store.runs.list(ws.id, limit, offset),
    deps.store.runs.count(ws.id),
    q.getJobs(['active', 'waiting', 'prioritized', 'delayed'], 0, 500),
    q.getJobs(['failed'], 0, 200),
    q.getJobScheduler(schedulerId(ws.id)),
    readHeartbeats(deps.redis, deps.queuePrefix),
    listRecordErrors(deps.store, ws),
    deps.store.runs.list(ws.id, 20),
  ]);
  const mine = ofWorkspace(ws.id);
  // The schedule's upcoming iteration sits on the queue as a delayed job: it is the next run, not a fault.
  const jobs = pending.filter((j) => mine(j) && !(j.repeatJobKey && j.delay > 0));
  const apiBudget: SyncHealth['apiBudget'] = {};
  for (const run of latest) {
    const budget = (run.counts.apiBudget ?? {}) as Record<string, { remaining?: unknown; limit?: unknown }>;
    for (const [vendor, b] of Object.entries(budget)) {
      const remaining = num(b?.remaining);
      const max = num(b?.limit);
      if (apiBudget[vendor] || remaining === null || max === null) continue;
      apiBudget[vendor] = { remaining, limit: max, reportedAt: run.finishedAt ?? run.startedAt };
    }
  }
  return {
    workspace: { id: ws.id, name: ws.name },
    runs: runs.map(runRow),
    runsTotal,
    offset,
    limit,
    jobs: await Promise.all(jobs.map((j) => syncJobRow(j, q))),
    failedJobs: await Promise.all(
      failed
        .filter(mine)
        .sort((a, b) => (b.finishedOn ?? 0) - (a.finishedOn ?? 0))
        .slice(0, 10)
        .map((j) => syncJobRow(j, q)),
    ),
    schedule: {
      everyMinutes: ws.scheduleIntervalMinutes,
      nextRunAt: scheduler?.next ? new Date(scheduler.next).toISOString() : null,
    },
    workers,
    apiBudget,
    recordErrors: causesOf(errors),
  };
}
