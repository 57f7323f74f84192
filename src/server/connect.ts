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
import type { Env } from '../config/env.ts';
import { ConfigError, ValidationError } from '../errors.ts';
import { authorizeUrl } from '../connections/authorize.ts';
import { connectAccount } from '../connections/connect.ts';
import type { ProbeOutcome } from '../connections/probe.ts';
import {
  NOT_REVOKED_REASONS,
  type NotRevokedReason,
  type RetireDeps as RetireCoreDeps,
  type Retirement,
  retireConnection,
} from '../connections/retire.ts';
import type { CheckReport, Finding } from '../mappings/index.ts';
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
  /** The doctor's verdict when the vendor was connected (absent on checks made before it ran). */
  doctor?: ConnectDoctor;
}

export interface ConnectDoctor {
  ok: boolean;
  findings: Pick<Finding, 'severity' | 'code' | 'subject' | 'message' | 'fix'>[];
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
  /** The doctor's report on the workspace with the account just connected. */
  doctor: CheckReport;
  /** The workspace had another account in this role: it was retired like a disconnect. */
  replaced?: Retirement;
}

/** The deps the shared connect core needs, from the server's context. */
function coreDeps(ctx: RetireDeps): RetireCoreDeps {
  return {
    store: ctx.store,
    registry: ctx.registry,
    log: ctx.log,
    revokeApp: revokeAppFrom(ctx.env),
  };
}

/** A callback whose state was consumed: exchange, then the shared connect (attach, retire, probe, doctor). */
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
  let schema: SchemaCheck | undefined;
  const connected = await connectAccount(
    {
      ...coreDeps(ctx),
      calls: new ApiCallTally(),
      // Shared with the workers, so a connect never pushes a vendor past its limits.
      limiter: new RedisRateLimiter(ctx.redis, rateLimitPrefix(ctx.queuePrefix)),
    },
    ws,
    vendor,
    { vendor, accountId: grant.accountId, baseUrl: grant.baseUrl, scopes, credentials: grant.credentials },
    // The schema first (HubSpot's properties are created), so the doctor sees what now exists.
    async (attached, connectionId) => {
      schema = await checkSchema(ctx, attached, vendor, connectionId);
      return attached;
    },
  );
  const check: SchemaCheck = { ...schema!, doctor: doctorSummary(connected.doctor) };
  const workspace = await recordSchemaCheck(ctx, connected.workspace, vendor, check);
  const { replaced } = connected;
  return {
    workspace,
    vendor,
    connectionId: connected.connectionId,
    schema: check,
    probe: connected.probe,
    doctor: connected.doctor,
    ...(replaced
      ? {
          replaced: {
            revoked: replaced.revoked,
            ...(replaced.notRevoked ? { notRevoked: replaced.notRevoked } : {}),
            ...(replaced.note ? { note: replaced.note } : {}),
          },
        }
      : {}),
  };
}

/** What is kept of the doctor's on-connect report: its verdict and findings (not the tables). */
function doctorSummary(report: CheckReport): ConnectDoctor {
  return {
    ok: report.ok,
    findings: report.findings.map((f) => ({
      severity: f.severity,
      code: f.code,
      subject: f.subject,
      message: f.message,
      fix: f.fix,
    })),
  };
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

export { NOT_REVOKED_REASONS, type NotRevokedReason, type Retirement };

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
  const retirement = await retireConnection(coreDeps(ctx), workspace, vendor, connectionId);
  ctx.log.info('connection detached', {
    workspace: ws.name,
    vendor,
    connection: connectionId,
    revoked: retirement.revoked,
  });
  return { workspace, ...retirement };
}

/**
 * The OAuth app a revoke is made with: the one registered against the vendor's OAuth base (env or
 * sandbox app). Also used by `leadstage connect`, which retires a replaced account the same way.
 */
export function revokeAppFrom(env: Env): RetireCoreDeps['revokeApp'] {
  return (vendor, connectionBase) =>
    oauthApp(vendor, env, vendor === 'mautic' ? connectionBase : oauthBaseUrl(vendor, env));
}

/** Disconnecting through the same path as the Disconnect button (tokens revoked where possible). */
export function retireThrough(deps: RetireDeps): RetireConnection {
  return async (ws, vendor) => {
    if (!isConnectableVendor(vendor)) return { revoked: false, note: `${vendor} has no connect flow` };
    const outcome = await disconnect(deps, ws, vendor);
    return { revoked: outcome.revoked, ...(outcome.note ? { note: outcome.note } : {}) };
  };
}
