/**
 * Stores a vendor connection's credentials (sealed) and attaches it to a workspace, shared by the
 * web app's OAuth callback and `leadstage connect`. Reconnecting an account reuses its connection,
 * so cursors and links stay attached to it, and re-points it at the base URL given.
 */
import type { Credentials } from '../pipeline/ports.ts';
import type { Store, Workspace } from '../store/index.ts';

export interface Grant {
  vendor: string;
  accountId: string;
  baseUrl: string;
  scopes: string[];
  credentials: Credentials;
}

export interface Attached {
  workspace: Workspace;
  connectionId: string;
  /** The connection the workspace had in this role before, when it was another one. */
  previousConnectionId: string | null;
}

export async function attachConnection(
  store: Store,
  ws: Workspace,
  role: 'source' | 'crm',
  grant: Grant,
): Promise<Attached> {
  const existing = await store.connections.findByAccount(grant.vendor, grant.accountId);
  let connectionId: string;
  if (existing) {
    await store.connections.update(existing.id, { baseUrl: grant.baseUrl, scopes: grant.scopes });
    await store.connections.saveCredentials(existing.id, grant.credentials);
    connectionId = existing.id;
  } else {
    const created = await store.connections.create({
      vendor: grant.vendor,
      accountId: grant.accountId,
      baseUrl: grant.baseUrl,
      scopes: grant.scopes,
      credentials: grant.credentials,
    });
    connectionId = created.id;
  }
  const previous = role === 'source' ? ws.sourceConnectionId : ws.crmConnectionId;
  const workspace = await store.workspaces.setConnection(ws.id, role, connectionId);
  return {
    workspace,
    connectionId,
    previousConnectionId: previous && previous !== connectionId ? previous : null,
  };
}
