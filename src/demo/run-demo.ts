/**
 * The demo: the whole product on one machine with no servers and no credentials. Sandboxes run
 * in-process, a workspace named `demo` syncs a seeded marketing portal into the Salesforce
 * sandbox, sales plays a share of the handed-off leads, a second sync closes the loop, and the
 * funnel is drawn. The store keeps everything, so `leadstage funnel` and `leadstage sync` work next.
 */
import { builtinConnectors } from '../../connectors/builtin.ts';
import { SANDBOX_PRIVATE_APP_TOKEN } from '../../connectors/hubspot/index.ts';
import { SANDBOX_BASIC_AUTH } from '../../connectors/mautic/index.ts';
import { createRegistry } from '../pipeline/registry.ts';
import { SANDBOX_REFRESH_TOKEN } from '../../connectors/salesforce/sandbox/index.ts';
import { SANDBOX_QUEUES, SANDBOX_USERS } from '../../connectors/salesforce/sandbox/assignment.ts';
import { saveHandoffSettings } from '../pipeline/handoff-settings.ts';
import type { Credentials } from '../pipeline/ports.ts';
import { PortInUseError } from '../http/listen.ts';
import { MemoryRateLimiter } from '../http/rate-limiter.ts';
import type { Logger } from '../log.ts';
import type { SyncProgress, SyncSummary } from '../pipeline/index.ts';
import { runSync } from '../pipeline/index.ts';
import { parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';

import { compileModelText, DEFAULT_PRESET, loadModel } from '../qualification/index.ts';
import { loadFunnel } from '../report/load.ts';
import { renderFunnelText } from '../report/render-text.ts';
import { workspaceModel } from '../pipeline/engine.ts';
import { breachMessage } from '../sla/webhook.ts';
import { startSandboxServer, type SandboxServer } from '../sandbox/server.ts';
import type { Store } from '../store/index.ts';

export interface DemoOptions {
  store: Store;
  source: 'hubspot' | 'mautic';
  contacts: number;
  seed: number;
  /** Preferred sandbox port (a free one is taken when it is busy). */
  port: number;
  /** Share of the handed-off leads sales acts on between the two syncs. */
  salesShare: number;
  log: Logger;
  out: (line?: string) => void;
  onProgress?: (p: SyncProgress) => void;
  onPhase?: (phase: string) => void;
}

export interface DemoResult {
  workspace: string;
  first: SyncSummary;
  second: SyncSummary;
  /** HubSpot and Mautic under `/hubspot`, `/mautic`. */
  sandboxUrl: string;
  /** The Salesforce sandbox, at the root of its own port. */
  salesforceUrl: string;
}

export const DEMO_WORKSPACE = 'demo';

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const started = performance.now();
  o.onPhase?.(
    `seeding the ${o.source === 'hubspot' ? 'HubSpot' : 'Mautic'} sandbox with ${o.contacts} contacts`,
  );
  const sandbox = await startSandbox(o);
  try {
    const { workspaceId, handoffLabel } = await createDemoWorkspace(o, sandbox);
    // New Leads go round-robin to three of the sandbox org's reps; each gets a Task saying why; a
    // Lead nobody worked within its SLA goes to the next of two other reps.
    const rotation = [SANDBOX_USERS.ava, SANDBOX_USERS.ben, SANDBOX_USERS.cleo];
    await saveHandoffSettings(
      o.store,
      await o.store.workspaces.require(workspaceId),
      {
        owner: { mode: 'round_robin', users: rotation },
        why: { as: 'task', events: 5 },
        reassign: { mode: 'round_robin', users: REASSIGN_TO },
      },
      'demo',
    );
    const registry = createRegistry(await builtinConnectors());
    const sync = (now?: () => Date) =>
      runSync({
        store: o.store,
        registry,
        limiter: new MemoryRateLimiter(),
        log: o.log,
        workspace: workspaceId,
        // The demo prints breaches; it sends them nowhere.
        slaWebhook: null,
        ...(now ? { now } : {}),
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      });

    o.onPhase?.('first sync: pull, qualify, write back, hand off');
    const first = await sync();
    o.out(
      `First sync: ${first.pulled.contacts} contacts and ${first.pulled.events} events pulled in ${seconds(first.durationMs)}`,
    );
    o.out(`  stage changes  ${list(first.stageChanges)}`);
    o.out(`  written back   ${first.writtenBack} contacts (stage, scores, reason, model version)`);
    o.out(
      `  handed off     ${first.handedOff} contacts at or past ${handoffLabel} (${first.crmCreated} new Salesforce leads)`,
    );
    o.out();
    printHandedOff(o, sandbox);

    o.onPhase?.('sales works the new leads in Salesforce');
    const play = sandbox.salesforce.sales.playSales(o.salesShare, o.seed);
    o.out(
      `Sales worked ${play.acted.length > 0 ? new Set(play.acted.map((a) => a.leadId)).size : 0} of ${play.considered} leads in Salesforce: ${list(play.counts)}`,
    );

    o.onPhase?.('second sync: the closed loop');
    const second = await sync();
    o.out(
      `Second sync: ${second.pulled.salesOutcomes} sales outcomes read back; ${second.pulled.contacts} contacts re-read (leadstage's own write-back changed them at the source), none re-written without a real change`,
    );
    o.out(`  stage changes  ${list(second.stageChanges)}`);
    o.out(
      `  written back   ${second.writtenBack} contacts to ${o.source === 'hubspot' ? 'HubSpot' : 'Mautic'}`,
    );
    o.out();

    o.onPhase?.('a week later: SLAs and accounts');
    const weekLater = new Date(Date.now() + 7 * 86_400_000);
    const third = await sync(() => new Date(weekLater));
    await printSlaAndAccounts(o, workspaceId, third);
    o.out();

    const { report, modelName, format } = await loadFunnel(o.store, workspaceId);
    o.out(renderFunnelText(report, `Funnel of the ${DEMO_WORKSPACE} workspace (${modelName})`, 32, format));
    o.out();

    printApiCalls(o, first, second);
    o.out();
    o.out(`Done in ${seconds(performance.now() - started)}. The data stays in the store; try next:`);
    o.out(`  leadstage funnel --workspace ${DEMO_WORKSPACE} --monthly-leads 500`);
    o.out(`  leadstage workspace show ${DEMO_WORKSPACE}`);
    o.out(
      `  leadstage sandbox --port ${sandbox.port} --salesforce-port ${sandbox.salesforcePort}   # in another terminal, then:`,
    );
    o.out(`  leadstage sync --workspace ${DEMO_WORKSPACE} --dry-run`);
    o.out(`  (a sandbox on other ports: add --sandbox http://127.0.0.1:P, its --port, to the sync)`);
    return {
      workspace: workspaceId,
      first,
      second,
      sandboxUrl: sandbox.url,
      salesforceUrl: sandbox.salesforceUrl,
    };
  } finally {
    await sandbox.close();
  }
}

/** Breached Leads still unworked go to these reps in turn. */
const REASSIGN_TO = [SANDBOX_USERS.dan, SANDBOX_USERS.ava];

/** One SLA breach as the webhook would say it, and the accounts with the highest engagement. */
async function printSlaAndAccounts(o: DemoOptions, workspaceId: string, run: SyncSummary): Promise<void> {
  const ws = await o.store.workspaces.require(workspaceId);
  const model = await workspaceModel(ws);
  const breaches = await o.store.sla.recentBreaches(workspaceId, 1);
  o.out(`A week later (the demo's clock jumps 7 days): ${run.slaBreaches} SLA breaches found`);
  const first = breaches[0];
  if (first) {
    const stage = model.stages.find((s) => s.key === first.stage) ?? { label: first.stage };
    o.out(`  ${breachMessage(first, ws.name, stage, model.businessHours).text}`);
  }
  if (run.slaReassigned) {
    const names = REASSIGN_TO.map((id) => OWNER_NAMES.get(id) ?? id).join(', ');
    o.out(
      `  ${run.slaReassigned} breached records reassigned round-robin over ${names} (never to their owner)`,
    );
  }
  const accounts = (await o.store.accounts.list(workspaceId))
    .sort((a, b) => (b.scores.engagement ?? 0) - (a.scores.engagement ?? 0))
    .slice(0, 3);
  for (const a of accounts) {
    o.out(
      `  account ${a.name ?? a.id} (${a.id.startsWith('company:') ? 'source company' : 'email domain'}): engagement ${a.scores.engagement ?? 0}, best fit ${a.scores.best_fit ?? 0}`,
    );
  }
}

async function startSandbox(o: DemoOptions): Promise<SandboxServer> {
  const options = { contacts: o.contacts, seed: o.seed };
  try {
    const sandbox = await startSandboxServer({ ...options, port: o.port });
    o.out(`Sandboxes listening on ${sandbox.url} (Salesforce on ${sandbox.salesforceUrl})`);
    return sandbox;
  } catch (err) {
    if (!(err instanceof PortInUseError)) throw err;
    // Either port may be the busy one: both move to free ports.
    const sandbox = await startSandboxServer({ ...options, port: 0, salesforcePort: 0 });
    o.out(
      `Port ${err.port} is busy: sandboxes listening on ${sandbox.url} (Salesforce on ${sandbox.salesforceUrl}) instead`,
    );
    return sandbox;
  }
}

/** Replaces any earlier demo workspace (and its connections) with a fresh one on this sandbox. */
async function createDemoWorkspace(
  o: DemoOptions,
  sandbox: SandboxServer,
): Promise<{ workspaceId: string; handoffLabel: string }> {
  const previous = await o.store.workspaces.get(DEMO_WORKSPACE);
  if (previous) {
    await o.store.workspaces.delete(previous.id);
    for (const id of [previous.sourceConnectionId, previous.crmConnectionId]) {
      if (id) await o.store.connections.delete(id);
    }
  }
  return createSandboxWorkspace(o.store, sandbox, {
    name: DEMO_WORKSPACE,
    source: o.source,
    modelRef: `preset:${DEFAULT_PRESET}`,
    withModelText: withSlaAndAccounts,
  });
}

/**
 * The preset, plus what the demo shows of a handoff sales can act on: 24 business hours for sales
 * to work an SQL, and accounts (the summed engagement and best fit of each company's contacts).
 */
export function withSlaAndAccounts(text: string): string {
  const doc = parseDocument(text);
  const stages = doc.get('stages') as YAMLSeq<YAMLMap>;
  const handoff = stages.items.find((s) => s.get('handoff') === true);
  handoff?.set('sla', doc.createNode({ within: '24h', businessHours: true, until: ['working', 'accepted'] }));
  doc.set(
    'accounts',
    doc.createNode({
      dimensions: [
        { key: 'engagement', sum: 'engagement' },
        { key: 'best_fit', max: 'fit' },
      ],
    }),
  );
  return doc.toString();
}

/** A workspace connected to the sandboxes: the source given, Salesforce as the CRM, a model. */
export async function createSandboxWorkspace(
  store: Store,
  sandbox: SandboxServer,
  o: {
    name: string;
    source: 'hubspot' | 'mautic';
    modelRef: string;
    withModelText?: (text: string) => string;
  },
): Promise<{ workspaceId: string; handoffLabel: string }> {
  const source =
    o.source === 'hubspot'
      ? await store.connections.create({
          vendor: 'hubspot',
          baseUrl: `${sandbox.url}/hubspot`,
          accountId: 'sandbox',
          credentials: { kind: 'private_app', token: SANDBOX_PRIVATE_APP_TOKEN },
        })
      : await createMauticConnection(store, sandbox);
  const tokens = sandbox.salesforce.oauth.issueTokens();
  const credentials: Credentials = {
    kind: 'oauth2',
    accessToken: tokens.access_token,
    // A refresh token every sandbox accepts: the workspace outlives this process's sandbox.
    refreshToken: SANDBOX_REFRESH_TOKEN,
    instanceUrl: tokens.instance_url,
  };
  const crm = await store.connections.create({
    vendor: 'salesforce',
    baseUrl: tokens.instance_url,
    accountId: tokens.id.split('/').at(-2) ?? 'sandbox',
    credentials,
  });
  const loaded = await loadModel(o.modelRef);
  const text = o.withModelText ? o.withModelText(loaded.source.text) : loaded.source.text;
  const compiled = o.withModelText ? compileModelText(text, loaded.source.file) : loaded.model;
  const ws = await store.workspaces.create({
    name: o.name,
    sourceVendor: o.source,
    crmVendor: 'salesforce',
    model: { text, ref: loaded.source.ref, version: compiled.version },
  });
  await store.workspaces.setConnection(ws.id, 'source', source.id);
  await store.workspaces.setConnection(ws.id, 'crm', crm.id);
  const handoff = compiled.stages.find((s) => s.key === compiled.handoffStage);
  return { workspaceId: ws.id, handoffLabel: handoff?.label ?? 'the handoff stage' };
}

async function createMauticConnection(store: Store, sandbox: SandboxServer) {
  // Basic auth, as a self-hosted Mautic allows once switched on; survives a sandbox restart.
  sandbox.mautic.settings.basicAuthEnabled = true;
  return store.connections.create({
    vendor: 'mautic',
    baseUrl: `${sandbox.url}/mautic`,
    accountId: 'sandbox',
    credentials: {
      kind: 'basic',
      username: SANDBOX_BASIC_AUTH.username,
      password: SANDBOX_BASIC_AUTH.password,
    },
    // One batch edit carries stage and scores: a first sync of thousands stays quick.
    config: { stageWrite: 'batch' },
  });
}

/** The sandbox org's users and queues by id, to print owners by name. */
const OWNER_NAMES = new Map<string, string>([
  ...Object.entries(SANDBOX_USERS).map(([name, id]): [string, string] => [id, name]),
  ...Object.entries(SANDBOX_QUEUES).map(([name, id]): [string, string] => [id, `${name} queue`]),
]);

function printHandedOff(o: DemoOptions, sandbox: SandboxServer): void {
  const leads = sandbox.salesforce.records('Lead').filter((l) => l.Leadstage_External_Id__c);
  o.out(`In Salesforce now: ${leads.length} leads handed off by leadstage, for example:`);
  for (const l of leads.slice(0, 5)) {
    o.out(
      `  ${String(l.FirstName ?? '')} ${String(l.LastName ?? '')}, ${String(l.Title ?? '')} at ${String(l.Company ?? '')}`,
    );
    o.out(
      `    stage ${String(l.Leadstage_Stage__c ?? '?')}, score ${String(l.Leadstage_Score__c ?? '?')}: ${String(l.Leadstage_Reason__c ?? '')}`,
    );
    const owner = String(l.OwnerId ?? '');
    o.out(`    owner ${OWNER_NAMES.get(owner) ?? owner} (${owner}), assigned round-robin on creation`);
  }
  const first = leads[0];
  const task = first && sandbox.salesforce.records('Task').find((k) => k.WhoId === first.Id);
  if (task) {
    o.out();
    o.out(`The Task on ${String(first.FirstName ?? '')} ${String(first.LastName ?? '')}'s Lead, saying why:`);
    o.out(`  ${String(task.Subject)}`);
    for (const line of String(task.Description ?? '').split('\n')) o.out(`    ${line}`);
  }
  o.out();
}

function printApiCalls(o: DemoOptions, first: SyncSummary, second: SyncSummary): void {
  o.out('API calls (used / the minimum page and batch sizes allow):');
  for (const [label, s] of [
    ['first sync ', first],
    ['second sync', second],
  ] as const) {
    const used = Object.entries(s.apiCalls)
      .map(([vendor, n]) => `${vendor} ${n} / ${s.minimumApiCalls[vendor] ?? '?'}`)
      .join(', ');
    o.out(`  ${label}  ${used || 'none'}`);
  }
  // What the vendors say is left today, as the sync summary and /metrics report it.
  const left = Object.entries(second.apiBudget).map(
    ([vendor, b]) => `${vendor} ${b.remaining.toLocaleString('en-US')} of ${b.limit.toLocaleString('en-US')}`,
  );
  if (left.length) o.out(`  left today   ${left.join(', ')}`);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function list(r: Record<string, number>): string {
  return (
    Object.entries(r)
      .filter(([, n]) => n > 0)
      .sort(([, a], [, b]) => b - a)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none'
  );
}
