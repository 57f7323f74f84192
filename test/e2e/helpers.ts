/**
 * A workspace wired to the sandboxes over real HTTP: HubSpot (OAuth tokens, so refresh is real)
 * as the source, Salesforce as the CRM, the default preset, the real pipeline and store.
 */
import { builtinConnectors } from '../../connectors/builtin.ts';
import { createRegistry, type ConnectorRegistry } from '../../src/pipeline/registry.ts';
import type { ConnectorDefinition, CrmConnector, CrmConnectorDefinition } from '../../src/pipeline/ports.ts';
import type { HandoffRecord } from '../../src/model.ts';
import { MemoryRateLimiter } from '../../src/http/rate-limiter.ts';
import { silentLogger } from '../../src/log.ts';
import { runSync, type SyncSummary } from '../../src/pipeline/index.ts';
import type { RunSyncOptions } from '../../src/pipeline/types.ts';
import { compileModelText, DEFAULT_PRESET, loadModel } from '../../src/qualification/index.ts';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/server.ts';
import type { Store } from '../../src/store/index.ts';

export interface E2eWorld {
  sandbox: SandboxServer;
  workspaceId: string;
  registry: ConnectorRegistry;
  sync(extra?: Partial<RunSyncOptions>): Promise<SyncSummary>;
}

/** Tokens the sandboxes issued, as a child process running them can hand them over. */
export interface SandboxTokens {
  hubspot: ReturnType<SandboxServer['hubspot']['issueTokens']>;
  mautic: ReturnType<SandboxServer['mautic']['issueTokens']>;
  salesforce: ReturnType<SandboxServer['salesforce']['oauth']['issueTokens']>;
}

export function issueSandboxTokens(sandbox: SandboxServer): SandboxTokens {
  return {
    hubspot: sandbox.hubspot.issueTokens(),
    mautic: sandbox.mautic.issueTokens(),
    salesforce: sandbox.salesforce.oauth.issueTokens(),
  };
}

/** An OAuth2 source connection to the sandbox at `url` with tokens it issued, expiring by `now`. */
function sourceConnection(
  store: Store,
  url: string,
  vendor: 'hubspot' | 'mautic',
  accountId: string,
  issued: { accessToken: string; refreshToken: string; expiresIn: number },
  now: () => number,
) {
  return store.connections.create({
    vendor,
    baseUrl: `${url}/${vendor}`,
    accountId,
    credentials: {
      kind: 'oauth2',
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      expiresAt: new Date(now() + issued.expiresIn * 1000).toISOString(),
    },
  });
}

/**
 * A workspace on the default preset with HubSpot (or Mautic) as its source and Salesforce as its CRM,
 * all at `url`.
 */
export async function createSandboxWorkspace(
  store: Store,
  url: string,
  tokens: SandboxTokens,
  now: () => number = Date.now,
  o: {
    vendor?: 'hubspot' | 'mautic';
    /** The account the source connection says it is (two HubSpot ones are two portals on one org). */
    accountId?: string;
  } = {},
): Promise<string> {
  const vendor = o.vendor ?? 'hubspot';
  const accountId = o.accountId ?? (vendor === 'hubspot' ? 'sandbox' : 'mautic.sandbox.example');
  const source = await sourceConnection(store, url, vendor, accountId, tokens[vendor], now);
  const ws = await workspaceOnDefaultPreset(store, {
    name: `e2e-${Math.random().toString(36).slice(2, 8)}`,
    sourceVendor: vendor,
    sourceConnectionId: source.id,
    crmConnectionId: (await salesforceConnection(store, tokens.salesforce)).id,
  });
  return ws.id;
}

/** A connection to the Salesforce sandbox's org with the tokens it issued. */
export function salesforceConnection(store: Store, sf: SandboxTokens['salesforce']) {
  return store.connections.create({
    vendor: 'salesforce',
    baseUrl: sf.instance_url,
    accountId: 'org',
    credentials: {
      kind: 'oauth2',
      accessToken: sf.access_token,
      refreshToken: sf.refresh_token!,
      instanceUrl: sf.instance_url,
    },
  });
}

/**
 * A workspace on `modelText` syncing the sandbox's HubSpot (or Mautic) into its Salesforce org over
 * OAuth tokens the sandbox issued (expiring by `now`); `crmConfig` is the Salesforce connection's
 * config (e.g. `{ handoffObject: 'Contact' }`).
 */
export async function modelWorkspace(
  store: Store,
  sandbox: SandboxServer,
  o: {
    modelText: string;
    ref: string;
    namePrefix: string;
    vendor?: 'hubspot' | 'mautic';
    now?: () => number;
    crmConfig?: Record<string, unknown>;
  },
) {
  const vendor = o.vendor ?? 'hubspot';
  const tokens = issueSandboxTokens(sandbox);
  const issued = vendor === 'hubspot' ? tokens.hubspot : sandbox.mautic.issueTokens();
  const accountId = vendor === 'hubspot' ? 'sandbox' : 'mautic.acme.example';
  const source = await sourceConnection(store, sandbox.url, vendor, accountId, issued, o.now ?? Date.now);
  const crm = await salesforceConnection(store, tokens.salesforce);
  if (o.crmConfig) await store.connections.update(crm.id, { config: o.crmConfig });
  const model = compileModelText(o.modelText, o.ref);
  return wireWorkspace(store, {
    name: `${o.namePrefix}-${Math.random().toString(36).slice(2, 8)}`,
    sourceVendor: vendor,
    model: { text: o.modelText, ref: o.ref, version: model.version },
    sourceConnectionId: source.id,
    crmConnectionId: crm.id,
  });
}

/** A workspace on the default preset handing off to Salesforce, wired to the given connections. */
export async function workspaceOnDefaultPreset(
  store: Store,
  w: { name: string; sourceVendor: string; sourceConnectionId: string; crmConnectionId: string },
) {
  const { source: text, model } = await loadModel(`preset:${DEFAULT_PRESET}`);
  return wireWorkspace(store, { ...w, model: { text: text.text, ref: text.ref, version: model.version } });
}

/** A workspace on `w.model` handing off to Salesforce, wired to the given connections. */
async function wireWorkspace(
  store: Store,
  w: {
    name: string;
    sourceVendor: string;
    model: { text: string; ref: string; version: string };
    sourceConnectionId: string;
    crmConnectionId: string;
  },
) {
  const ws = await store.workspaces.create({
    name: w.name,
    sourceVendor: w.sourceVendor,
    crmVendor: 'salesforce',
    model: w.model,
  });
  await store.workspaces.setConnection(ws.id, 'source', w.sourceConnectionId);
  return store.workspaces.setConnection(ws.id, 'crm', w.crmConnectionId);
}

export async function startWorld(
  store: Store,
  contacts: number,
  seed = 7,
  /** One clock for the sandboxes and the pipeline (idle-sync tests move it between syncs). */
  now?: () => number,
): Promise<E2eWorld> {
  const sandbox = await startSandboxServer({ port: 0, contacts, seed, ...(now ? { now } : {}) });
  const registry = createRegistry(await builtinConnectors());
  return { sandbox, registry, ...(await addWorkspace(store, sandbox, registry, 'sandbox', now)) };
}

/**
 * A workspace on the sandboxes whose HubSpot connection says it is portal `accountId` (two of them
 * are two portals with the same contact ids handing off to one org).
 */
export async function addWorkspace(
  store: Store,
  sandbox: SandboxServer,
  registry: ConnectorRegistry,
  accountId: string,
  now?: () => number,
): Promise<Pick<E2eWorld, 'workspaceId' | 'sync'>> {
  const workspaceId = await createSandboxWorkspace(
    store,
    sandbox.url,
    issueSandboxTokens(sandbox),
    now ?? Date.now,
    { accountId },
  );
  return { workspaceId, sync: syncOf(store, registry, workspaceId, now) };
}

/** A workspace's sync, run in-process on a rate limiter of its own (and `now`, when given). */
function syncOf(
  store: Store,
  registry: ConnectorRegistry,
  workspaceId: string,
  now?: () => number,
): E2eWorld['sync'] {
  return (extra = {}) =>
    runSync({
      store,
      registry,
      limiter: new MemoryRateLimiter(),
      log: silentLogger,
      workspace: workspaceId,
      ...(now ? { now: () => new Date(now()) } : {}),
      ...extra,
    });
}

/**
 * A workspace syncing the Mautic sandbox (OAuth2) into the Salesforce sandbox on the default preset,
 * one clock for the sandboxes and the pipeline.
 */
export async function startMauticWorld(store: Store, contacts: number, now: () => number): Promise<E2eWorld> {
  const sandbox = await startSandboxServer({ port: 0, contacts, seed: 7, now, epoch: now() });
  const registry = createRegistry(await builtinConnectors());
  const workspaceId = await createMauticWorkspace(store, sandbox, now);
  return { sandbox, registry, workspaceId, sync: syncOf(store, registry, workspaceId, now) };
}

/**
 * A workspace on the default preset with the sandbox's Mautic (OAuth2) as its source and its
 * Salesforce as the CRM; `config` is the Mautic connection's (connectors/mautic/config.ts).
 */
export async function createMauticWorkspace(
  store: Store,
  sandbox: SandboxServer,
  now: () => number,
  config: Record<string, unknown> = {},
): Promise<string> {
  const m = sandbox.mautic.issueTokens();
  const source = await store.connections.create({
    vendor: 'mautic',
    baseUrl: `${sandbox.url}/mautic`,
    accountId: 'mautic.sandbox.example',
    config,
    credentials: {
      kind: 'oauth2',
      accessToken: m.accessToken,
      refreshToken: m.refreshToken,
      expiresAt: new Date(now() + 365 * 86_400_000).toISOString(),
      refreshedAt: new Date(now()).toISOString(),
    },
  });
  const ws = await workspaceOnDefaultPreset(store, {
    name: `e2e-mautic-${Math.random().toString(36).slice(2, 8)}`,
    sourceVendor: 'mautic',
    sourceConnectionId: source.id,
    crmConnectionId: (await salesforceConnection(store, sandbox.salesforce.oauth.issueTokens())).id,
  });
  return ws.id;
}

type Handoff = CrmConnector['handoff'];

/** The same CRM definition with its handoff passed through `around` (fault injection). */
export function wrapHandoff(
  real: CrmConnectorDefinition,
  around: (records: HandoffRecord[], handoff: Handoff) => ReturnType<Handoff>,
): CrmConnectorDefinition {
  return {
    ...real,
    create(ctx) {
      const c = real.create(ctx);
      return {
        vendor: c.vendor,
        handoff: (records) => around(records, (r) => c.handoff(r)),
        pullSalesOutcomes: (since) => c.pullSalesOutcomes(since),
        ensureSchema: (spec) => c.ensureSchema(spec),
      };
    },
  };
}

/** A registry whose Salesforce answers are lost `times` times after Salesforce applied them. */
export function losingHandoffAnswers(registry: ConnectorRegistry, times: number): ConnectorRegistry {
  let left = times;
  const lossy = wrapHandoff(registry.crmConnector('salesforce'), async (records, handoff) => {
    const result = await handoff(records);
    if (left-- > 0) {
      throw new Error('socket hang up (the answer was lost after Salesforce applied the upsert)');
    }
    return result;
  });
  const defs: ConnectorDefinition[] = [registry.sourceConnector('hubspot'), lossy];
  return createRegistry(defs);
}

/** Calls served by the sandbox since `before`, per endpoint key, only those that changed. */
export function callsSince(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(after)) if (n - (before[k] ?? 0) > 0) out[k] = n - (before[k] ?? 0);
  return out;
}

/**
 * Gives HubSpot contact `contactId` an email and the BANT answers the default preset takes as a
 * Sales Qualified Lead, so the next sync hands this person off to Salesforce.
 */
export function makeSalesReady(sandbox: SandboxServer, contactId: string, email: string): void {
  sandbox.hubspot.updateContact(contactId, {
    email,
    jobtitle: 'Head of Marketing',
    numberofemployees: '500',
    bant_budget: 'approved',
    bant_authority: 'decision maker',
    bant_need: 'confirmed',
    bant_timeline: 'this quarter',
  });
}
