/**
 * The on-connect probe, shared by `leadstage connect` and the web app's (console and API) connect
 * callback: the connector says what the vendor account can do (Mautic: whether stages ride in the
 * batch edit) and the answer is kept in the connection's config, which every later run reads.
 * Never throws: a connection that cannot be probed keeps its config, and the reason is returned.
 */
import type { ConnectionProbe } from '../pipeline/ports.ts';
import { openRoleConnector, type ConnectorDeps } from '../pipeline/connectors.ts';
import type { Workspace } from '../store/index.ts';

export interface ProbeOutcome extends ConnectionProbe {
  error?: string;
}

export async function probeConnection(
  deps: ConnectorDeps,
  ws: Workspace,
  role: 'source' | 'crm',
): Promise<ProbeOutcome | null> {
  const connectionId = role === 'source' ? ws.sourceConnectionId : ws.crmConnectionId;
  if (!connectionId) return null;
  try {
    const connector = await openRoleConnector(deps, ws, role);
    if (!connector || !('probe' in connector) || !connector.probe) return null;
    const found = await connector.probe();
    const connection = await deps.store.connections.require(connectionId);
    await deps.store.connections.update(connectionId, { config: { ...connection.config, ...found.config } });
    deps.log.info('connection probed', { workspace: ws.name, connection: connectionId, ...found.config });
    return found;
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    deps.log.warn('connection probe failed', { workspace: ws.name, connection: connectionId, error });
    return { config: {}, notes: [], error };
  }
}
