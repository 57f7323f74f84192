/**
 * `npm run bench:web`: how fast the real `leadstage serve` answers vendor webhooks under load, and
 * whether every delivery was enqueued exactly once. The server is a child process on the real
 * PostgreSQL (its own schema) and Redis (its own prefix); autocannon sends signed HubSpot and
 * Mautic deliveries alternately at BENCH_WEB_RATE requests/s (default 200) for BENCH_WEB_SECONDS
 * (default 30), each naming a contact of its own, every tenth an exact replay of an earlier one.
 * After a warm-up of a few seconds at the same rate, the measured run prints p50/p99/max; then the
 * re-qualification jobs in the queue are counted against the deliveries answered.
 *
 * BENCH_WEB_PROFILE=<folder> writes the server's CPU profile there (open it in Chrome DevTools).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

import autocannon, { type Request, type Result } from 'autocannon';

import { signHubspotWebhookV3 } from '../../connectors/hubspot/index.ts';
import { signMauticWebhook } from '../../connectors/mautic/index.ts';
import { createQueues } from '../../jobs/worker.ts';
import { loadEngine } from '../../src/pipeline/engine.ts';
import { openTestStore, TEST_ENCRYPTION_KEY } from '../helpers/db.ts';
import { redisForTests, TEST_REDIS_URL } from '../helpers/redis.ts';

const RATE = Number(process.env.BENCH_WEB_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_WEB_SECONDS ?? 30);
const WARMUP_SECONDS = 5;
/** HubSpot delivers with up to 10 concurrent requests per app; twice that leaves room for Mautic. */
const CONNECTIONS = 20;
const REPLAY_EVERY = 10;
const PORTAL = '4242';
const HUBSPOT_SECRET = randomBytes(16).toString('hex');
const MAUTIC_SECRET = randomBytes(16).toString('hex');
const PROFILE_DIR = process.env.BENCH_WEB_PROFILE;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const db = await openTestStore('postgres');
const redis = redisForTests();
const queues = createQueues(redis.connect(), redis.prefix);
const engine = await loadEngine();
const preset = await engine.loadModelSource(`preset:${engine.DEFAULT_PRESET}`);
const model = {
  text: preset.text,
  ref: preset.ref,
  version: engine.compileModelText(preset.text, preset.file).version,
};
const sources: Record<'hubspot' | 'mautic', string> = { hubspot: '', mautic: '' };
for (const [vendor, accountId] of [
  ['hubspot', PORTAL],
  ['mautic', 'mautic.example.com'],
] as const) {
  const ws = await db.store.workspaces.create({
    name: `bench-${vendor}`,
    sourceVendor: vendor,
    crmVendor: null,
    model,
  });
  const c = await db.store.connections.create({
    vendor,
    accountId,
    baseUrl: `https://${vendor}.example.com`,
    credentials: { kind: 'oauth2', accessToken: 'unused' },
  });
  await db.store.workspaces.setConnection(ws.id, 'source', c.id);
  sources[vendor] = c.id;
}

const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const bin = fileURLToPath(new URL('../../bin/leadstage.js', import.meta.url));
const child = spawn(
  process.execPath,
  [
    ...(PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : []),
    bin,
    'serve',
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
  ],
  {
    env: {
      ...process.env,
      DATABASE_URL: db.databaseUrl,
      REDIS_URL: TEST_REDIS_URL,
      LEADSTAGE_QUEUE_PREFIX: redis.prefix,
      LEADSTAGE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      LEADSTAGE_LOG_LEVEL: 'warn',
      ADMIN_TOKEN: randomBytes(32).toString('base64'),
      PUBLIC_URL: url,
      HUBSPOT_CLIENT_ID: 'bench',
      HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET,
      MAUTIC_WEBHOOK_SECRET: MAUTIC_SECRET,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));

/** CPU seconds (user + system) the process has used, from /proc (Linux); undefined elsewhere. */
async function cpuSeconds(pid: number): Promise<number | undefined> {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    // utime and stime, fields 14 and 15 of stat(5), in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

async function untilListening(): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 60_000;) {
    try {
      await fetch(`${url}/healthz`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error('leadstage serve did not listen within 60 s');
}

/** The i-th delivery: HubSpot for even i, Mautic for odd, each naming contact i. */
function delivery(i: number): Request {
  if (i % 2 === 0) {
    const timestamp = Date.now();
    const body = JSON.stringify([
      {
        eventId: i,
        subscriptionType: 'contact.propertyChange',
        objectId: i,
        portalId: Number(PORTAL),
        occurredAt: timestamp,
      },
    ]);
    const signature = signHubspotWebhookV3(
      HUBSPOT_SECRET,
      'POST',
      `${url}/webhooks/hubspot`,
      body,
      timestamp,
    );
    return {
      method: 'POST',
      path: '/webhooks/hubspot',
      headers: {
        'content-type': 'application/json',
        'x-hubspot-request-timestamp': String(timestamp),
        'x-hubspot-signature-v3': signature,
      },
      body,
    };
  }
  const body = JSON.stringify({
    'mautic.lead_post_save_update': [{ contact: { id: i }, timestamp: new Date().toISOString() }],
  });
  return {
    method: 'POST',
    path: `/webhooks/mautic/${sources.mautic}`,
    headers: {
      'content-type': 'application/json',
      'webhook-signature': signMauticWebhook(body, MAUTIC_SECRET),
    },
    body,
  };
}

const tally = { unique: 0, replays: 0, accepted: 0, duplicates: 0, other: new Map<number, number>() };
let next = 0;
const sent = new Map<number, Request>();

async function load(seconds: number): Promise<Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    overallRate: RATE,
    timeout: 10,
    requests: [
      {
        setupRequest: () => {
          const i = next++;
          const earlier = sent.get(i - 5);
          if (i % REPLAY_EVERY === REPLAY_EVERY - 1 && earlier) {
            tally.replays++;
            return earlier;
          }
          const fresh = delivery(i);
          sent.set(i, fresh);
          sent.delete(i - 50);
          tally.unique++;
          return fresh;
        },
        onResponse: (status, body) => {
          if (status !== 200) tally.other.set(status, (tally.other.get(status) ?? 0) + 1);
          else if (body.includes('"duplicate":true')) tally.duplicates++;
          else tally.accepted++;
        },
      },
    ],
  });
}

try {
  await untilListening();
  await load(WARMUP_SECONDS);
  const cpuBefore = await cpuSeconds(child.pid!);
  const result = await load(SECONDS);
  const cpuAfter = await cpuSeconds(child.pid!);
  // Answers may go out before a slow enqueue finishes (the answer budget): give those time to land.
  await new Promise((r) => setTimeout(r, 2000));
  const counts = await queues.requalify.getJobCounts('delayed', 'waiting', 'prioritized');
  const enqueued = (counts.delayed ?? 0) + (counts.waiting ?? 0) + (counts.prioritized ?? 0);
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  console.log(
    `webhook answers at ${RATE} requests/s for ${SECONDS} s (after ${WARMUP_SECONDS} s warm-up), ${CONNECTIONS} connections, HubSpot and Mautic alternating, every ${REPLAY_EVERY}th a replay`,
  );
  console.log(
    `latency: p50 ${ms(result.latency.p50)}, p90 ${ms(result.latency.p90)}, p99 ${ms(result.latency.p99)}, max ${ms(result.latency.max)} over ${result.requests.total} requests, ${(result.requests.total / SECONDS).toFixed(0)} a second achieved (${result.non2xx} not 2xx, ${result.errors} errors, ${result.timeouts} timeouts)`,
  );
  if (cpuBefore !== undefined && cpuAfter !== undefined) {
    console.log(
      `server CPU: ${(((cpuAfter - cpuBefore) * 1000) / result.requests.total).toFixed(2)} ms a request (${(cpuAfter - cpuBefore).toFixed(1)} s over the run; machine load average ${(await readFile('/proc/loadavg', 'utf8')).split(' ')[0]})`,
    );
  }
  const other = [...tally.other].map(([s, n]) => `${n}×${s}`).join(', ');
  console.log(
    `deliveries: ${tally.unique} sent, ${tally.accepted} answered accepted, ${enqueued} enqueued${enqueued === tally.unique ? ' (each exactly once)' : ` — ${tally.unique - enqueued} MISSING`}; replays: ${tally.replays} sent, ${tally.duplicates} answered as duplicates (not enqueued)${other ? `; other answers: ${other}` : ''}`,
  );
} finally {
  child.kill('SIGTERM');
  await exited;
  await Promise.allSettled(Object.values(queues).map((q) => q.close()));
  await redis.cleanup();
  await db.cleanup();
}
