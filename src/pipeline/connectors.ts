/** Builds a workspace's connectors from its stored connections and the registry. */
import type { ConnectorRegistry } from './registry.ts';
import type { ConnectorContext, CrmConnector, SourceConnector } from './ports.ts';
import { AuthError, ConfigError } from '../errors.ts';
import { MemoryRateLimiter, type RateLimiter } from '../http/rate-limiter.ts';
import type { Logger } from '../log.ts';
import type { Store, Workspace } from '../store/index.ts';

import { workspaceMappingText } from '../mappings/workspace-mappings.ts';

import type { ApiCallTally } from './api-calls.ts';

export interface WorkspaceConnectors {
  source: SourceConnector;
  /** Null when the workspace has no CRM connection yet: handoff and the closed loop are skipped. */
  crm: CrmConnector | null;
}

export interface ConnectorDeps {
  store: Store;
  registry: ConnectorRegistry;
  limiter?: RateLimiter | undefined;
  log: Logger;
  now?: (() => Date) | undefined;
  calls: ApiCallTally;
  warn?: ConnectorContext['warn'];
}

async function context(
  deps: ConnectorDeps,
  connectionId: string,
  limiter: RateLimiter,
  mappingText: string | undefined,
): Promise<ConnectorContext> {
  const connection = await deps.store.connections.require(connectionId);
  if (connection.status === 'needs_reconnect') {
    throw new AuthError(
      `the ${connection.vendor} connection needs to be reconnected${connection.statusMessage ? `: ${connection.statusMessage}` : ''}`,
      'needs_reconnect',
    );
  }
  return {
    connection: deps.store.connections.info(connection),
    credentials: deps.store.connections.credentialStore(connectionId),
    limiter,
    calls: deps.calls,
    log: deps.log.child({ vendor: connection.vendor, connection: connection.id }),
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.warn ? { warn: deps.warn } : {}),
    ...(mappingText !== undefined ? { mappingText } : {}),
  };
}

export async function openConnectors(
  deps: ConnectorDeps,
  workspace: Workspace,
): Promise<WorkspaceConnectors> {
  const limiter = deps.limiter ?? new MemoryRateLimiter();
  if (!workspace.sourceConnectionId) {
    throw new ConfigError(
      `workspace "${workspace.name}" has no ${workspace.sourceVendor} connection yet: connect it first`,
    );
  }
  const sourceDef = deps.registry.sourceConnector(workspace.sourceVendor);
  const source = sourceDef.create(
    await context(
      deps,
      workspace.sourceConnectionId,
      limiter,
      workspaceMappingText(workspace, workspace.sourceVendor),
    ),
  );
  let crm: CrmConnector | null = null;
  if (workspace.crmVendor && workspace.crmConnectionId) {
    const crmDef = deps.registry.crmConnector(workspace.crmVendor);
    crm = crmDef.create(
      await context(
        deps,
        workspace.crmConnectionId,
        limiter,
        workspaceMappingText(workspace, workspace.crmVendor),
      ),
    );
  } else if (workspace.crmVendor) {
    deps.log.warn('no CRM connection yet: handoff and sales outcomes are skipped', {
      workspace: workspace.name,
      crm: workspace.crmVendor,
    });
  }
  return { source, crm };
}

/**
 * One connector of the workspace on its own, for checks that should still look at the CRM when the
 * source is not connected (the doctor). Null when that role has no connection.
 */
export async function openRoleConnector(
  deps: ConnectorDeps,
  workspace: Workspace,
  role: 'source' | 'crm',
): Promise<SourceConnector | CrmConnector | null> {
  const limiter = deps.limiter ?? new MemoryRateLimiter();
  const vendor = role === 'source' ? workspace.sourceVendor : workspace.crmVendor;
  const connectionId = role === 'source' ? workspace.sourceConnectionId : workspace.crmConnectionId;
  if (!vendor || !connectionId) return null;
  const ctx = await context(deps, connectionId, limiter, workspaceMappingText(workspace, vendor));
  return role === 'source'
    ? deps.registry.sourceConnector(vendor).create(ctx)
    : deps.registry.crmConnector(vendor).create(ctx);
}
