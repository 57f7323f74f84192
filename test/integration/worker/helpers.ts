/**
 * What the worker tests share: a PostgreSQL schema reachable from a child process through
 * DATABASE_URL, the vendor sandboxes over HTTP in the test process (with a gate that can hold one
 * Salesforce write's answer), workspaces wired to them, in-process worker services and
 * `node src/cli.ts worker` child processes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

import type { Job, Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import { Redis } from 'ioredis';

import { registerBuiltinConnectors } from '../../../connectors/builtin.ts';
import { createHubspotSandbox, type HubspotSandbox } from '../../../connectors/hubspot/sandbox/index.ts';
import { PORTAL_ID } from '../../../connectors/hubspot/sandbox/portal.ts';
import { createMauticSandbox, type MauticSandbox } from '../../../connectors/mautic/sandbox/index.ts';
import { createRegistry } from '../../../src/pipeline/registry.ts';
import type { SalesforceSandbox } from '../../../connectors/salesforce/sandbox/index.ts';
import type { WorkerSettings } from '../../../jobs/service.ts';
import { startWorkerService, type WorkerService } from '../../../jobs/service.ts';
import { silentLogger } from '../../../src/log.ts';
import { listenApp, listenSalesforceSandbox } from '../../../src/sandbox/listener.ts';
import { DEFAULT_PRESET, loadModel } from '../../../src/qualification/index.ts';
import type { Store, Workspace } from '../../../src/store/index.ts';
import { openTestStore, TEST_ENCRYPTION_KEY } from '../../helpers/db.ts';
import { TEST_REDIS_URL } from '../../helpers/redis.ts';

const CLI = fileURLToPath(new URL('../../../src/cli.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls until `check` returns a value other than undefined/false; fails with `what` after `timeoutMs`.
 * A check that throws counts as "not yet" (Redis may be reconnecting), and its last error is reported.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out waiting for ${what}${why}`);
    }
    await sleep(100);
  }
}

// ---- database -----------------------------------------------------------------------------------

export interface WorkerTestDb {
  store: Store;
  /** DATABASE_URL for a child process: the same database, the same schema. */
  databaseUrl: string;
  openAnother(): Promise<Store>;
  cleanup(): Promise<void>;
}

/** The shared test store on PostgreSQL, with the URL a child worker process needs. */
export async function openWorkerTestDb(): Promise<WorkerTestDb> {
  const t = await openTestStore('postgres');
  return { ...t, databaseUrl: t.databaseUrl! };
}

// ---- sandboxes ----------------------------------------------------------------------------------

/** Holds the answer to the next matching request after the sandbox has applied it. */
export class ResponseGate {
  private matcher: ((req: Request) => boolean) | null = null;
  private release: (() => void) | null = null;
  private releasedPromise: Promise<void> = Promise.resolve();
  private appliedResolve: (() => void) | null = null;
  /** Resolves once a matching request has been applied and its answer is held. */
  applied: Promise<void> = Promise.resolve();

  arm(matcher: (req: Request) => boolean): void {
    this.matcher = matcher;
    this.releasedPromise = new Promise<void>((resolve) => (this.release = resolve));
    this.applied = new Promise<void>((resolve) => (this.appliedResolve = resolve));
  }

  open(): void {
    this.matcher = null;
    this.release?.();
  }

  middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (!this.matcher?.(req)) return next();
    this.matcher = null;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    const released = this.releasedPromise;
    const applied = this.appliedResolve;
    // Overridden to delay the answer, not the write: the sandbox has done the work when end is called.
    res.end = ((...args: unknown[]) => {
      applied?.();
      void released.then(() => end(...args));
      return res;
    }) as Response['end'];
    next();
  };
}

export interface Sandboxes {
  url: string;
  hubspot: HubspotSandbox;
  salesforce: SalesforceSandbox;
  mautic: MauticSandbox;
  /** In front of the Salesforce sandbox. */
  salesforceGate: ResponseGate;
  /** Every 429 any sandbox answered: when and to what, for failure messages. */
  limited: string[];
  close(): Promise<void>;
}

export async function serveSandboxes(options: {
  contacts: number;
  seed?: number;
  hubspotLimits?: Parameters<typeof createHubspotSandbox>[0]['limits'];
}): Promise<Sandboxes> {
  const shared = await listenApp(0);
  const { url, app } = shared;
  const common = { seed: options.seed ?? 42, contacts: options.contacts };
  const hubspot = createHubspotSandbox({
    ...common,
    publicUrl: `${url}/hubspot`,
    ...(options.hubspotLimits ? { limits: options.hubspotLimits } : {}),
  });
  const mautic = createMauticSandbox({ ...common, publicUrl: `${url}/mautic` });
  const salesforceGate = new ResponseGate();
  const limited: string[] = [];
  const noteLimited = (req: Request, res: Response, next: NextFunction) => {
    res.on('finish', () => {
      if (res.statusCode === 429) {
        limited.push(`${new Date().toISOString()} ${req.method} ${req.originalUrl}`);
      }
    });
    next();
  };
  // Salesforce at the root of its own port, as an instance is; the gate sits in front of it.
  const sf = await listenSalesforceSandbox({
    ...common,
    contacts: 0,
    port: 0,
    before: [salesforceGate.middleware, noteLimited],
  });
  app.use(noteLimited);
  app.use('/hubspot', hubspot.router);
  app.use('/mautic', mautic.router);
  return {
    url,
    hubspot,
    salesforce: sf.sandbox,
    mautic,
    salesforceGate,
    limited,
    async close() {
      salesforceGate.open();
      await Promise.all([shared.close(), sf.close()]);
    },
  };
}

/** A write of Leads to Salesforce: Collections upsert or a Bulk ingest upload. */
export const isHandoffWrite = (req: Request) =>
  req.method !== 'GET' && /\/composite\/sobjects|\/jobs\/ingest/.test(req.originalUrl);

export const handedOffLeads = (sf: SalesforceSandbox, vendor: string) =>
  sf.records('Lead').filter((r) => String(r.Leadstage_External_Id__c ?? '').startsWith(`${vendor}:`));

// ---- workspaces ---------------------------------------------------------------------------------

const hour = () => new Date(Date.now() + 3_600_000).toISOString();

export async function mauticConnection(store: Store, sb: Sandboxes, refreshedAt = new Date()) {
  const m = sb.mautic.issueTokens();
  return store.connections.create({
    vendor: 'mautic',
    baseUrl: `${sb.url}/mautic`,
    // The sandbox is local: no need to pace calls like a real Mautic host.
    config: { rateLimit: { max: 1000, windowMs: 1000 } },
    credentials: {
      kind: 'oauth2',
      accessToken: m.accessToken,
      refreshToken: m.refreshToken,
      expiresAt: hour(),
      refreshedAt: refreshedAt.toISOString(),
    },
  });
}

export async function hubspotConnection(store: Store, sb: Sandboxes) {
  const h = sb.hubspot.issueTokens();
  return store.connections.create({
    vendor: 'hubspot',
    baseUrl: `${sb.url}/hubspot`,
    // One portal: every connection to it shares the portal's rate limit.
    accountId: String(PORTAL_ID),
    credentials: {
      kind: 'oauth2',
      accessToken: h.accessToken,
      refreshToken: h.refreshToken,
      expiresAt: hour(),
    },
  });
}

export async function salesforceConnection(store: Store, sb: Sandboxes) {
  const sf = sb.salesforce.oauth.issueTokens();
  return store.connections.create({
    vendor: 'salesforce',
    baseUrl: sf.instance_url,
    credentials: {
      kind: 'oauth2',
      accessToken: sf.access_token,
      ...(sf.refresh_token ? { refreshToken: sf.refresh_token } : {}),
      instanceUrl: sf.instance_url,
    },
  });
}

/** A workspace on the default preset, its source connected to the sandbox, optionally Salesforce too. */
export async function createWorkspace(
  store: Store,
  sb: Sandboxes | null,
  options: {
    name: string;
    source: 'hubspot' | 'mautic';
    crm?: boolean;
    scheduleIntervalMinutes?: number;
  },
): Promise<Workspace> {
  const { source: text, model } = await loadModel(`preset:${DEFAULT_PRESET}`);
  const ws = await store.workspaces.create({
    name: options.name,
    sourceVendor: options.source,
    crmVendor: options.crm ? 'salesforce' : null,
    model: { text: text.text, ref: text.ref, version: model.version },
    ...(options.scheduleIntervalMinutes ? { scheduleIntervalMinutes: options.scheduleIntervalMinutes } : {}),
  });
  if (!sb) return ws;
  const src =
    options.source === 'mautic' ? await mauticConnection(store, sb) : await hubspotConnection(store, sb);
  await store.workspaces.setConnection(ws.id, 'source', src.id);
  if (options.crm) {
    await store.workspaces.setConnection(ws.id, 'crm', (await salesforceConnection(store, sb)).id);
  }
  return store.workspaces.require(ws.id);
}

// ---- a private Redis (the shared one is not ours to restart or reconfigure) ----

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startRedis(port: number, extraArgs: string[] = []): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: 'ignore' },
  );
  const pass = extraArgs.indexOf('--requirepass');
  await waitFor('redis-server to accept connections', async () => {
    const probe = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      retryStrategy: () => null,
      ...(pass >= 0 ? { password: extraArgs[pass + 1] } : {}),
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  });
  return child;
}

export async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

// ---- workers ------------------------------------------------------------------------------------

export function testSettings(prefix: string, overrides: Partial<WorkerSettings> = {}): WorkerSettings {
  return {
    LEADSTAGE_QUEUE_PREFIX: prefix,
    LEADSTAGE_WORKER_CONCURRENCY: 1,
    LEADSTAGE_JOB_LOCK_MS: 2_000,
    LEADSTAGE_SHUTDOWN_TIMEOUT_MS: 5_000,
    LEADSTAGE_SCHEDULE_RECONCILE_MS: 300,
    LEADSTAGE_HEARTBEAT_MS: 300,
    ...overrides,
  };
}

/** A worker process's service, in this process: own store connection pool and own registry. */
export async function startInProcessWorker(
  redis: Redis,
  store: Store,
  settings: WorkerSettings,
): Promise<WorkerService> {
  const registry = await registerBuiltinConnectors(createRegistry());
  const service = startWorkerService({ redis, store, registry, log: silentLogger, settings });
  await service.ready;
  return service;
}

export interface ChildWorker {
  child: ChildProcess;
  /** Everything the worker logged so far (stderr). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node src/cli.ts worker` as an admin would run it, against the test database and Redis prefix. */
export function spawnWorker(env: {
  databaseUrl: string;
  prefix: string;
  extra?: NodeJS.ProcessEnv;
}): ChildWorker {
  const child = spawn(process.execPath, [CLI, 'worker'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: TEST_REDIS_URL,
      LEADSTAGE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      LEADSTAGE_QUEUE_PREFIX: env.prefix,
      LEADSTAGE_LOG_LEVEL: 'info',
      LEADSTAGE_JOB_LOCK_MS: '2000',
      LEADSTAGE_SCHEDULE_RECONCILE_MS: '500',
      LEADSTAGE_HEARTBEAT_MS: '500',
      ...env.extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}

/** Stops a child this test started, whatever state it is in. */
export async function killWorker(w: ChildWorker): Promise<void> {
  if (w.child.exitCode === null && w.child.signalCode === null) {
    w.child.kill('SIGKILL');
    await w.exited;
  }
}

export async function activeJob(queue: Queue): Promise<Job | undefined> {
  const [job] = await queue.getJobs(['active'], 0, 0);
  return job;
}

export async function jobState(queue: Queue, id: string): Promise<string> {
  const job = await queue.getJob(id);
  return job ? job.getState() : 'missing';
}
