/**
 * `leadstage worker` processes killed or stopped mid-sync, against the real PostgreSQL and Redis and
 * the sandboxes over HTTP: the Salesforce sandbox applies the first handoff write, its answer is held,
 * and the worker is stopped right then, the worst moment (Salesforce has the Leads, the store does not
 * know yet).
 */
import type { Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { closeQueues, createQueues, type Queues } from '../../../jobs/worker.ts';
import { redisForTests } from '../../helpers/redis.ts';
import {
  activeJob,
  type ChildWorker,
  createWorkspace,
  handedOffLeads,
  isHandoffWrite,
  jobState,
  killWorker,
  openWorkerTestDb,
  type Sandboxes,
  serveSandboxes,
  spawnWorker,
  waitFor,
  type WorkerTestDb,
} from './helpers.ts';

let db: WorkerTestDb;
let sb: Sandboxes;
let redis: ReturnType<typeof redisForTests>;
let queues: Queues;
const children: ChildWorker[] = [];

beforeEach(async () => {
  db = await openWorkerTestDb();
  sb = await serveSandboxes({ contacts: 150 });
  redis = redisForTests();
  queues = createQueues(redis.connect(), redis.prefix);
});

afterEach(async () => {
  await Promise.all(children.splice(0).map(killWorker));
  await closeQueues(queues);
  await redis.cleanup();
  await sb.close();
  await db.cleanup();
});

function worker(extra: NodeJS.ProcessEnv = {}): ChildWorker {
  const w = spawnWorker({ databaseUrl: db.databaseUrl, prefix: redis.prefix, extra });
  children.push(w);
  return w;
}

/** Starts a worker and waits until its sync job has written the first Leads to Salesforce. */
async function workerHoldingHandoff(extra: NodeJS.ProcessEnv = {}) {
  const ws = await createWorkspace(db.store, sb, { name: 'crash', source: 'mautic', crm: true });
  sb.salesforceGate.arm(isHandoffWrite);
  const first = worker(extra);
  // The new workspace's schedule fires at once: no job is added by hand.
  await Promise.race([
    sb.salesforceGate.applied,
    first.exited.then(() => {
      throw new Error(`worker exited early:\n${first.output()}`);
    }),
  ]);
  const job = await activeJob(queues.sync);
  expect(job?.data).toStrictEqual({ workspaceId: ws.id });
  // The pipeline's progress reaches the job, for the admin pages to show: the handoff is held,
  // and the qualification and write-back that run beside it report too.
  expect(job?.progress).toMatchObject({
    step: expect.stringMatching(/^(qualify|write_back|handoff)$/) as unknown,
    done: expect.any(Number) as unknown,
  });
  expect(handedOffLeads(sb.salesforce, 'mautic').length).toBeGreaterThan(0);
  return { ws, first, jobId: job!.id! };
}

/** Salesforce has every SQL of the source exactly once, and nothing else. */
function expectCompleteHandoffWithoutDuplicates(): void {
  const leads = handedOffLeads(sb.salesforce, 'mautic');
  const externalIds = leads.map((l) => String(l.Leadstage_External_Id__c));
  expect(new Set(externalIds).size).toBe(externalIds.length);
  const sqls = [...sb.mautic.state().contacts.keys()]
    .filter((id) => sb.mautic.contact(id)?.stage?.name === 'Sales Qualified Lead')
    .map((id) => `mautic:${id}`)
    .sort();
  expect(sqls.length).toBeGreaterThan(0);
  // External ids carry the Mautic instance (mautic:<instance>:<id>), one instance for all of them.
  const instances = new Set(externalIds.map((x) => x.split(':')[1]));
  expect(instances.size).toBe(1);
  const [instance] = instances;
  expect([...externalIds].sort()).toStrictEqual(
    sqls.map((x) => x.replace(/^mautic:/, `mautic:${instance}:`)).sort(),
  );
}

async function waitForState(queue: Queue, id: string, wanted: string[]): Promise<string> {
  return waitFor(`job ${id} to be ${wanted.join(' or ')}`, async () => {
    const state = await jobState(queue, id);
    return wanted.includes(state) ? state : undefined;
  });
}

describe('when a worker is killed with SIGKILL in the middle of a sync', () => {
  it('should let another worker pick the stalled job up and end with every contact handed off once', async () => {
    const { ws, first, jobId } = await workerHoldingHandoff();

    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    sb.salesforceGate.open();

    const second = worker();
    expect(await waitForState(queues.sync, jobId, ['completed', 'failed'])).toBe('completed');
    const job = await queues.sync.getJob(jobId);
    // It ran twice: once in the killed worker, once after stall detection handed it on.
    expect(job!.attemptsStarted).toBe(2);
    expect(job!.returnvalue).toMatchObject({ workspaceId: ws.id, recordErrors: 0 });

    expectCompleteHandoffWithoutDuplicates();
    // No contact missed: all of them stored, every handed-off one linked to its Lead.
    expect(await db.store.contacts.count(ws.id)).toBe(sb.mautic.state().contacts.size);
    expect((await db.store.links.list(ws.id)).length).toBe(handedOffLeads(sb.salesforce, 'mautic').length);
    const runs = await db.store.runs.list(ws.id);
    // The killed run is recorded as interrupted by the one that took over.
    expect(runs.map((r) => [r.status, r.error ?? null]).sort()).toStrictEqual([
      ['failed', 'interrupted: the process running it stopped'],
      ['succeeded', null],
    ]);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });
});

describe('when a worker gets SIGTERM with a job in hand', () => {
  it('should finish the job before exiting', async () => {
    const { first, jobId } = await workerHoldingHandoff();

    first.child.kill('SIGTERM');
    await waitFor('the worker to announce its shutdown', () => first.output().includes('stopping'));
    sb.salesforceGate.open();

    expect((await first.exited).code).toBe(0);
    expect(await jobState(queues.sync, jobId)).toBe('completed');
    expect((await queues.sync.getJob(jobId))!.attemptsStarted).toBe(1);
    expectCompleteHandoffWithoutDuplicates();
  });

  it('should hand the job back when it cannot finish in time, for the next worker to complete', async () => {
    const { first, jobId } = await workerHoldingHandoff({ LEADSTAGE_SHUTDOWN_TIMEOUT_MS: '500' });

    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    expect(first.output()).toContain('jobs handed back to the queue at shutdown');
    // Handed back, not failed, and not left to stall detection.
    expect(await jobState(queues.sync, jobId)).toBe('waiting');
    sb.salesforceGate.open();

    worker();
    expect(await waitForState(queues.sync, jobId, ['completed', 'failed'])).toBe('completed');
    expectCompleteHandoffWithoutDuplicates();
  });
});
