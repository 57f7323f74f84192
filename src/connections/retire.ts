/**
 * Retiring a connection a workspace no longer uses, shared by the web app (disconnect, connecting
 * another account) and `leadstage connect`: kept while another workspace uses it, otherwise its
 * tokens are revoked where the vendor can and it is deleted. The OAuth app a revoke is made with
 * comes from the composition root (environment or sandbox app), so this core knows no vendor.
 */
import type { Logger } from '../log.ts';
import type { OAuthApp } from '../pipeline/ports.ts';
import type { ConnectorRegistry } from '../pipeline/registry.ts';
import type { Store, Workspace } from '../store/index.ts';

import { type ConnectableVendor, VENDOR_LABELS, roleOf } from './vendors.ts';

export const NOT_REVOKED_REASONS = ['no_revoke', 'revoke_failed', 'shared'] as const;
export type NotRevokedReason = (typeof NOT_REVOKED_REASONS)[number];

export interface Retirement {
  revoked: boolean;
  /** Why the tokens were not revoked; the connection is detached anyway. */
  notRevoked?: NotRevokedReason;
  note?: string;
}

export interface RetireDeps {
  store: Store;
  registry: ConnectorRegistry;
  log: Logger;
  /** The OAuth app to revoke with, for a connection at `connectionBaseUrl`. */
  revokeApp: (vendor: ConnectableVendor, connectionBaseUrl: string) => OAuthApp;
}

export async function retireConnection(
  deps: RetireDeps,
  ws: Workspace,
  vendor: ConnectableVendor,
  connectionId: string,
): Promise<Retirement> {
  const connection = await deps.store.connections.get(connectionId);
  if (!connection) return { revoked: false };
  const stillUsed = (await deps.store.workspaces.list()).some(
    (w) => w.id !== ws.id && (w.sourceConnectionId === connectionId || w.crmConnectionId === connectionId),
  );
  if (stillUsed) {
    return {
      revoked: false,
      notRevoked: 'shared',
      note: 'another workspace still uses this connection: tokens kept',
    };
  }
  const flow =
    roleOf(vendor) === 'crm'
      ? deps.registry.crmConnector(vendor).oauth
      : deps.registry.sourceConnector(vendor).oauth;
  const name = VENDOR_LABELS[vendor];
  const credentials = await deps.store.connections.readCredentials(connectionId).catch(() => null);
  let outcome: Retirement;
  if (!flow.revoke || (credentials && credentials.kind !== 'oauth2')) {
    // A private-app token or a basic-auth user is made in the vendor, so only the vendor can end it.
    outcome = {
      revoked: false,
      notRevoked: 'no_revoke',
      note: flow.revoke
        ? `a ${name} private-app token or API user cannot be revoked by leadstage: delete it in ${name} too`
        : `${name} has no revoke endpoint: delete the API credentials in ${name} too`,
    };
  } else {
    try {
      if (!credentials) throw new Error('its credentials could not be read');
      await flow.revoke(deps.revokeApp(vendor, connection.baseUrl), credentials, connection.baseUrl);
      outcome = { revoked: true };
    } catch (err) {
      const note = `revoking failed: ${err instanceof Error ? err.message : String(err)}`;
      deps.log.warn('token revoke failed', { workspace: ws.name, vendor, error: note });
      outcome = { revoked: false, notRevoked: 'revoke_failed', note };
    }
  }
  await deps.store.connections.delete(connectionId);
  deps.log.info('connection retired', {
    workspace: ws.name,
    vendor,
    connection: connectionId,
    revoked: outcome.revoked,
  });
  return outcome;
}
