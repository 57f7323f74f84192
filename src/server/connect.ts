/**
 * The OAuth connect flows. `startConnect` parks a random state (with the PKCE verifier for
 * Salesforce) server-side and returns the vendor's authorize URL; `completeConnect` takes the
 * callback, exchanges the code, stores the tokens sealed, attaches the connection to the workspace
 * and checks the vendor's schema; `disconnect` revokes where the vendor can and detaches.
 */
import { RedisRateLimiter } from '../../jobs/redis-rate-limiter.ts';
import { rateLimitPrefix } from '../../jobs/service.ts';
import { normalizeBaseUrl } from '../../connectors/mautic/index.ts';
import { createPkcePair } from '../../connectors/salesforce/index.ts';
import type { ConnectorContext, ConnectorDefinition, SchemaSpec } from '../pipeline/ports.ts';
import { ConfigError, ValidationError } from '../errors.ts';
import { attachConnection } from '../connections/attach.ts';
import { authorizeUrl } from '../connections/authorize.ts';
import { probeConnection, type ProbeOutcome } from '../connections/probe.ts';
import { ApiCallTally } from '../pipeline/api-calls.ts';
import { workspaceMappingText } from '../mappings/index.ts';
import { workspaceModel } from '../pipeline/engine.ts';
import type { RetireConnection } from '../admin/workspaces.ts';
import type { Workspace } from '../store/index.ts';

import type { ServerContext } from './context.ts';
import type { PendingConnect } from './oauth-state.ts';
import {
  type ConnectableVendor,
  VENDOR_LABELS,
  isConnectableVendor,
  oauthApp,
  oauthBaseUrl,
  roleOf,
} from './vendors.ts';

export interface SchemaCheck {
  checkedAt: string;
  /** What the vendor lacks, in words (Salesforce); empty when everything exists or was created. */
  missing: string[];
  error?: string;
}

/** What disconnecting needs: no Redis, so the CLI can retire connections too. */
export type RetireDeps = Pick<ServerContext, 'store' | 'env' | 'registry' | 'log'>;

function definition(ctx: RetireDeps, vendor: ConnectableVendor): ConnectorDefinition {
  return roleOf(vendor) === 'crm' ? ctx.registry.crmConnector(vendor) : ctx.registry.sourceConnector(vendor);
}

/** The workspace must name this vendor in the role it fills. */
function checkFits(ws: Workspace, vendor: ConnectableVendor): void {
  const role = roleOf(vendor);
  const named = role === 'source' ? ws.sourceVendor : ws.crmVendor;
  if (named !== vendor) {
    throw new ValidationError(
      `vendor: workspace "${ws.name}" uses ${named ?? 'no'} ${role === 'source' ? 'source' : 'CRM'}, not ${VENDOR_LABELS[vendor]}`,
    );
  }
}

export async function startConnect(
  ctx: ServerContext,
  ws: Workspace,
  vendor: ConnectableVendor,
  mauticBaseUrl?: string,
): Promise<string> {
  checkFits(ws, vendor);
  const baseUrl = oauthBaseUrl(
    vendor,
    ctx.env,
    vendor === 'mautic' ? normalizeBaseUrl(mauticBaseUrl) : undefined,
  );
  const app = oauthApp(vendor, ctx.env, baseUrl);
  const pkce = vendor === 'salesforce' ? createPkcePair() : undefined;
  const state = await ctx.states.create({
    vendor,
    workspaceId: ws.id,
    baseUrl,
    ...(pkce ? { codeVerifier: pkce.verifier } : {}),
  });
  return authorizeUrl(definition(ctx, vendor).oauth, app, {
    state,
    baseUrl,
    codeChallenge: pkce?.challenge,
  });
}

export interface ConnectOutcome {
  workspace: Workspace;
  vendor: ConnectableVendor;
  connectionId: string;
  schema: SchemaCheck;
  /** What the on-connect probe found (Mautic: the stage write mode), null when the vendor has none. */
  probe: ProbeOutcome | null;
  /** The workspace had another account in this role: it was retired like a disconnect. */
  replaced?: Retirement;
}

/** A callback whose state was consumed: exchange, store, attach, check the schema. */
export async function completeConnect(
  ctx: ServerContext,
  pending: PendingConnect,
  code: string,
): Promise<ConnectOutcome> {
  const { vendor } = pending;
  const ws = await ctx.store.workspaces.require(pending.workspaceId);
  checkFits(ws, vendor);
  const def = definition(ctx, vendor);
  const app = oauthApp(vendor, ctx.env, pending.baseUrl);
  const grant = await def.oauth.exchangeCode(app, {
    code,
    baseUrl: pending.baseUrl,
    ...(pending.codeVerifier ? { codeVerifier: pending.codeVerifier } : {}),
  });
  const scopes = grant.credentials.kind === 'oauth2' ? (grant.credentials.scopes ?? def.scopes) : def.scopes;
  const {
    workspace: attached,
    connectionId,
    previousConnectionId,
  } = await attachConnection(ctx.store, ws, roleOf(vendor), {
    vendor,
    accountId: grant.accountId,
    baseUrl: grant.baseUrl,
    scopes,
    credentials: grant.credentials,
  });
  ctx.log.info('connection attached', {
    workspace: ws.name,
    vendor,
    account: grant.accountId,
    connection: connectionId,
  });
  // Another account's tokens would otherwise stay stored, unused and valid.
  const replaced = previousConnectionId
    ? await retire(ctx, attached, vendor, previousConnectionId)
    : undefined;
  const probe = await probeConnection(
    {
      store: ctx.store,
      registry: ctx.registry,
      log: ctx.log,
      calls: new ApiCallTally(),
      limiter: new RedisRateLimiter(ctx.redis, rateLimitPrefix(ctx.queuePrefix)),
    },
    attached,
    roleOf(vendor),
  );
  const schema = await checkSchema(ctx, attached, vendor, connectionId);
  const workspace = await recordSchemaCheck(ctx, attached, vendor, schema);
  return { workspace, vendor, connectionId, schema, probe, ...(replaced ? { replaced } : {}) };
}

/** Runs the connector's ensureSchema with the model's stages and dimensions; never throws. */
export async function checkSchema(
  ctx: ServerContext,
  ws: Workspace,
  vendor: ConnectableVendor,
  connectionId: string,
): Promise<SchemaCheck> {
  const checkedAt = new Date().toISOString();
  const log = ctx.log.child({ workspace: ws.name, vendor, connection: connectionId });
  try {
    const model = await workspaceModel(ws);
    const spec: SchemaSpec = {
      stages: model.stages.map((s) => ({ key: s.key, label: s.label })),
      dimensions: [...model.dimensions],
      ...(model.accountDimensions.length
        ? { accountDimensions: model.accountDimensions.map((d) => d.key) }
        : {}),
    };
    const connection = await ctx.store.connections.require(connectionId);
    const mappingText = workspaceMappingText(ws, vendor);
    const connectorCtx: ConnectorContext = {
      connection: ctx.store.connections.info(connection),
      credentials: ctx.store.connections.credentialStore(connectionId),
      // Shared with the workers, so a connect never pushes a vendor past its limits.
      limiter: new RedisRateLimiter(ctx.redis, rateLimitPrefix(ctx.queuePrefix)),
      calls: { count: () => undefined },
      log,
      ...(mappingText !== undefined ? { mappingText } : {}),
    };
    const def = definition(ctx, vendor);
    const missing =
      def.kind === 'crm'
        ? await def.create(connectorCtx).ensureSchema(spec)
        : (await def.create(connectorCtx).ensureSchema(spec), []);
    if (missing.length) log.warn('vendor schema is missing fields leadstage writes', { missing });
    return { checkedAt, missing };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.warn('schema check failed', { error: message });
    return { checkedAt, missing: [], error: message };
  }
}

async function recordSchemaCheck(
  ctx: RetireDeps,
  ws: Workspace,
  vendor: ConnectableVendor,
  check: SchemaCheck | null,
): Promise<Workspace> {
  const checks = { ...schemaChecksOf(ws) };
  if (check) checks[vendor] = check;
  else delete checks[vendor];
  return ctx.store.workspaces.update(ws.id, { settings: { ...ws.settings, schemaChecks: checks } });
}

export function schemaChecksOf(ws: Workspace): Record<string, SchemaCheck> {
  const raw = ws.settings.schemaChecks;
  return raw && typeof raw === 'object' ? (raw as Record<string, SchemaCheck>) : {};
}

export const NOT_REVOKED_REASONS = ['no_revoke', 'revoke_failed', 'shared'] as const;
export type NotRevokedReason = (typeof NOT_REVOKED_REASONS)[number];

export interface Retirement {
  revoked: boolean;
  /** Why the tokens were not revoked; the connection is detached anyway. */
  notRevoked?: NotRevokedReason;
  note?: string;
}

export interface DisconnectOutcome extends Retirement {
  workspace: Workspace;
}

/**
 * Detaches the workspace's connection for `vendor`, then retires it: revokes the tokens (HubSpot,
 * Salesforce; Mautic has no revoke endpoint) and deletes it, unless another workspace uses it.
 */
export async function disconnect(
  ctx: RetireDeps,
  ws: Workspace,
  vendor: ConnectableVendor,
): Promise<DisconnectOutcome> {
  checkFits(ws, vendor);
  const role = roleOf(vendor);
  const connectionId = role === 'source' ? ws.sourceConnectionId : ws.crmConnectionId;
  if (!connectionId) {
    throw new ConfigError(`workspace "${ws.name}" has no ${VENDOR_LABELS[vendor]} connection`);
  }
  let workspace = await ctx.store.workspaces.setConnection(ws.id, role, null);
  workspace = await recordSchemaCheck(ctx, workspace, vendor, null);
  const retirement = await retire(ctx, workspace, vendor, connectionId);
  ctx.log.info('connection detached', {
    workspace: ws.name,
    vendor,
    connection: connectionId,
    revoked: retirement.revoked,
  });
  return { workspace, ...retirement };
}

/**
 * A connection `ws` no longer uses: kept while another workspace uses it, otherwise its tokens are
 * revoked where the vendor can and it is deleted.
 */
async function retire(
  ctx: RetireDeps,
  ws: Workspace,
  vendor: ConnectableVendor,
  connectionId: string,
): Promise<Retirement> {
  const connection = await ctx.store.connections.get(connectionId);
  if (!connection) return { revoked: false };
  const stillUsed = (await ctx.store.workspaces.list()).some(
    (w) => w.id !== ws.id && (w.sourceConnectionId === connectionId || w.crmConnectionId === connectionId),
  );
  if (stillUsed) {
    return {
      revoked: false,
      notRevoked: 'shared',
      note: 'another workspace still uses this connection: tokens kept',
    };
  }
  const def = definition(ctx, vendor);
  let outcome: Retirement;
  if (!def.oauth.revoke) {
    outcome = {
      revoked: false,
      notRevoked: 'no_revoke',
      note: `${VENDOR_LABELS[vendor]} has no revoke endpoint: delete the API credentials in ${VENDOR_LABELS[vendor]} too`,
    };
  } else {
    try {
      const credentials = await ctx.store.connections.readCredentials(connectionId);
      await def.oauth.revoke(
        oauthApp(vendor, ctx.env, oauthRevokeBase(ctx, vendor, connection.baseUrl)),
        credentials,
        connection.baseUrl,
      );
      outcome = { revoked: true };
    } catch (err) {
      const note = `revoking failed: ${err instanceof Error ? err.message : String(err)}`;
      ctx.log.warn('token revoke failed', { workspace: ws.name, vendor, error: note });
      outcome = { revoked: false, notRevoked: 'revoke_failed', note };
    }
  }
  await ctx.store.connections.delete(connectionId);
  ctx.log.info('connection retired', {
    workspace: ws.name,
    vendor,
    connection: connectionId,
    revoked: outcome.revoked,
  });
  return outcome;
}

/** The base the OAuth app was registered against, for picking env or sandbox credentials. */
function oauthRevokeBase(ctx: RetireDeps, vendor: ConnectableVendor, connectionBase: string): string {
  return vendor === 'mautic' ? connectionBase : oauthBaseUrl(vendor, ctx.env);
}

/** Disconnecting through the same path as the Disconnect button (tokens revoked where possible). */
export function retireThrough(deps: RetireDeps): RetireConnection {
  return async (ws, vendor) => {
    if (!isConnectableVendor(vendor)) return { revoked: false, note: `${vendor} has no connect flow` };
    const outcome = await disconnect(deps, ws, vendor);
    return { revoked: outcome.revoked, ...(outcome.note ? { note: outcome.note } : {}) };
  };
}
